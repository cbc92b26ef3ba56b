/* The /analytics/ page: choose data, periods and places by name, lay them out, and let viz.js draw the
   view. The page's own URL always holds the whole query (history.replaceState), so reloading, bookmarking
   or sharing the address restores the same view; the favourite form posts that same query. */
(function () {
  "use strict";

  var form = document.getElementById("viz-builder");
  var output = document.getElementById("viz-output");
  if (!form || !output || !window.AmahoroViz) { return; }
  var state0 = JSON.parse(document.getElementById("viz-state").textContent);
  var T = {};
  try { T = JSON.parse(document.getElementById("viz-texts").textContent) || {}; } catch (e) { T = {}; }
  function t(key, fallback) { return T[key] || fallback; }

  var LAYOUT = ["type", "rows", "columns"];
  var DIMS = ["dx", "pe", "ou", "cat"];
  var names = { dx: {}, pe: {}, ou: {} };
  ["dx", "pe", "ou"].forEach(function (d) {
    var known = (state0.labels && state0.labels[d]) || {};
    Object.keys(known).forEach(function (code) { names[d][code] = known[code].name; });
  });
  var categories = state0.categories || [];
  var roots = (state0.roots || []).map(function (r) { return r.code; });

  var state = {
    dx: [], pe: [], ou: [], level: "", cat: "", catOptions: [],
    place: { dx: "rows", pe: "columns", ou: "filter", cat: "columns" },
    type: "pivot",
    extra: new URLSearchParams()  // parameters the page does not edit (relativePeriodDate, aggregationType...)
  };

  // ---- URL <-> state ---------------------------------------------------------------------------------------

  function fromQuery(params) {
    var rows = (params.get("rows") || "").split(",").filter(Boolean);
    var cols = (params.get("columns") || "").split(",").filter(Boolean);
    var catCodes = categories.map(function (c) { return c.code; });
    params.forEach(function (value, key) {
      if (key !== "dimension" && key !== "filter") {
        if (LAYOUT.indexOf(key) < 0) { state.extra.append(key, value); }
        return;
      }
      var dim = value.split(":")[0];
      var items = (value.split(":")[1] || "").split(";").filter(Boolean);
      var slot = dim;
      if (dim === "dx" || dim === "pe") {
        state[dim] = state[dim].concat(items);
      } else if (dim === "ou") {
        items.forEach(function (item) {
          var m = /^LEVEL-(.+)$/.exec(item);
          if (m) { state.level = m[1]; } else { state.ou.push(item); }
        });
      } else {
        state.cat = dim;
        state.catOptions = items;
        slot = "cat";
        if (catCodes.indexOf(dim) < 0) { categories.push({ code: dim, name: dim, options: [] }); }
      }
      state.place[slot] = rows.indexOf(dim) >= 0 ? "rows" : cols.indexOf(dim) >= 0 ? "columns" : "filter";
    });
    var type = params.get("type");
    if (type && (state0.viewTypes || []).indexOf(type) >= 0) { state.type = type; }
  }

  function dimCode(slot) { return slot === "cat" ? state.cat : slot; }

  function toQuery() {
    var q = new URLSearchParams();
    var rows = [];
    var cols = [];
    DIMS.forEach(function (slot) {
      var value;
      if (slot === "dx" || slot === "pe") {
        if (!state[slot].length) { return; }
        value = slot + ":" + state[slot].join(";");
      } else if (slot === "ou") {
        var items = state.ou.length ? state.ou.slice() : roots.slice();
        if (state.level) { items.push("LEVEL-" + state.level); }
        if (!items.length) { return; }
        value = "ou:" + items.join(";");
      } else {
        if (!state.cat) { return; }
        value = state.cat + (state.catOptions.length ? ":" + state.catOptions.join(";") : "");
      }
      var where = state.place[slot];
      q.append(where === "filter" ? "filter" : "dimension", value);
      if (where === "rows") { rows.push(dimCode(slot)); }
      if (where === "columns") { cols.push(dimCode(slot)); }
    });
    state.extra.forEach(function (value, key) { q.append(key, value); });
    q.set("type", state.type);
    if (rows.length) { q.set("rows", rows.join(",")); }
    if (cols.length) { q.set("columns", cols.join(",")); }
    return q;
  }

  // ---- chips -----------------------------------------------------------------------------------------------

  function chips(dim) {
    var ul = document.getElementById("viz-" + dim + "-chips");
    ul.replaceChildren();
    state[dim].forEach(function (code) {
      var li = document.createElement("li");
      li.dataset.code = code;
      var label = document.createElement("span");
      label.textContent = names[dim][code] || code;
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "viz-chip-remove";
      btn.textContent = "×";
      btn.setAttribute("aria-label", t("remove", "Remove") + " " + (names[dim][code] || code));
      btn.addEventListener("click", function () {
        state[dim] = state[dim].filter(function (c) { return c !== code; });
        syncControls();
        chips(dim);
        update();
      });
      li.appendChild(label);
      li.appendChild(btn);
      ul.appendChild(li);
    });
  }

  function add(dim, code, name) {
    if (name) { names[dim][code] = name; }
    if (state[dim].indexOf(code) < 0) { state[dim].push(code); }
    chips(dim);
  }

  // ---- search-as-you-type (ARIA combobox) ------------------------------------------------------------------

  function combobox(input, url, dim) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var active = -1;
    var timer = null;
    var serial = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(i) {
      var opts = list.querySelectorAll("[role=option]");
      if (!opts.length) { return; }
      active = (i + opts.length) % opts.length;
      opts.forEach(function (o, j) { o.setAttribute("aria-selected", j === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }
    function pick(li) {
      add(dim, li.dataset.code, li.dataset.name);
      input.value = "";
      close();
      input.focus();
      update();
    }
    function show(items) {
      list.replaceChildren();
      if (!items.length) {
        var none = document.createElement("li");
        none.className = "viz-none";
        none.textContent = t("noMatch", "Nothing found");
        list.appendChild(none);
      }
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = input.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.dataset.code = item.code;
        li.dataset.name = item.name;
        li.textContent = item.name;
        var kind = document.createElement("span");
        kind.className = "viz-kind";
        kind.textContent = " " + (item.kind || "");
        li.appendChild(kind);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(li); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function search() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var mine = ++serial;
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { if (mine === serial) { show(data.items || []); } })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { ev.preventDefault(); if (list.hidden) { search(); } else { highlight(active + 1); } }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(active - 1); }
      else if (ev.key === "Enter") {
        var opts = list.querySelectorAll("[role=option]");
        if (!list.hidden && opts.length) { ev.preventDefault(); pick(opts[active >= 0 ? active : 0]); }
      } else if (ev.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // ---- periods ---------------------------------------------------------------------------------------------

  var peType = document.getElementById("viz-pe-type");
  var peYear = document.getElementById("viz-pe-year");
  var peFixed = document.getElementById("viz-pe-fixed");

  function loadPeriods() {
    var year = parseInt(peYear.value, 10);
    if (!year) { return; }
    var url = form.dataset.periodsUrl + "?type=" + encodeURIComponent(peType.value) + "&year=" + year;
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : { items: [] }; }).then(function (data) {
      peFixed.replaceChildren();
      (data.items || []).forEach(function (p) {
        names.pe[p.code] = p.name;
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.value = p.code;
        box.className = "viz-fixed";
        box.checked = state.pe.indexOf(p.code) >= 0;
        box.addEventListener("change", function () { togglePeriod(p.code, box.checked); });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + p.name));
        peFixed.appendChild(label);
      });
    });
  }

  function togglePeriod(code, on) {
    if (on) { if (state.pe.indexOf(code) < 0) { state.pe.push(code); } }
    else { state.pe = state.pe.filter(function (c) { return c !== code; }); }
    chips("pe");
    update();
  }

  document.querySelectorAll(".viz-relative").forEach(function (box) {
    names.pe[box.value] = box.dataset.name;
    box.addEventListener("change", function () { togglePeriod(box.value, box.checked); });
  });

  // ---- layout controls --------------------------------------------------------------------------------------

  var catSelect = document.getElementById("viz-cat");
  categories.forEach(function (c) {
    var o = document.createElement("option");
    o.value = c.code;
    o.textContent = c.name;
    catSelect.appendChild(o);
  });
  var levelSelect = document.getElementById("viz-ou-level");

  function syncControls() {
    document.querySelectorAll(".viz-relative").forEach(function (b) { b.checked = state.pe.indexOf(b.value) >= 0; });
    peFixed.querySelectorAll(".viz-fixed").forEach(function (b) { b.checked = state.pe.indexOf(b.value) >= 0; });
    levelSelect.value = state.level;
    catSelect.value = state.cat;
    DIMS.forEach(function (slot) { document.getElementById("viz-place-" + slot).value = state.place[slot]; });
    document.getElementById("viz-place-cat").disabled = !state.cat;
    form.querySelectorAll("input[name=viz-type]").forEach(function (r) { r.checked = r.value === state.type; });
  }

  levelSelect.addEventListener("change", function () { state.level = levelSelect.value; update(); });
  catSelect.addEventListener("change", function () {
    state.cat = catSelect.value;
    state.catOptions = [];
    syncControls();
    update();
  });
  DIMS.forEach(function (slot) {
    var sel = document.getElementById("viz-place-" + slot);
    sel.addEventListener("change", function () { state.place[slot] = sel.value; update(); });
  });
  form.querySelectorAll("input[name=viz-type]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (!radio.checked) { return; }
      state.type = radio.value;
      if (state.type === "map") {
        // A map colours places of one level: put places on the map's axis and pick districts if unset.
        if (state.level !== "district" && state.level !== "sector") { state.level = "district"; }
        if (state.place.ou === "filter") { state.place.ou = "rows"; }
        // Periods aggregated over by default (a "Showing" menu still offers layers for whatever else
        // stays in rows or columns).
        state.place.pe = "filter";
      }
      syncControls();
      update();
    });
  });

  // ---- drawing ---------------------------------------------------------------------------------------------

  var problem = document.getElementById("viz-problem");
  var downloads = document.getElementById("viz-downloads");
  var favQuery = document.getElementById("id_fav_query");

  function missing() {
    if (!state.dx.length) { return t("needData", "Choose at least one data element or indicator."); }
    if (!state.pe.length) { return t("needPeriod", "Choose at least one period."); }
    if (!state.ou.length && !roots.length) { return t("needPlace", "Choose at least one place."); }
    return "";
  }

  function update() {
    var q = toQuery();
    var qs = q.toString();
    history.replaceState(null, "", window.location.pathname + "?" + qs);
    favQuery.value = qs;
    var why = missing();
    problem.hidden = !why;
    problem.textContent = why;
    if (why) {
      downloads.hidden = true;
      output.replaceChildren();
      return;
    }
    var api = window.AmahoroViz.apiParams(q).toString();
    document.getElementById("viz-csv").href = "/api/v1/analytics.csv?" + api;
    document.getElementById("viz-xlsx").href = "/api/v1/analytics.xlsx?" + api;
    document.getElementById("viz-link").href = window.location.pathname + "?" + qs;
    document.getElementById("viz-png").hidden = state.type === "pivot";
    downloads.hidden = false;
    output.dataset.vizQuery = qs;
    window.AmahoroViz.render(output);
  }

  document.getElementById("viz-png").addEventListener("click", function () {
    var url = window.AmahoroViz.toPNG(output);
    if (!url) { return; }
    var a = document.createElement("a");
    a.href = url;
    a.download = "amahoro-" + state.type + ".png";
    document.body.appendChild(a);
    a.click();
    a.remove();
  });

  form.addEventListener("submit", function (ev) { ev.preventDefault(); update(); });
  combobox(document.getElementById("viz-dx-q"), form.dataset.searchDataUrl, "dx");
  combobox(document.getElementById("viz-ou-q"), form.dataset.searchPlacesUrl, "ou");
  peType.addEventListener("change", loadPeriods);
  peYear.addEventListener("change", loadPeriods);

  // ---- start: restore the view the URL describes -------------------------------------------------------------
  fromQuery(new URLSearchParams(window.location.search));
  var lastFixed = state.pe.filter(function (c) { return /^[0-9]{4}/.test(c); }).pop();
  peYear.value = lastFixed ? lastFixed.slice(0, 4) : String(new Date().getFullYear());
  if (lastFixed) {
    var pt = /Q[1-4]$/.test(lastFixed) ? "Quarterly" : /S[12]$/.test(lastFixed) ? "SixMonthly"
      : /July$/.test(lastFixed) ? "FinancialJuly" : /^[0-9]{6}$/.test(lastFixed) ? "Monthly" : /^[0-9]{4}$/.test(lastFixed) ? "Yearly" : "";
    if (pt) { peType.value = pt; }
  }
  ["dx", "pe", "ou"].forEach(chips);
  syncControls();
  loadPeriods();
  if (state.dx.length || state.pe.length) { update(); }
})();
