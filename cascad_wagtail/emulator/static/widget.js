/*
 * Cascad widget (emulator): window.CascadWidget.init({selector, flow, cpi, locale, onReturn, onClose}).
 *
 * flow "iframe" mounts Checkout in the element and reports back through onReturn({cpi, status}) and
 * onClose(); flow "redirect" sends the whole window to Checkout. Messages are accepted only from
 * the Cascad host this script was loaded from, and only from the iframe it created.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var cascadOrigin = new URL(script ? script.src : window.location.href).origin;

  function checkoutUrl(options, embedded) {
    var url = new URL("/hpp/", cascadOrigin);
    url.searchParams.set("cpi", options.cpi);
    if (options.locale) url.searchParams.set("locale", options.locale);
    if (embedded) {
      url.searchParams.set("embedded", "1");
      url.searchParams.set("parent_origin", window.location.origin);
    }
    return url.toString();
  }

  function init(options) {
    if (!options || typeof options.cpi !== "string" || options.cpi.indexOf("cpi_") !== 0) {
      throw new Error("CascadWidget.init needs the invoice id (cpi) created by the shop's server");
    }
    var flow = options.flow || "iframe";
    if (flow === "redirect") {
      window.location.assign(checkoutUrl(options, false));
      return { destroy: function () {} };
    }
    if (flow !== "iframe") throw new Error('CascadWidget flow must be "iframe" or "redirect"');
    var container = typeof options.selector === "string" ? document.querySelector(options.selector) : options.selector;
    if (!container) throw new Error("CascadWidget: no element matches " + options.selector);

    var iframe = document.createElement("iframe");
    iframe.src = checkoutUrl(options, true);
    iframe.title = "Cascad Checkout";
    iframe.setAttribute("allow", "payment");
    iframe.style.cssText = "width:100%;min-height:560px;border:0;display:block;";
    container.appendChild(iframe);
    var returned = false;

    function onMessage(event) {
      if (event.origin !== cascadOrigin || event.source !== iframe.contentWindow) return;
      var data = event.data;
      if (!data || typeof data !== "object") return;
      if (data.type === "cascad:resize" && typeof data.height === "number") {
        iframe.style.height = Math.max(320, Math.ceil(data.height) + 16) + "px";
      } else if (data.type === "cascad:return" && data.cpi === options.cpi) {
        if (returned) return;
        returned = true;
        if (typeof options.onReturn === "function") options.onReturn({ cpi: data.cpi, status: data.status });
      } else if (data.type === "cascad:close") {
        if (typeof options.onClose === "function") options.onClose();
      }
    }
    window.addEventListener("message", onMessage);
    return {
      iframe: iframe,
      destroy: function () {
        window.removeEventListener("message", onMessage);
        if (iframe.parentNode) iframe.parentNode.removeChild(iframe);
      }
    };
  }

  window.CascadWidget = { init: init };
})();
