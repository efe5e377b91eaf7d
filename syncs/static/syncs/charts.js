// Draws the dashboard's charts and the home page's sparklines with uPlot (vendored under vendor/uplot/).
// Each chart is a <div data-chart="<kind>" data-source="<id of a json_script>">; the numbers are also in the
// page as text (aria-label and a table), so the charts are pictures of what is already said.
(function () {
  "use strict";
  const COLORS = {created: "#2e7d32", updated: "#1565c0", held: "#b26a00", failed: "#c62828",
                  seconds: "#6a1b9a", written: "#1565c0", read: "#1565c0"};

  function dataOf(el) {
    const source = document.getElementById(el.dataset.source);
    return source ? JSON.parse(source.textContent) : null;
  }

  function width(el, fallback) {
    return Math.max(120, Math.floor(el.clientWidth || el.parentElement.clientWidth || fallback));
  }

  // Axis text and grid in the page's own colours: uPlot's defaults are dark grey, unreadable in dark mode.
  function themed(axes, el) {
    const fg = getComputedStyle(el).color;
    const grid = fg.replace(/^rgb\((.*)\)$/, "rgba($1, 0.15)");
    (axes || []).forEach(function (axis) {
      axis.stroke = axis.stroke || fg;
      axis.grid = Object.assign({stroke: grid, width: 1}, axis.grid || {});
      axis.ticks = Object.assign({stroke: grid, width: 1}, axis.ticks || {});
    });
  }

  function bars(fill) {
    return {stroke: fill, fill: fill + "cc", width: 1, paths: uPlot.paths.bars({size: [0.6, 40]}), points: {show: false}};
  }

  function line(stroke, scale) {
    const series = {stroke: stroke, width: 2, points: {show: true, size: 5}};
    if (scale) series.scale = scale; // an undefined scale would leave the default y axis without data
    return series;
  }

  function day(ts, zone) {
    return new Intl.DateTimeFormat("en-GB", {timeZone: zone, day: "2-digit", month: "short"}).format(new Date(ts * 1e3));
  }

  function daySplits(xs, px) {
    const step = Math.max(1, Math.ceil(xs.length / Math.max(2, Math.floor(px / 70))));
    return xs.filter(function (_, i) { return (xs.length - 1 - i) % step === 0; });
  }

  function shown(el, labels) {
    el.dataset.xLabels = labels.filter(Boolean).join("|"); // what the x axis reads, for tests and screen checks
    return labels;
  }

  const KINDS = {
    "run-history": function (el, d) {
      // One slot per run (not a time axis): bars stay readable however far apart runs finished.
      const slots = d.x.map(function (_, i) { return i; });
      return {
        opts: {
          width: width(el, 700), height: 240, legend: {show: true},
          scales: {x: {time: false, range: function () { return [-0.5, slots.length - 0.5]; }},
                   n: {auto: true, range: function (u, min, max) { return [0, Math.max(1, max)]; }},
                   s: {auto: true, range: function (u, min, max) { return [0, Math.max(1, max)]; }}},
          // Runs by their number in this integration (#1, #2, … as its run history reads), not a global id.
          axes: [{label: "run", incrs: [1, 2, 5, 10], values: function (u, splits) {
                    return shown(el, splits.map(function (i) { return d.run[i] !== undefined ? "#" + d.run[i] : ""; })); }},
                 {scale: "n", label: "records"}, {scale: "s", side: 1, label: "seconds", grid: {show: false}}],
          series: [{label: "Run", value: function (u, v) {
                      return v == null || d.run[v] === undefined ? "--" : "#" + d.run[v] + " · " + d.finished[v]; }},
                   Object.assign({label: "Created", scale: "n"}, bars(COLORS.created)),
                   Object.assign({label: "Updated", scale: "n"}, bars(COLORS.updated)),
                   Object.assign({label: "Held", scale: "n"}, bars(COLORS.held)),
                   Object.assign({label: "Duration (s)"}, line(COLORS.seconds, "s"))],
        },
        data: [slots, d.created, d.updated, d.held, d.seconds],
      };
    },
    "records-over-time": function (el, d) {
      return {
        opts: {
          width: width(el, 700), height: 220, legend: {show: true},
          // Days of the tenant's calendar, whatever zone the browser is in.
          tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), d.zone); },
          scales: {x: {time: true}, y: {range: function (u, min, max) { return [0, Math.max(1, max)]; }}},
          // Ticks counted back from today, so the newest day is always labelled (uPlot's own start at the left).
          axes: [{splits: function () { return daySplits(d.x, width(el, 700)); },
                  values: function (u, splits) { return shown(el, splits.map(function (ts) { return day(ts, d.zone); })); }},
                 {label: "records per day"}],
          series: [{label: "Day", value: function (u, ts) { return ts == null ? "--" : day(ts, d.zone); }},
                   Object.assign({label: "Written"}, line(COLORS.written)),
                   Object.assign({label: "Held"}, line(COLORS.held)),
                   Object.assign({label: "Failed"}, line(COLORS.failed))],
        },
        data: [d.x, d.written, d.held, d.failed],
      };
    },
    "sparkline": function (el, d) {
      return {
        opts: {
          width: 120, height: 28, legend: {show: false}, cursor: {show: false},
          scales: {x: {time: false}}, axes: [{show: false}, {show: false}],
          series: [{}, {stroke: COLORS.read, width: 1.5, fill: COLORS.read + "22", points: {show: false}},
                   {stroke: COLORS.failed, width: 1, points: {show: false}}],
        },
        data: [d.x.map(function (_, i) { return i; }), d.read, d.failed],
      };
    },
  };

  function draw(el) {
    const d = dataOf(el);
    const kind = KINDS[el.dataset.chart];
    if (!d || !kind || typeof uPlot === "undefined") return;
    if (!d.x.length) { el.dataset.rendered = "empty"; return; }
    const chart = kind(el, d);
    themed(chart.opts.axes, el);
    const plot = new uPlot(chart.opts, chart.data, el);
    el.dataset.rendered = "true";
    el.dataset.points = String(d.x.length);
    if (el.dataset.chart !== "sparkline") {
      window.addEventListener("resize", function () { plot.setSize({width: width(el, 700), height: chart.opts.height}); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
