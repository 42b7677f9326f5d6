// Rate-limit countdowns: banners carry the server-computed deadline in data-retry-at
// (epoch milliseconds); controls marked data-budget-controls stay inert until the table's
// data-wait-until passes. Without this file the page still says when to try again.
(function () {
  "use strict";

  function duration(seconds) {
    if (seconds < 60) {
      return seconds + " s";
    }
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + " min" + (rest ? " " + rest + " s" : "");
  }

  function updateBanner(banner, now) {
    var left = Math.max(0, Math.ceil((Number(banner.getAttribute("data-retry-at")) - now) / 1000));
    var out = banner.querySelector("[data-countdown]");
    if (out) {
      out.textContent = duration(left);
    }
    if (left > 0 || banner.hasAttribute("data-ready")) {
      return;
    }
    banner.setAttribute("data-ready", "");
    var title = banner.querySelector("[data-banner-title]");
    if (title) {
      title.textContent = "The vendor's budget has reset: you can continue.";
    }
    banner.querySelectorAll("[data-after-wait]").forEach(function (link) {
      link.hidden = false;
    });
  }

  function updateControls(now) {
    var table = document.querySelector("[data-wait-until]");
    var waiting = table !== null && Number(table.getAttribute("data-wait-until")) > now;
    document.querySelectorAll("[data-budget-controls]").forEach(function (element) {
      element.toggleAttribute("inert", waiting);
    });
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-retry-at]").forEach(function (banner) {
      updateBanner(banner, now);
    });
    updateControls(now);
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  window.setInterval(tick, 1000);
})();
