/* The shop's pay page: Cascad Checkout in an iframe through Cascad's widget (loaded from the Cascad host). */
(function () {
  "use strict";
  var box = document.getElementById("cascad-widget");
  if (!box) return;
  var error = document.querySelector("[data-widget-error]");
  if (!window.CascadWidget) {
    if (error) error.hidden = false;
    return;
  }
  window.CascadWidget.init({
    selector: "#cascad-widget",
    flow: "iframe",
    cpi: box.getAttribute("data-cpi"),
    locale: box.getAttribute("data-locale"),
    // Paid, failed or still processing: the return page asks Cascad and tells the truth.
    onReturn: function () { window.location.assign(box.getAttribute("data-return-url")); },
    onClose: function () { window.location.assign(box.getAttribute("data-close-url")); }
  });
})();
