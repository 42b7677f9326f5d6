// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Move focus to new main content after an HTMX swap so screen readers follow along.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute("data-focus-on-swap")) {
      target.focus();
    }
  });
})();
