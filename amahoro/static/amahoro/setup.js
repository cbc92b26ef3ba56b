/* Set-up pages: a place ticked in the search results of the data set form moves to the list of places that
   report it, so a new search keeps it; Enter in the search box searches instead of saving the form. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || !box.closest("#place-results")) {
      return;
    }
    var chosen = document.getElementById("id_org_units");
    var label = box.closest("label");
    if (!chosen || !label || !box.checked) {
      return;
    }
    var already = chosen.querySelector('input[value="' + CSS.escape(box.value) + '"]');
    if (already) {
      already.checked = true;
      label.remove();
      return;
    }
    var wrap = document.createElement("div");
    wrap.appendChild(label);
    chosen.appendChild(wrap);
  });
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key === "Enter" && el instanceof HTMLInputElement && el.id === "place-search") {
      event.preventDefault();
    }
  });
})();
