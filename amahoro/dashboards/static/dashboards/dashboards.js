/* Dashboards: each item arrives by htmx after the page has loaded; draw the visualizer views it holds
   (window.AmahoroViz, static/visualizer/viz.js). No inline scripts (CSP script-src 'self'). */
(function () {
  "use strict";
  function draw(root) {
    var items = root.matches && root.matches(".viz-item") ? [root] : root.querySelectorAll ? root.querySelectorAll(".viz-item[data-viz-query]") : [];
    Array.prototype.forEach.call(items, function (el) {
      if (el.dataset.vizState) { return; }
      if (window.AmahoroViz && window.AmahoroViz.render) {
        window.AmahoroViz.render(el);
      } else {
        el.dataset.vizState = "unavailable";
      }
    });
  }
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
  document.addEventListener("htmx:responseError", function (event) {
    var target = event.detail.target;
    if (target && target.classList.contains("dash-body")) {
      target.replaceChildren();
      var p = document.createElement("p");
      p.className = "muted error";
      p.textContent = target.dataset.failed || "This item could not be loaded.";
      target.appendChild(p);
    }
  });
})();
