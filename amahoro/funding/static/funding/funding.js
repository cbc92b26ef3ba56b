/* Funding overview: planned, committed, disbursed and spent per pillar (ECharts, SVG renderer). Data comes
   from a json_script element; the same figures are in the table, so nothing is lost without JavaScript. No
   inline script: the page's CSP forbids it. */
(function () {
  "use strict";

  var COLOURS = { planned: "#8a969d", committed: "#0b5d7a", disbursed: "#e09b00", spent: "#2e7d32" };

  function draw() {
    var el = document.getElementById("funding-chart");
    var src = document.getElementById("funding-chart-data");
    if (!el || !src) { return; }
    var data;
    try { data = JSON.parse(src.textContent); } catch (e) { return; }
    if (!window.echarts) {
      var p = document.createElement("p");
      p.className = "chart-note";
      p.textContent = "The chart could not be loaded; the figures are in the table below.";
      el.replaceChildren(p);
      return;
    }
    var kinds = ["planned", "committed", "disbursed", "spent"];
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      aria: { enabled: true },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items.length ? items[0].dataIndex : 0;
          var esc = window.echarts.format.encodeHTML;
          var lines = [esc(data.categories[i] + " " + (data.names[i] || ""))];
          items.forEach(function (it) {
            lines.push(esc(it.seriesName + ": " + Number(it.value).toLocaleString() + " " + data.currency));
          });
          return lines.join("<br>");
        }
      },
      legend: { top: 0 },
      grid: { left: 90, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: data.categories },
      yAxis: { type: "value", name: data.currency },
      series: kinds.map(function (k) {
        return { name: data.labels[k] || k, type: "bar", data: data.series[k], itemStyle: { color: COLOURS[k] } };
      })
    });
    el.setAttribute("data-rendered", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
