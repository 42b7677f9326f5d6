// Exports: with JavaScript, an export link downloads through fetch() so the page can show
// its progress (records so far, of the total when the server knows it); without, the link
// is a plain download. A refusal (409) or a vendor failure (502) opens the server's page.
(function () {
  "use strict";

  var NEWLINE = 10;
  var QUOTE = 34;

  function filename(response, fallback) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : fallback;
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  async function download(link) {
    var status = document.getElementById("export-status");
    var bar = document.getElementById("export-progress");
    var csv = link.dataset.export === "csv";
    var header = csv ? 1 : 0;
    var quoted = false;  // inside a quoted CSV cell, where a line feed is part of the value
    status.textContent = "Exporting…";
    var response = await fetch(link.href, { credentials: "same-origin" });
    if (!response.ok) {
      window.location.assign(link.href);
      return;
    }
    var total = Number(response.headers.get("X-Export-Total")) || 0;
    bar.hidden = false;
    if (total) {
      bar.max = total;
      bar.value = 0;
    } else {
      bar.removeAttribute("value");
    }
    var reader = response.body.getReader();
    var chunks = [];
    var lines = 0;
    for (;;) {
      var step = await reader.read();
      if (step.done) {
        break;
      }
      chunks.push(step.value);
      for (var i = 0; i < step.value.length; i++) {
        if (csv && step.value[i] === QUOTE) {
          quoted = !quoted;
        } else if (step.value[i] === NEWLINE && !quoted) {
          lines++;
        }
      }
      var records = Math.max(0, lines - header);
      if (total) {
        bar.value = Math.min(records, total);
      }
      status.textContent = "Exporting… " + records.toLocaleString() + (total ? " of " + total.toLocaleString() : "") + " records";
    }
    bar.hidden = true;
    save(new Blob(chunks, { type: response.headers.get("Content-Type") || "" }), filename(response, "export"));
    status.textContent = "Exported " + Math.max(0, lines - header).toLocaleString() + " records.";
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-export]");
    if (!link || !window.fetch || !window.ReadableStream || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();
    download(link).catch(function () {
      window.location.assign(link.href);
    });
  });
})();
