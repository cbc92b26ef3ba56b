/* Signals per ISO week (the See page's trend row) as a small ECharts bar chart (SVG renderer). Data comes
   from a json_script element holding the same, already suppressed, figures as the table: a week shown as
   "<5" or "*" is drawn as no bar. No inline script (CSP); without JavaScript the table says it all. */
(function () {
  "use strict";

  function draw() {
    var el = document.getElementById("signal-trend-chart");
    var src = document.getElementById("signal-trend-data");
    if (!el || !src || !window.echarts) { return; }
    var data;
    try { data = JSON.parse(src.textContent); } catch (e) { return; }
    var weeks = data.map(function (row) { return row[0]; });
    var values = data.map(function (row) { return /^\d+$/.test(row[1]) ? Number(row[1]) : null; });
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 40, right: 16, top: 16, bottom: 48 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: weeks, axisLabel: { rotate: 45 } },
      yAxis: { type: "value", minInterval: 1, min: 0 },
      series: [{ type: "bar", data: values, itemStyle: { color: "#0b5d7a" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
