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

  // An HTMX request that fails without an answer to swap in says so, instead of nothing.
  var PROBLEMS = {
    403: "This was refused: your role or your access to this connection may have changed. Reload the page to see what you may do now.",
    404: "This is no longer here. Reload the page."
  };
  function problemBox() {
    return document.getElementById("request-problem");
  }
  function show(text) {
    var box = problemBox();
    if (box) {
      box.setAttribute("role", "alert");
      box.textContent = text;
      box.hidden = false;
    }
  }
  // A new request the user made clears the message; a part of the page polling does not.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = problemBox();
    if (box && event.detail.requestConfig && event.detail.requestConfig.triggeringEvent) {
      box.hidden = true;
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    show(PROBLEMS[status] || "The dashboard could not complete this request (status " + status + "). Try again, or reload the page.");
  });
  document.addEventListener("htmx:sendError", function () {
    show("The dashboard could not be reached. Check the network and try again.");
  });
})();
