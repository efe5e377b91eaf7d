// Follows the dashboard's current run: polls the progress endpoint and moves the bar and the counts.
// When the run ends the page reloads, so the health figures and the history show its outcome.
(function () {
  "use strict";
  const POLL_MS = 2000;

  function follow(box) {
    const url = new URL(box.dataset.progressUrl, window.location.href);
    if (box.dataset.runId) url.searchParams.set("run", box.dataset.runId);
    const bar = box.querySelector("progress");

    function show(run) {
      box.querySelectorAll("[data-field]").forEach(function (el) {
        const value = run[el.dataset.field];
        if (value !== undefined && value !== null) el.textContent = value;
      });
      if (!bar) return;
      bar.setAttribute("aria-valuenow", run.read);
      if (run.expected) {
        bar.max = run.expected;
        bar.value = run.read;
        bar.setAttribute("aria-valuemax", run.expected);
      } else {
        bar.removeAttribute("value"); // no estimate: an indeterminate bar
        bar.removeAttribute("aria-valuemax");
      }
      bar.textContent = run.read;
    }

    function poll() {
      fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (data) {
          if (!data.run) return;
          show(data.run);
          box.dataset.active = data.run.active ? "true" : "false";
          if (data.run.active) window.setTimeout(poll, POLL_MS);
          else window.location.reload();
        })
        .catch(function () { window.setTimeout(poll, POLL_MS * 5); });
    }

    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const box = document.getElementById("current-run");
    if (box && box.dataset.active === "true") follow(box);
  });
})();
