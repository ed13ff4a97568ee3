/* The return page follows the payment without a reload: it polls the status URL while the
 * payment is unsettled, swaps in the new status, and forwards to the shop once it is done. */
(function () {
  "use strict";
  var root = document.getElementById("cascad-payment-status");
  if (!root) return;
  var statusUrl = root.getAttribute("data-status-url");
  var delay = 2000;

  function forward(url, seconds) {
    if (url) window.setTimeout(function () { window.location.assign(url); }, seconds * 1000);
  }

  function poll() {
    fetch(statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (data) {
        root.innerHTML = data.html;
        if (data.waiting) { window.setTimeout(poll, delay); }
        else { forward(data.forward_url, Number(root.getAttribute("data-forward-seconds"))); }
      })
      .catch(function () { delay = Math.min(delay * 2, 15000); window.setTimeout(poll, delay); });
  }

  if (root.getAttribute("data-waiting") === "true") window.setTimeout(poll, delay);
  else forward(root.getAttribute("data-forward-url"), Number(root.getAttribute("data-forward-seconds")));
})();
