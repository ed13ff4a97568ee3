/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  // The currency select submits on change.
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Product gallery: a thumbnail shows its image in the large frame.
  var main = document.getElementById("gallery-main");
  document.querySelectorAll("[data-gallery-src]").forEach(function (thumb) {
    thumb.addEventListener("click", function () {
      if (!main) return;
      main.src = thumb.getAttribute("data-gallery-src");
      document.querySelectorAll(".gallery-thumb").forEach(function (t) { t.classList.remove("is-active"); });
      thumb.classList.add("is-active");
    });
  });

  // Product: choosing a variant shows its picture.
  document.querySelectorAll("[data-gallery-pick]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (!main || !radio.checked) return;
      var src = radio.getAttribute("data-gallery-pick");
      main.src = src;
      document.querySelectorAll(".gallery-thumb").forEach(function (t) {
        t.classList.toggle("is-active", t.getAttribute("data-gallery-src") === src);
      });
    });
  });

  // Checkout: the chosen delivery sets the totals and whether an address is asked for.
  var shippingInputs = document.querySelectorAll('input[name="shipping_method"]');
  var addressFields = document.querySelector("[data-address-fields]");
  function showShipping() {
    var chosen = document.querySelector('input[name="shipping_method"]:checked');
    if (!chosen) return;
    var price = document.querySelector("[data-shipping-price]:not(input)");
    var total = document.querySelector("[data-grand-total]");
    if (price) price.textContent = chosen.getAttribute("data-shipping-price");
    if (total) total.textContent = chosen.getAttribute("data-total");
    if (addressFields) addressFields.hidden = chosen.getAttribute("data-needs-address") !== "true";
  }
  shippingInputs.forEach(function (input) { input.addEventListener("change", showShipping); });
  showShipping();

  // Copy the payment link.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      if (!field) return;
      field.select();
      var done = function () {
        var label = button.textContent;
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () {});
      else if (document.execCommand("copy")) done();
    });
  });

  // Order page: while a payment is being processed, follow it (through the app's status URL) and
  // show the order again once it has settled.
  var waiting = document.querySelector("[data-order-status-url]");
  if (waiting) {
    var url = waiting.getAttribute("data-order-status-url");
    var delay = 3000;
    var poll = function () {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
        .then(function (data) {
          if (data.waiting) window.setTimeout(poll, delay);
          else window.location.reload();
        })
        .catch(function () { delay = Math.min(delay * 2, 30000); window.setTimeout(poll, delay); });
    };
    window.setTimeout(poll, delay);
  }
})();
