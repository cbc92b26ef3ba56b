/* Amahoro's visualizer renderer: draws one view (pivot table, chart or thematic map) inside an element.

   <div class="viz-item" data-viz-query="dimension=dx:A&dimension=pe:2024Q1&dimension=ou:11&type=pivot&rows=ou&columns=pe"></div>
   window.AmahoroViz.render(element) reads data-viz-query (the /analytics/ page's query string: the
   analytics API's own parameters plus type, rows and columns), asks /api/v1/analytics (or the URL in
   data-viz-data, for public favourites) and draws. Elements with class "viz-item" are drawn on load.

   Totals in the pivot table are never summed here: they are asked from the API with the totalled
   dimension moved to filter=, and only shown when every data item aggregates by sum (a total of averages
   or of an indicator would mislead). ECharts and Leaflet are on the page (vendored scripts), or fetched when
   a chart or a map comes near the screen through window.AmahoroLibs (static/amahoro/libs.js). */
(function () {
  "use strict";

  var API = "/api/v1/analytics";
  var GEOJSON = "/api/v1/orgunits.geojson";
  var ITEMS = "/analytics/items";
  var LAYOUT = ["type", "rows", "columns"];
  var DIMS_ORDER = ["dx", "pe", "ou"];
  var COLORS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];
  var NO_DATA = "#d9dde0";
  var layerIds = 0;
  var TEXTS = {
    loading: "Loading…",
    empty: "No data for this choice.",
    failed: "The figures could not be loaded",
    total: "Total",
    noTotals: "No totals: some of the data is not summed (averages, last values or indicators).",
    noData: "No data",
    mapNeedsOu: "A map needs places in rows or columns, at one level (all districts or all sectors).",
    mapFailed: "The map could not be drawn.",
    chartFailed: "The chart could not be drawn.",
    showing: "Showing",
    legend: "Legend",
    value: "Value"
  };

  function texts() {
    var el = document.getElementById("viz-texts");
    if (el && !texts.loaded) {
      try { Object.assign(TEXTS, JSON.parse(el.textContent) || {}); } catch (e) { /* keep English */ }
      texts.loaded = true;
    }
    return TEXTS;
  }

  // ---- query helpers ----------------------------------------------------------------------------------

  function dimOf(entry) { return entry.split(":")[0]; }

  function layoutOf(params) {
    function list(name) { return (params.get(name) || "").split(",").filter(Boolean); }
    return { type: params.get("type") || "pivot", rows: list("rows"), columns: list("columns") };
  }

  /* The API's query string: the page's query minus the layout parameters. */
  function apiParams(params) {
    var out = new URLSearchParams();
    params.forEach(function (value, key) { if (LAYOUT.indexOf(key) < 0) { out.append(key, value); } });
    return out;
  }

  /* The same query with some dimensions moved from dimension= to filter= (how totals are asked). */
  function movedToFilter(params, dims) {
    var out = new URLSearchParams();
    params.forEach(function (value, key) {
      if (key === "dimension" && dims.indexOf(dimOf(value)) >= 0) { out.append("filter", value); } else { out.append(key, value); }
    });
    return out;
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.text().then(function (body) {
        var data = null;
        try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
        if (!r.ok) {
          var msg = (data && (data.error || data.detail)) || ("HTTP " + r.status);
          var err = new Error(msg);
          err.status = r.status;
          throw err;
        }
        return data;
      });
    });
  }

  // ---- the API answer as a lookup ------------------------------------------------------------------------

  function Table(answer) {
    this.answer = answer;
    this.index = {};
    var self = this;
    (answer.headers || []).forEach(function (h, i) { self.index[h.name] = i; });
    this.items = (answer.metaData && answer.metaData.items) || {};
    this.dims = (answer.metaData && answer.metaData.dimensions) || {};
    this.rows = answer.rows || [];
  }
  Table.prototype.name = function (code) {
    var item = this.items[code];
    return (item && item.name) || code;
  };
  Table.prototype.column = function (dim) {
    var h = (this.answer.headers || [])[this.index[dim]];
    return (h && h.column) || dim;
  };
  Table.prototype.has = function (dim) { return dim in this.index; };
  Table.prototype.key = function (row, dims) {
    var idx = this.index;
    return dims.map(function (d) { return row[idx[d]]; }).join("\u0001");
  };
  Table.prototype.value = function (row) { return row[this.index.value]; };
  /* The combinations of `dims` present in the answer, ordered as metaData.dimensions lists each item. */
  Table.prototype.combos = function (dims) {
    var self = this;
    var seen = {};
    var out = [];
    this.rows.forEach(function (row) {
      var k = self.key(row, dims);
      if (!seen[k]) { seen[k] = true; out.push(dims.map(function (d) { return row[self.index[d]]; })); }
    });
    function rank(d, code) {
      var list = self.dims[d] || [];
      var i = list.indexOf(code);
      return i < 0 ? list.length : i;
    }
    out.sort(function (a, b) {
      for (var i = 0; i < dims.length; i++) {
        var ra = rank(dims[i], a[i]);
        var rb = rank(dims[i], b[i]);
        if (ra !== rb) { return ra - rb; }
        if (a[i] !== b[i]) { return a[i] < b[i] ? -1 : 1; }
      }
      return 0;
    });
    return out;
  };
  Table.prototype.lookup = function (dims) {
    var self = this;
    var map = {};
    this.rows.forEach(function (row) { map[self.key(row, dims)] = self.value(row); });
    return map;
  };
  Table.prototype.label = function (dims, combo) {
    var self = this;
    return combo.map(function (code) { return self.name(code); }).join(" / ");
  };

  function formatNumber(value) {
    var n = Number(value);
    if (value === undefined || value === null || value === "") { return ""; }
    if (isNaN(n)) { return String(value); }  // a suppressed small cell ("<5") stays as the API wrote it
    return n.toLocaleString(undefined, { maximumFractionDigits: 2 });
  }

  function note(el, text, cls) {
    var p = document.createElement("p");
    p.className = "viz-note" + (cls ? " " + cls : "");
    p.textContent = text;
    el.appendChild(p);
    return p;
  }

  function filterSummary(table, layout) {
    var used = layout.rows.concat(layout.columns);
    var parts = [];
    Object.keys(table.dims).forEach(function (d) {
      if (used.indexOf(d) < 0 && table.dims[d] && table.dims[d].length) {
        parts.push(table.dims[d].map(function (c) { return table.name(c); }).join(", "));
      }
    });
    return parts.join(" · ");
  }

  // ---- pivot table -----------------------------------------------------------------------------------------

  function additiveTotals(el, params, layout) {
    /* Which totals to ask: none if dx is not all summed; never across different data items. */
    if (el.dataset.vizData) { return Promise.resolve(null); }
    var dx = [];
    params.getAll("dimension").concat(params.getAll("filter")).forEach(function (v) {
      if (dimOf(v) === "dx") { dx = dx.concat((v.split(":")[1] || "").split(";").filter(Boolean)); }
    });
    if (!dx.length) { return Promise.resolve(null); }
    var q = new URLSearchParams();
    q.append("dimension", "dx:" + dx.join(";"));
    return fetchJSON(ITEMS + "?" + q.toString()).then(function (answer) {
      var known = (answer && answer.items && answer.items.dx) || {};
      var additive = dx.every(function (code) { return known[code] && known[code].additive; });
      return additive ? { rowTotals: layout.columns.indexOf("dx") < 0, columnTotals: layout.rows.indexOf("dx") < 0 } : false;
    }).catch(function () { return false; });
  }

  function drawPivot(el, table, layout, params) {
    var t = texts();
    var rows = layout.rows.filter(function (d) { return table.has(d); });
    var cols = layout.columns.filter(function (d) { return table.has(d); });
    var rowCombos = rows.length ? table.combos(rows) : [[]];
    var colCombos = cols.length ? table.combos(cols) : [[]];
    var cells = table.lookup(rows.concat(cols));

    var wrap = document.createElement("div");
    wrap.className = "table-wrap viz-pivot-wrap";
    var tableEl = document.createElement("table");
    tableEl.className = "viz-pivot";
    var caption = document.createElement("caption");
    caption.textContent = filterSummary(table, layout);
    tableEl.appendChild(caption);
    var thead = tableEl.createTHead();
    var hr = thead.insertRow();
    rows.forEach(function (d) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = table.column(d);
      hr.appendChild(th);
    });
    if (!rows.length) { hr.appendChild(document.createElement("td")); }
    colCombos.forEach(function (combo) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = cols.length ? table.label(cols, combo) : t.value;
      th.dataset.key = combo.join("|");
      hr.appendChild(th);
    });
    var tbody = tableEl.createTBody();
    rowCombos.forEach(function (rcombo) {
      var tr = tbody.insertRow();
      tr.dataset.key = rcombo.join("|");
      rcombo.forEach(function (code) {
        var th = document.createElement("th");
        th.scope = "row";
        th.textContent = table.name(code);
        tr.appendChild(th);
      });
      if (!rows.length) { tr.appendChild(document.createElement("th")); }
      colCombos.forEach(function (ccombo) {
        var td = tr.insertCell();
        var v = cells[rcombo.concat(ccombo).join("\u0001")];
        td.className = "num";
        td.dataset.row = rcombo.join("|");
        td.dataset.col = ccombo.join("|");
        if (v !== undefined) { td.dataset.value = v; }
        td.textContent = formatNumber(v);
      });
    });
    wrap.appendChild(tableEl);
    el.appendChild(wrap);

    if (!rows.length || !cols.length) { return Promise.resolve(); }
    return additiveTotals(el, params, layout).then(function (which) {
      if (which === false) { note(el, t.noTotals); return; }
      if (!which) { return; }
      var api = apiParams(params);
      var asks = [];
      if (which.rowTotals) {
        asks.push(fetchJSON(API + "?" + movedToFilter(api, cols).toString()).then(function (answer) {
          var tt = new Table(answer);
          var map = tt.lookup(rows);
          var th = document.createElement("th");
          th.scope = "col";
          th.textContent = t.total;
          th.className = "viz-total";
          hr.appendChild(th);
          Array.prototype.forEach.call(tbody.rows, function (tr, i) {
            var td = tr.insertCell();
            var v = map[rowCombos[i].join("\u0001")];
            td.className = "num viz-total";
            td.dataset.row = rowCombos[i].join("|");
            td.dataset.col = "total";
            if (v !== undefined) { td.dataset.value = v; }
            td.textContent = formatNumber(v);
          });
        }));
      }
      if (which.columnTotals) {
        asks.push(fetchJSON(API + "?" + movedToFilter(api, rows).toString()).then(function (answer) {
          var tt = new Table(answer);
          var map = tt.lookup(cols);
          var tfoot = tableEl.createTFoot();
          var tr = tfoot.insertRow();
          tr.dataset.key = "total";
          var th = document.createElement("th");
          th.scope = "row";
          th.textContent = t.total;
          th.colSpan = rows.length;
          tr.appendChild(th);
          colCombos.forEach(function (ccombo) {
            var td = tr.insertCell();
            var v = map[ccombo.join("\u0001")];
            td.className = "num viz-total";
            td.dataset.row = "total";
            td.dataset.col = ccombo.join("|");
            if (v !== undefined) { td.dataset.value = v; }
            td.textContent = formatNumber(v);
          });
        }));
      }
      return Promise.all(asks).then(function () {
        if (!(which.rowTotals && which.columnTotals)) { return; }
        return grandTotal(api, rows.concat(cols)).then(function (v) {
          var tr = tableEl.tFoot && tableEl.tFoot.rows[0];
          if (!tr) { return; }
          var td = tr.insertCell();
          td.className = "num viz-total";
          td.dataset.row = "total";
          td.dataset.col = "total";
          if (v !== undefined) { td.dataset.value = v; }
          td.textContent = formatNumber(v);
        });
      });
    });
  }

  /* The grand total: every layout dimension moved to filter=, and the data item (there must be exactly
     one) asked as the one dimension left, so the answer is a single row. Several data items: no grand
     total (a sum across different data would mean nothing). */
  function grandTotal(api, dims) {
    var q = movedToFilter(api, dims);
    var out = new URLSearchParams();
    var ok = false;
    q.forEach(function (value, key) {
      if (key === "filter" && dimOf(value) === "dx" && (value.split(":")[1] || "").split(";").filter(Boolean).length === 1) {
        out.append("dimension", value);
        ok = true;
      } else {
        out.append(key, value);
      }
    });
    if (!ok) { return Promise.resolve(undefined); }
    return fetchJSON(API + "?" + out.toString()).then(function (answer) {
      var tt = new Table(answer);
      return tt.rows.length === 1 ? tt.value(tt.rows[0]) : undefined;
    }).catch(function () { return undefined; });
  }

  // ---- charts ------------------------------------------------------------------------------------------

  function chartData(table, layout) {
    var rows = layout.rows.filter(function (d) { return table.has(d); });
    var cols = layout.columns.filter(function (d) { return table.has(d); });
    if (!rows.length && cols.length) { rows = cols; cols = []; }
    var cats = rows.length ? table.combos(rows) : [[]];
    var series = cols.length ? table.combos(cols) : [[]];
    var cells = table.lookup(rows.concat(cols));
    return {
      categories: cats.map(function (c) { return rows.length ? table.label(rows, c) : texts().value; }),
      series: series.map(function (s) {
        return {
          name: cols.length ? table.label(cols, s) : texts().value,
          data: cats.map(function (c) {
            var v = cells[c.concat(s).join("\u0001")];
            return v === undefined || isNaN(Number(v)) ? null : Number(v);
          })
        };
      })
    };
  }

  function drawChart(el, table, layout) {
    if (!window.echarts) { note(el, texts().chartFailed, "error"); return; }
    var box = document.createElement("div");
    box.className = "viz-chart";
    box.setAttribute("role", "img");
    el.appendChild(box);
    var d = chartData(table, layout);
    box.setAttribute("aria-label", d.series.map(function (s) { return s.name; }).join(", ") + " — " + d.categories.join(", "));
    var type = layout.type;
    var option;
    if (type === "pie") {
      option = {
        tooltip: { trigger: "item" },
        legend: { type: "scroll", bottom: 0 },
        series: [{
          type: "pie", radius: ["0%", "65%"], name: d.series[0].name,
          data: d.categories.map(function (c, i) { return { name: c, value: d.series[0].data[i] }; })
            .filter(function (p) { return p.value !== null; })
        }]
      };
    } else {
      var horizontal = type === "bar";
      var cat = { type: "category", data: d.categories, axisLabel: { interval: 0, hideOverlap: true } };
      var val = { type: "value", scale: false };  // value axes always hold zero (issue 17)
      option = {
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        xAxis: horizontal ? val : cat,
        yAxis: horizontal ? cat : val,
        series: d.series.map(function (s) {
          return {
            name: s.name,
            type: type === "line" ? "line" : "bar",
            stack: type === "stacked" ? "all" : undefined,
            data: s.data,
            connectNulls: false
          };
        })
      };
    }
    option.animation = false;
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option);
    el.vizChart = chart;
    box.dataset.series = String(d.series.length);
    box.dataset.categories = String(d.categories.length);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // ---- thematic map --------------------------------------------------------------------------------------

  /* Classes of equal count (quantiles): the sorted values cut into up to 5 groups of about the same size,
     equal values always in the same group (so fewer classes when there are fewer distinct values). Each
     class is the [min, max] of its members. */
  function quantileClasses(values, classes) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var n = sorted.length;
    var distinct = sorted.filter(function (v, i) { return i === 0 || v !== sorted[i - 1]; }).length;
    var k = Math.min(classes, distinct);
    var out = [];
    sorted.forEach(function (v, i) {
      var c = Math.min(k - 1, Math.floor((i * k) / n));
      var last = out[out.length - 1];
      if (last && (v === last.max || c < out.length)) { last.max = v; return; }
      out.push({ min: v, max: v });
    });
    return out;
  }

  function classOf(value, classes) {
    for (var i = 0; i < classes.length; i++) { if (value <= classes[i].max) { return i; } }
    return classes.length - 1;
  }

  function colorOf(i, count) { return COLORS[i + (COLORS.length - count)]; }

  function mapLevel(params) {
    var level = null;
    params.getAll("dimension").forEach(function (v) {
      if (dimOf(v) !== "ou") { return; }
      (v.split(":")[1] || "").split(";").forEach(function (item) {
        var m = /^LEVEL-(district|sector|3|4)$/.exec(item);
        if (m) { level = { "3": "district", "4": "sector" }[m[1]] || m[1]; }
      });
    });
    return level;
  }

  function drawMap(el, table, layout, params, stale) {
    var t = texts();
    var level = mapLevel(params);
    var inLayout = layout.rows.concat(layout.columns);
    if (!level || inLayout.indexOf("ou") < 0 || !table.has("ou")) { note(el, t.mapNeedsOu, "error"); return Promise.resolve(); }
    if (!window.L) { note(el, t.mapFailed, "error"); return Promise.resolve(); }
    var others = inLayout.filter(function (d) { return d !== "ou" && table.has(d); });
    var layers = others.length ? table.combos(others) : [[]];
    var controls = document.createElement("div");
    controls.className = "viz-map-controls";
    var select = null;
    if (layers.length > 1) {
      var label = document.createElement("label");
      select = document.createElement("select");
      select.id = (el.id || "viz") + "-layer-" + (++layerIds);
      label.htmlFor = select.id;
      label.textContent = t.showing + " ";
      layers.forEach(function (combo, i) {
        var o = document.createElement("option");
        o.value = String(i);
        o.textContent = table.label(others, combo);
        select.appendChild(o);
      });
      controls.appendChild(label);
      controls.appendChild(select);
      el.appendChild(controls);
    } else if (others.length) {
      note(el, table.label(others, layers[0]));
    }
    var box = document.createElement("div");
    box.className = "viz-map";
    el.appendChild(box);
    var legendEl = document.createElement("div");
    legendEl.className = "viz-legend";
    el.appendChild(legendEl);
    var cells = table.lookup(others.concat(["ou"]));

    return fetchJSON(GEOJSON + "?level=" + encodeURIComponent(level)).then(function (geo) {
      if (stale && stale()) { return; }
      var attribution = (geo && geo.attribution) || el.dataset.attribution || "© WASAC Ltd., CC BY 4.0";
      var map = L.map(box, { zoomSnap: 0.25, scrollWheelZoom: false, preferCanvas: true, renderer: L.canvas({ padding: 0 }) });
      map.attributionControl.setPrefix("Leaflet");
      var span = document.createElement("span");
      span.textContent = attribution;
      map.attributionControl.addAttribution(span.innerHTML);
      el.vizMap = map;
      el.vizAttribution = attribution;
      var layer = null;

      function paint(index) {
        var combo = layers[index];
        var values = {};
        var list = [];
        Object.keys(cells).forEach(function (k) {
          var parts = k.split("\u0001");
          var ou = parts[parts.length - 1];
          if (parts.slice(0, -1).join("\u0001") === combo.join("\u0001")) {
            var n = Number(cells[k]);
            if (!isNaN(n)) { values[ou] = n; list.push(n); }
          }
        });
        var classes = list.length ? quantileClasses(list, 5) : [];
        if (layer) { map.removeLayer(layer); }
        layer = L.geoJSON(geo, {
          style: function (f) {
            var v = values[f.properties.code];
            return {
              color: "#4a4a4a", weight: 0.6, fillOpacity: 0.85,
              fillColor: v === undefined ? NO_DATA : colorOf(classOf(v, classes), classes.length)
            };
          },
          onEachFeature: function (f, lyr) {
            var v = values[f.properties.code];
            var tip = document.createElement("span");
            tip.textContent = (f.properties.name || f.properties.code) + ": " + (v === undefined ? t.noData : formatNumber(v));
            lyr.bindTooltip(tip, { sticky: true });
          }
        }).addTo(map);
        // Zoom to the places with data (the whole layer when none has any).
        var withData = layer.getLayers().filter(function (l) { return values[l.feature.properties.code] !== undefined; });
        var focus = withData.length ? L.featureGroup(withData) : layer;
        if (layer.getLayers().length) { map.fitBounds(focus.getBounds(), { padding: [8, 8] }); }
        box.dataset.featureCount = String(layer.getLayers().length);
        box.dataset.coloured = String(Object.keys(values).filter(function (c) {
          return geo.features.some(function (f) { return f.properties.code === c; });
        }).length);
        legend(legendEl, classes);
        el.vizLegend = classes;
      }
      paint(0);
      if (select) { select.addEventListener("change", function () { paint(Number(select.value)); }); }
      box.classList.add("map-ready");
    }).catch(function (err) { note(el, t.mapFailed + " (" + err.message + ")", "error"); });
  }

  function legendEntries(classes) {
    var out = classes.map(function (c, i) {
      var text = c.min === c.max ? formatNumber(c.min) : formatNumber(c.min) + " – " + formatNumber(c.max);
      return { color: colorOf(i, classes.length), text: text };
    });
    out.push({ color: NO_DATA, text: texts().noData });
    return out;
  }

  function legend(el, classes) {
    el.replaceChildren();
    var title = document.createElement("p");
    title.className = "viz-legend-title";
    title.textContent = texts().legend;
    el.appendChild(title);
    var ul = document.createElement("ul");
    legendEntries(classes).forEach(function (e) {
      var li = document.createElement("li");
      var sw = document.createElement("span");
      sw.className = "viz-swatch";
      sw.style.background = e.color;
      li.appendChild(sw);
      li.appendChild(document.createTextNode(" " + e.text));
      ul.appendChild(li);
    });
    el.appendChild(ul);
  }

  // ---- PNG -----------------------------------------------------------------------------------------------

  /* A PNG of the drawn chart (ECharts) or map (Leaflet's canvas layer with the legend and credit painted
     under it); null for a pivot table (download CSV/XLSX instead). */
  function toPNG(el) {
    if (el.vizChart) { return el.vizChart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" }); }
    if (el.vizMap) {
      var box = el.querySelector(".viz-map");
      var src = box.querySelector("canvas");
      if (!src) { return null; }
      var bounds = box.getBoundingClientRect();
      var sb = src.getBoundingClientRect();
      var entries = legendEntries(el.vizLegend || []);
      var extra = 22 * entries.length + 40;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bounds.width);
      canvas.height = Math.round(bounds.height + extra);
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(src, sb.left - bounds.left, sb.top - bounds.top, sb.width, sb.height);
      ctx.font = "13px sans-serif";
      var y = bounds.height + 18;
      entries.forEach(function (e) {
        ctx.fillStyle = e.color;
        ctx.fillRect(10, y - 11, 16, 14);
        ctx.fillStyle = "#1d2327";
        ctx.fillText(e.text, 32, y);
        y += 22;
      });
      ctx.fillStyle = "#5b6770";
      ctx.fillText(el.vizAttribution || "", 10, y + 4);
      return canvas.toDataURL("image/png");
    }
    return null;
  }

  // ---- entry point -------------------------------------------------------------------------------------

  // Draw once the library is there: already on the page, or fetched on demand (libs.js) when el is near
  // the screen. Without either, draw() shows its own "could not be drawn" note.
  function withLib(name, el, draw) {
    var present = name === "echarts" ? window.echarts : window.L;
    if (present || !window.AmahoroLibs) { return Promise.resolve(draw()); }
    return window.AmahoroLibs.need(name, el).then(draw);
  }

  function render(el) {
    var t = texts();
    var params = new URLSearchParams(el.dataset.vizQuery || "");
    var layout = layoutOf(params);
    if (el.vizChart) { el.vizChart.dispose(); el.vizChart = null; }
    if (el.vizMap) { el.vizMap.remove(); el.vizMap = null; }
    el.replaceChildren();
    el.setAttribute("aria-busy", "true");
    el.dataset.vizState = "loading";
    var loading = note(el, t.loading);
    var url = el.dataset.vizData || (API + "?" + apiParams(params).toString());
    // A newer render of the same element (the page redraws on every change) makes this one stale.
    var serial = (el.vizSerial || 0) + 1;
    el.vizSerial = serial;
    function stale() { return el.vizSerial !== serial; }
    return fetchJSON(url).then(function (answer) {
      if (stale()) { return; }
      loading.remove();
      var table = new Table(answer || {});
      if (!table.rows.length) { note(el, t.empty); return; }
      if (layout.type === "pivot") { return drawPivot(el, table, layout, params); }
      if (layout.type === "map") {
        return withLib("leaflet", el, function () { return drawMap(el, table, layout, params, stale); });
      }
      return withLib("echarts", el, function () { if (!stale()) { drawChart(el, table, layout); } });
    }).catch(function (err) {
      if (stale()) { return; }
      loading.remove();
      note(el, t.failed + ": " + err.message, "error");
      el.dataset.vizError = err.message;
    }).then(function () {
      if (stale()) { return; }
      el.setAttribute("aria-busy", "false");
      el.dataset.vizState = "ready";
      el.dispatchEvent(new CustomEvent("viz:ready", { bubbles: true }));
    });
  }

  window.AmahoroViz = {
    render: render,
    toPNG: toPNG,
    apiParams: apiParams,
    layoutOf: layoutOf,
    quantileClasses: quantileClasses,
    dimsOrder: DIMS_ORDER
  };

  function init() {
    document.querySelectorAll(".viz-item[data-viz-query]").forEach(function (el) {
      if (!el.classList.contains("viz-main")) { render(el); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
