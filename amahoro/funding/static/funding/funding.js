/* Funding overview: planned, committed, disbursed and spent per pillar (ECharts, SVG renderer). Data comes
   from a json_script element; the same figures are in the table, so nothing is lost without JavaScript. No
   inline script: the page's CSP forbids it. */
(function () {
  "use strict";

  var COLOURS = { planned: "#8a969d", committed: "#0b5d7a", disbursed: "#e09b00", spent: "#2e7d32" };

  function bars(el, data, categories, series, names, horizontal) {
    var kinds = ["planned", "committed", "disbursed", "spent"];
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var esc = window.echarts.format.encodeHTML;
    var valueAxis = { type: "value", name: data.currency, min: 0 };
    var categoryAxis = { type: "category", data: categories, inverse: !!horizontal };
    chart.setOption({
      aria: { enabled: true },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items.length ? items[0].dataIndex : 0;
          var lines = [esc(categories[i] + (names && names[i] ? " " + names[i] : ""))];
          items.forEach(function (it) {
            lines.push(esc(it.seriesName + ": " + Number(it.value).toLocaleString() + " " + data.currency));
          });
          return lines.join("<br>");
        }
      },
      legend: { top: 0 },
      grid: { left: horizontal ? 110 : 90, right: 30, top: 40, bottom: 40 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: kinds.map(function (k) {
        return { name: data.labels[k] || k, type: "bar", data: series[k], itemStyle: { color: COLOURS[k] } };
      })
    });
    el.setAttribute("data-rendered", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function draw() {
    var el = document.getElementById("funding-chart");
    var src = document.getElementById("funding-chart-data");
    if (!el || !src) { return; }
    var data;
    try { data = JSON.parse(src.textContent); } catch (e) { return; }
    var agencyEl = document.getElementById("funding-agency-chart");
    if (!window.echarts) {
      [el, agencyEl].forEach(function (target) {
        if (!target) { return; }
        var p = document.createElement("p");
        p.className = "chart-note";
        p.textContent = "The chart could not be loaded; the figures are in the table below.";
        target.replaceChildren(p);
      });
      return;
    }
    bars(el, data, data.categories, data.series, data.names, false);
    if (agencyEl && data.agencies && data.agencies.length) {
      agencyEl.style.height = Math.max(220, 60 + 48 * data.agencies.length) + "px";
      bars(agencyEl, data, data.agencies, data.agency_series, null, true);
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
