/* The See page's map: signals per sector over the chosen ISO weeks, drawn with Leaflet from the GeoJSON of
   data-signal-map-url (the sectors the user covers, each with its already suppressed figure). No tile layer
   (nothing leaves our origin), no inline script (CSP); the table below says the same without JavaScript. */
(function () {
  "use strict";

  var RAMP = ["#e6f2f6", "#b8dcea", "#7cc4dd", "#3a97b8", "#0b5d7a"];

  function note(el, text) {
    var p = document.createElement("p");
    p.className = "map-note";
    p.textContent = text;
    el.replaceChildren(p);
  }

  function colour(value, max) {
    if (!/^\d+$/.test(value)) { return null; }
    var n = Number(value);
    if (n === 0 || max === 0) { return "#ffffff"; }
    return RAMP[Math.min(RAMP.length - 1, Math.floor((n / (max + 1)) * RAMP.length))];
  }

  function init(el) {
    if (!window.L) { note(el, el.dataset.errorText || "The map could not be loaded."); return; }
    var map = L.map(el, { zoomSnap: 0.25, scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    map.setView([-1.94, 29.87], 8);
    var layer = null;
    var credited = false;
    var from = document.getElementById("signal-map-from");
    var to = document.getElementById("signal-map-to");
    var total = document.getElementById("signal-map-total");

    function draw(data) {
      if (layer) { map.removeLayer(layer); }
      var numbers = data.features.map(function (f) { return f.properties.signals; })
        .filter(function (v) { return /^\d+$/.test(v); }).map(Number);
      var max = numbers.length ? Math.max.apply(null, numbers) : 0;
      layer = L.geoJSON(data, {
        style: function (feature) {
          var fill = colour(feature.properties.signals, max);
          return fill === null
            ? { color: "#6b7b80", weight: 1, fillColor: "#c9d1d3", fillOpacity: 0.7, dashArray: "3" }
            : { color: "#0b5d7a", weight: 1, fillColor: fill, fillOpacity: 0.8 };
        },
        onEachFeature: function (feature, lyr) {
          var props = feature.properties || {};
          var label = document.createElement("span");
          var shown = /^\d+$/.test(props.signals) ? props.signals : props.signals + " (" + (el.dataset.hiddenText || "hidden") + ")";
          label.textContent = (props.name || props.code || "") + ": " + shown + " " + (el.dataset.signalsText || "signals");
          lyr.bindTooltip(label, { sticky: true });
        }
      }).addTo(map);
      var count = layer.getLayers().length;
      el.dataset.featureCount = String(count);
      if (count) { map.fitBounds(layer.getBounds(), { padding: [6, 6] }); }
      if (total) {
        total.textContent = count
          ? (el.dataset.totalText || "Total:") + " " + data.total + " (" + data.weeks[0] + "–" + data.weeks[data.weeks.length - 1] + ")"
          : (el.dataset.emptyText || "");
      }
      el.classList.add("map-ready");
    }

    function load() {
      var url = el.dataset.signalMapUrl;
      var params = [];
      if (from && from.value) { params.push("from=" + encodeURIComponent(from.value)); }
      if (to && to.value) { params.push("to=" + encodeURIComponent(to.value)); }
      if (params.length) { url += "?" + params.join("&"); }
      el.classList.remove("map-ready");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          if (data.attribution && !credited) {
            credited = true;
            var credit = document.createElement("span");
            credit.textContent = data.attribution;
            map.attributionControl.addAttribution(credit.innerHTML);
          }
          draw(data);
        })
        .catch(function () { note(el, el.dataset.errorText || "The map could not be loaded."); });
    }

    if (from) { from.addEventListener("change", load); }
    if (to) { to.addEventListener("change", load); }
    load();
  }

  document.querySelectorAll("[data-signal-map-url]").forEach(init);
})();
