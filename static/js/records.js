// Record forms edited in place with HTMX. A refused save answers 409, 422, 429 or 5xx with
// the bound form (the input kept) and a banner: swap it in like a success, not as an error.
(function () {
  "use strict";
  var KEEP_INPUT = [400, 404, 409, 422, 429, 502, 503];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.matches("section.record") &&
        KEEP_INPUT.indexOf(event.detail.xhr.status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
