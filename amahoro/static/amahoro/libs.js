/* The heavy drawing libraries (ECharts ~300 kB and Leaflet ~40 kB on the wire, compressed) fetched on demand:
   only when a chart or a map is about to be drawn and its element comes near the screen, so a page whose
   chart or map sits below the first screen (a phone on 3G) does not pay for them before it is usable.
   Their URLs (hashed by collectstatic) come from this script tag (templates/includes/drawing_libs.html).

   AmahoroLibs.need("echarts" | "leaflet", element) -> a Promise settled once the library is there (or failed
   to load: the caller then shows its own "could not be drawn" note). Pages that always draw at the top (the
   data visualizer, the map pages) still load the libraries with plain <script> tags. */
(function () {
  "use strict";
  if (window.AmahoroLibs) { return; }
  var tag = document.currentScript;
  var data = tag ? tag.dataset : {};
  var FILES = { echarts: [data.echarts], leaflet: [data.leafletCss, data.leaflet] };
  var GLOBALS = { echarts: "echarts", leaflet: "L" };
  var pending = {};

  function fetchFile(url) {
    return new Promise(function (resolve, reject) {
      var el;
      if (/\.css$/.test(url)) {
        el = document.createElement("link");
        el.rel = "stylesheet";
        el.href = url;
      } else {
        el = document.createElement("script");
        el.src = url;
        el.async = false;
      }
      el.onload = resolve;
      el.onerror = function () { reject(new Error(url)); };
      document.head.appendChild(el);
    });
  }

  function load(name) {
    if (window[GLOBALS[name]]) { return Promise.resolve(); }
    if (!pending[name]) {
      pending[name] = Promise.all((FILES[name] || []).filter(Boolean).map(fetchFile));
    }
    return pending[name];
  }

  function whenNear(el, callback) {
    if (!el || !("IntersectionObserver" in window)) { callback(); return; }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        observer.disconnect();
        callback();
      }
    }, { rootMargin: "200px 0px" });
    observer.observe(el);
  }

  function need(name, el) {
    return new Promise(function (resolve) {
      whenNear(el, function () { load(name).then(resolve, resolve); });
    });
  }

  window.AmahoroLibs = { need: need, load: load };
})();
