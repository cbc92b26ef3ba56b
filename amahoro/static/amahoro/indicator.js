/* Indicator page: actual vs target over time (ECharts, SVG renderer) and the districts coloured by status
   (Leaflet, no tiles). Data comes from json_script elements; the same figures are in tables on the page,
   so nothing is lost without JavaScript. No inline script: the page's CSP forbids it. */
(function () {
  "use strict";

  var COLOURS = { on_track: "#2e7d32", at_risk: "#e09b00", off_track: "#b3261e", no_data: "#c3cbd0", no_target: "#8a969d" };

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function note(el, text) {
    var p = document.createElement("p");
    p.className = "chart-note";
    p.textContent = text;
    el.replaceChildren(p);
  }

  function drawChart() {
    var el = document.getElementById("indicator-chart");
    var data = readJSON("indicator-chart-data");
    if (!el || !data) { return; }
    if (!window.echarts) { note(el, "The chart could not be loaded; the figures are in the table below."); return; }
    var series = data.series || [];
    var labels = data.labels || {};
    var periods = series.map(function (s) { return s.name || s.period; });
    var hasExpected = series.some(function (s) { return s.expected !== null && s.expected !== undefined; });
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var option = {
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: periods },
      yAxis: { type: "value", name: data.unit || "", scale: false },  // the axis always holds zero
      series: [
        {
          name: labels.actual || "Actual",
          type: "bar",
          data: series.map(function (s) {
            return { value: s.actual, itemStyle: { color: COLOURS[s.status] || "#0b5d7a" } };
          })
        },
        {
          name: labels.target || "Target",
          type: "line",
          connectNulls: false,
          symbolSize: 8,
          lineStyle: { width: 2, color: "#1d2327" },
          itemStyle: { color: "#1d2327" },
          data: series.map(function (s) { return s.target; })
        }
      ]
    };
    if (hasExpected) {
      option.series.push({
        name: labels.expected || "Expected",
        type: "line",
        lineStyle: { type: "dashed", color: "#5b6770" },
        itemStyle: { color: "#5b6770" },
        data: series.map(function (s) { return s.expected; })
      });
    }
    chart.setOption(option);
    el.dataset.ready = "true";
    el.dataset.points = String(series.length);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawMap() {
    var el = document.getElementById("indicator-map");
    var data = readJSON("indicator-map-data");
    if (!el || !data) { return; }
    var error = el.dataset.errorText || "The map could not be loaded.";
    if (!window.L) { note(el, error); return; }
    var districts = data.districts || {};
    var labels = data.labels || {};
    fetch(el.dataset.statusGeojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (geojson) {
        var map = window.L.map(el, { zoomSnap: 0.25, scrollWheelZoom: false });
        map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
        if (geojson.attribution) {  // the boundaries' credit (text, not HTML)
          var credit = document.createElement("span");
          credit.textContent = geojson.attribution;
          map.attributionControl.addAttribution(credit.innerHTML);
        }
        map.setView([-1.94, 29.87], 8);
        var features = (geojson.features || []).filter(function (f) {
          return f.properties && districts[f.properties.code];
        });
        var layer = window.L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: function (feature) {
            var d = districts[feature.properties.code];
            return { color: "#1d2327", weight: 1, fillColor: COLOURS[d.status] || "#c3cbd0", fillOpacity: 0.7 };
          },
          onEachFeature: function (feature, lyr) {
            var d = districts[feature.properties.code];
            var tip = document.createElement("span");
            var value = d.actual === null ? "–" : String(d.actual);
            var target = d.target === null ? "–" : String(d.target);
            tip.textContent = d.name + ": " + (labels[d.status] || d.status) + " (" + (data.value_label || "Actual") + " " + value + ", " + (data.target_label || "Target") + " " + target + ")";
            lyr.bindTooltip(tip, { sticky: true });
            if (lyr.getElement) {
              lyr.on("add", function () {
                var path = lyr.getElement();
                if (path) { path.setAttribute("data-district", feature.properties.code); path.setAttribute("data-status", d.status); }
              });
            }
          }
        }).addTo(map);
        el.dataset.featureCount = String(layer.getLayers().length);
        if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [6, 6] }); }
        el.classList.add("map-ready");
      })
      .catch(function () { note(el, error); });
  }

  drawChart();
  drawMap();
})();
