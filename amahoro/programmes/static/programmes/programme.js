/* Programme dashboard: reach by district, attendance over time and attitude change (ECharts, SVG renderer).
   Data comes from a json_script element; the same figures are in tables on the page, so nothing is lost
   without JavaScript. No inline script: the page's CSP forbids it. */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function init(el) {
    return window.echarts.init(el, null, { renderer: "svg" });
  }

  function districts(data) {
    var el = document.getElementById("district-chart");
    if (!el || !data.districts.length) { if (el) { el.hidden = true; } return; }
    init(el).setOption({
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      grid: { left: 110, right: 20, top: 10, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.districts.map(function (d) { return d.name; }) },
      series: [{ type: "bar", name: "Unique people", data: data.districts.map(function (d) { return d.count; }), itemStyle: { color: "#1f6f8b" } }]
    });
  }

  function timeline(data) {
    var el = document.getElementById("timeline-chart");
    if (!el || !data.timeline.length) { if (el) { el.hidden = true; } return; }
    var months = data.timeline.map(function (m) { return m.month; });
    init(el).setOption({
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 40, bottom: 30 },
      xAxis: { type: "category", data: months },
      yAxis: [{ type: "value", name: "Attendances", minInterval: 1 }, { type: "value", name: "Reach", minInterval: 1 }],
      series: [
        { type: "bar", name: "Attendances", data: data.timeline.map(function (m) { return m.attendances; }), itemStyle: { color: "#9cc3d5" } },
        { type: "line", name: "Unique people so far", yAxisIndex: 1, data: data.timeline.map(function (m) { return m.reach; }), itemStyle: { color: "#1f6f8b" } }
      ]
    });
  }

  function scales(data) {
    var nodes = document.querySelectorAll(".scale-chart");
    Array.prototype.forEach.call(nodes, function (el) {
      var s = data.scales[Number(el.getAttribute("data-index"))];
      if (!s || !s.rounds.length) { el.hidden = true; return; }
      var labels = s.rounds.map(function (r) { return r.label; });
      var sexes = {};
      s.rounds.forEach(function (r) { Object.keys(r.by_sex).forEach(function (k) { sexes[k] = true; }); });
      var names = { F: "Women", M: "Men" };
      var series = [{ type: "bar", name: "All", data: s.rounds.map(function (r) { return r.mean === null ? null : Math.round(r.mean * 10) / 10; }) }];
      Object.keys(sexes).sort().forEach(function (k) {
        series.push({ type: "bar", name: names[k] || k, data: s.rounds.map(function (r) { var v = r.by_sex[k]; return v === undefined || v === null ? null : Math.round(v * 10) / 10; }) });
      });
      init(el).setOption({
        aria: { enabled: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", name: "Mean score", scale: true },
        series: series
      });
    });
  }

  function draw() {
    var data = readJSON("programme-chart-data");
    if (!data || !window.echarts) { return; }
    districts(data);
    timeline(data);
    scales(data);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
