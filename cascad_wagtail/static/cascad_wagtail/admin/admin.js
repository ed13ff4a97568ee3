// Cascad in the Wagtail admin: "Copy link" buttons and single-submit confirmation buttons.
(function () {
    "use strict";
    document.querySelectorAll("[data-cascad-copy]").forEach(function (button) {
        button.addEventListener("click", function () {
            var input = document.querySelector(button.getAttribute("data-cascad-copy"));
            if (!input) return;
            var done = function () {
                var label = button.getAttribute("data-copied-label");
                button.setAttribute("aria-live", "polite");
                button.lastChild.textContent = label;
            };
            input.select();
            if (navigator.clipboard && window.isSecureContext) {
                navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
            } else {
                document.execCommand("copy");
                done();
            }
        });
    });
    // A confirmation that moves money is sent once, however often it is clicked.
    document.querySelectorAll("[data-cascad-once]").forEach(function (button) {
        var form = button.form;
        if (!form) return;
        form.addEventListener("submit", function (event) {
            if (form.dataset.sent) { event.preventDefault(); return; }
            form.dataset.sent = "1";
            button.setAttribute("aria-disabled", "true");
        });
    });
})();
