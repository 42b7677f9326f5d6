// Resource tables: small enhancements over pages that work without JavaScript.
(function () {
  "use strict";

  // Dates are formatted on the server in the browser's time zone, read from this cookie.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.split("; ").indexOf("tz=" + zone) === -1) {
      document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (error) {
    // No Intl time zone support: the server's default zone is used.
  }

  function table() {
    return document.getElementById("table");
  }

  // Tell assistive technology while the table is being replaced (not while other parts of
  // the page, such as a snapshot's progress, refresh themselves).
  function replacesTable(event) {
    var target = event.detail.target;
    return target && target.id === "table";
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var region = table();
    if (region && replacesTable(event)) {
      region.setAttribute("aria-busy", "true");
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var region = table();
    if (region && replacesTable(event)) {
      region.removeAttribute("aria-busy");
    }
  });

  // The search box lives outside the swapped table: when the table's search changed in
  // some other way (a removed chip, "clear all"), show it there, unless the user is typing.
  document.addEventListener("htmx:afterSettle", function () {
    var region = table();
    var search = document.getElementById("q");
    if (!region || !search) {
      return;
    }
    var state = region.getAttribute("data-search") || "";
    if (state !== search.getAttribute("data-search")) {
      search.setAttribute("data-search", state);
      if (document.activeElement !== search) {
        search.value = state;
      }
    }
  });
})();
