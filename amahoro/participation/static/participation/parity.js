/* Women's share of deployed peacekeepers against the UN Uniformed Gender Parity Strategy targets: one small
   ECharts chart per personnel type (SVG renderer). Data comes from a json_script element; the same figures
   are in the table beside, so nothing is lost without JavaScript. No inline script (CSP). */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function draw() {
    var data = readJSON("parity-data");
    if (!data) { return; }
    var labels = data.labels || {};
    (data.series || []).forEach(function (s) {
      var el = document.getElementById("parity-chart-" + s.code);
      if (!el) { return; }
      if (!window.echarts) {
        var p = document.createElement("p");
        p.className = "chart-note";
        p.textContent = labels.nochart || "The chart could not be loaded; the figures are in the table.";
        el.replaceChildren(p);
        return;
      }
      var periods = s.points.map(function (pt) { return pt.name || pt.period; });
      var target = s.targets.length ? s.targets[s.targets.length - 1] : null;
      var max = Math.max(target ? target.value : 0, Math.max.apply(null, s.points.map(function (pt) { return pt.share || 0; }).concat([0])));
      var series = [{
        name: labels.share || "Women's share (%)",
        type: "line",
        symbolSize: 6,
        lineStyle: { width: 2, color: "#0b5d7a" },
        itemStyle: { color: "#0b5d7a" },
        data: s.points.map(function (pt) { return pt.share; })
      }];
      if (target) {
        series[0].markLine = {
          symbol: "none",
          lineStyle: { type: "dashed", color: "#b3261e", width: 2 },
          label: { formatter: (labels.target || "Target") + " " + target.period + ": " + target.value + "%", position: "insideEndTop" },
          data: [{ yAxis: target.value }]
        };
      }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        aria: { enabled: true },
        title: { text: s.label, left: 0, textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "–" : v + "%"; } },
        grid: { left: 44, right: 16, top: 36, bottom: 30 },
        xAxis: { type: "category", data: periods },
        yAxis: { type: "value", min: 0, max: Math.ceil((max + 5) / 5) * 5, axisLabel: { formatter: "{value}%" } },
        series: series
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
