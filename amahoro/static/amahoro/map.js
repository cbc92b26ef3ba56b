/* District map: draws the districts the user may see (GeoJSON from data-geojson-url) with Leaflet.
   No tile layer: plain polygons on a neutral background (works offline, nothing leaves our origin). */
(function () {
  "use strict";

  function message(el, text) {
    var p = document.createElement("p");
    p.className = "map-note";
    p.textContent = text;
    el.replaceChildren(p);
  }

  function credit(map, value) {
    if (!value) { return; }
    // Leaflet inserts attributions as HTML: pass ours as text.
    var text = document.createElement("span");
    text.textContent = value;
    map.attributionControl.addAttribution(text.innerHTML);
  }

  function draw(el, data) {
    var map = L.map(el, { zoomSnap: 0.25, scrollWheelZoom: false, attributionControl: true });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    credit(map, el.dataset.attribution);
    credit(map, data && data.attribution);  // the shapes' own credit, e.g. "© WASAC Ltd., CC BY 4.0"
    map.setView([-1.94, 29.87], 8);
    var detailUrl = el.dataset.detailUrl || "";
    var base = { color: "#0b5d7a", weight: 1, fillColor: "#7cc4dd", fillOpacity: 0.45 };
    var layer = L.geoJSON(data, {
      style: function () { return base; },
      onEachFeature: function (feature, lyr) {
        var props = feature.properties || {};
        var label = document.createElement("span");
        label.textContent = props.name || props.code || "";
        lyr.bindTooltip(label, { sticky: true });
        lyr.on("mouseover", function () { lyr.setStyle({ fillOpacity: 0.75, weight: 2 }); });
        lyr.on("mouseout", function () { lyr.setStyle(base); });
        if (detailUrl && props.code) {
          lyr.on("click", function () {
            window.location.href = detailUrl.replace("__CODE__", encodeURIComponent(props.code));
          });
        }
      }
    }).addTo(map);
    var count = layer.getLayers().length;
    el.dataset.featureCount = String(count);
    if (count) {
      map.fitBounds(layer.getBounds(), { padding: [6, 6] });
    } else if (el.dataset.emptyText) {
      var note = document.createElement("p");
      note.className = "map-note";
      note.textContent = el.dataset.emptyText;
      el.insertAdjacentElement("afterend", note);
    }
    el.classList.add("map-ready");
  }

  function init(el) {
    // Pages whose map may sit below the first screen fetch Leaflet only when it comes near (libs.js).
    if (!window.L && window.AmahoroLibs) {
      window.AmahoroLibs.need("leaflet", el).then(function () { start(el); });
      return;
    }
    start(el);
  }

  function start(el) {
    if (!window.L) {
      message(el, el.dataset.errorText || "The map could not be loaded.");
      return;
    }
    fetch(el.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { draw(el, data); })
      .catch(function () { message(el, el.dataset.errorText || "The map could not be loaded."); });
  }

  document.querySelectorAll("[data-geojson-url]").forEach(init);
})();
