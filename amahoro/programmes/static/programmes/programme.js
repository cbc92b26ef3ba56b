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

  var LABELS = {};
  function label(key, fallback) { return LABELS[key] || fallback; }

  function init(el) {
    return window.echarts.init(el, null, { renderer: "svg" });
  }

  function districts(data) {
    var el = document.getElementById("district-chart");
    if (!el || !data.districts.length) { if (el) { el.hidden = true; } return; }
    init(el).setOption({
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      grid: { left: 110, right: 20, top: 10, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.districts.map(function (d) { return d.name; }) },
      series: [{ type: "bar", name: label("people", "Unique people"), data: data.districts.map(function (d) { return d.count; }), itemStyle: { color: "#1f6f8b" } }]
    });
  }

  function timeline(data) {
    var el = document.getElementById("timeline-chart");
    if (!el || !data.timeline.length) { if (el) { el.hidden = true; } return; }
    var months = data.timeline.map(function (m) { return m.month; });
    init(el).setOption({
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 40, bottom: 30 },
      xAxis: { type: "category", data: months },
      yAxis: [{ type: "value", name: label("attendances", "Attendances"), minInterval: 1, min: 0 }, { type: "value", name: label("people_axis", "People"), minInterval: 1, min: 0 }],
      series: [
        { type: "bar", name: label("attendances", "Attendances"), data: data.timeline.map(function (m) { return m.attendances; }), itemStyle: { color: "#9cc3d5" } },
        { type: "line", name: label("reach", "Unique people so far"), yAxisIndex: 1, data: data.timeline.map(function (m) { return m.reach; }), itemStyle: { color: "#1f6f8b" } },
        { type: "line", name: label("completed", "Completed so far"), yAxisIndex: 1, data: data.timeline.map(function (m) { return m.completed; }), itemStyle: { color: "#2e7d32" } }
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
      var names = { F: label("F", "Women"), M: label("M", "Men") };
      var series = [{ type: "bar", name: label("all", "All"), data: s.rounds.map(function (r) { return r.mean === null ? null : Math.round(r.mean * 10) / 10; }) }];
      Object.keys(sexes).sort().forEach(function (k) {
        series.push({ type: "bar", name: names[k] || k, data: s.rounds.map(function (r) { var v = r.by_sex[k]; return v === undefined || v === null ? null : Math.round(v * 10) / 10; }) });
      });
      init(el).setOption({
        animation: false,
      aria: { enabled: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", name: label("mean", "Mean score"), min: 0 },  // from zero: bars cut off at 44 overstate gaps (issue 17)
        series: series
      });
    });
  }

  function note(el, text) {
    var p = document.createElement("p");
    p.className = "map-note";
    p.textContent = text;
    el.replaceChildren(p);
  }

  function shade(count, max) {
    if (!count) { return "#e8eef1"; }
    var steps = ["#c6dbe9", "#8fbcd6", "#4f93bd", "#1f6f8b", "#0d4a61"];
    return steps[Math.min(steps.length - 1, Math.floor((count / max) * (steps.length - 1)))];
  }

  function reachMap(data) {
    var el = document.getElementById("reach-map");
    if (!el || !data.map) { return; }
    var error = el.dataset.errorText || "The map could not be loaded.";
    if (!window.L) { note(el, error); return; }
    var reached = data.map.districts || {};
    var mine = {};
    (data.map.programme_districts || []).forEach(function (c) { mine[c] = true; });
    var max = 1;
    Object.keys(reached).forEach(function (c) { max = Math.max(max, reached[c].count); });
    fetch(el.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
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
        var layer = window.L.geoJSON(geojson, {
          style: function (feature) {
            var code = feature.properties && feature.properties.code;
            var d = reached[code];
            return { color: mine[code] ? "#1d2327" : "#b8c2c8", weight: mine[code] ? 1.5 : 0.5, fillColor: shade(d ? d.count : 0, max), fillOpacity: mine[code] ? 0.85 : 0.3 };
          },
          onEachFeature: function (feature, lyr) {
            var code = feature.properties && feature.properties.code;
            var d = reached[code];
            var tip = document.createElement("span");
            tip.textContent = (feature.properties.name || code) + ": " + (d ? d.count : 0) + " " + (data.map.label || "");
            lyr.bindTooltip(tip, { sticky: true });
            lyr.on("add", function () {
              var path = lyr.getElement && lyr.getElement();
              if (path) { path.setAttribute("data-district", code); path.setAttribute("data-count", d ? d.count : 0); }
            });
          }
        }).addTo(map);
        var focus = layer.getLayers().filter(function (l) { return mine[l.feature.properties.code]; });
        if (focus.length) { map.fitBounds(window.L.featureGroup(focus).getBounds(), { padding: [6, 6], animate: false }); }
        el.classList.add("map-ready");
      })
      .catch(function () { note(el, error); });
  }

  function draw() {
    var data = readJSON("programme-chart-data");
    if (!data) { return; }
    LABELS = data.labels || {};
    reachMap(data);
    if (!window.echarts) { return; }
    districts(data);
    timeline(data);
    scales(data);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
