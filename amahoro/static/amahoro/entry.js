/* Data entry (/data/entry/): choose a place from the search results, save each cell on its own, and lose
   nothing offline. Every change goes first into a queue in IndexedDB (one entry per cell: the newest value
   wins), then to the server one at a time; what could not be sent stays queued and is retried when the
   network returns (the "online" event) and every 20 s, with the count of unsent values on screen. Saves are
   idempotent on the server, so a retry of a save whose answer was lost does no harm. A service worker
   (/data/entry/sw.js) keeps the form usable offline once opened. No inline script: CSP script-src 'self'. */
(function () {
  "use strict";

  var DB_NAME = "amahoro-entry";
  var STORE = "queue";
  var RETRY_MS = 20000;

  // ---- Choosing a place: a click on a search result fills the field (and opens the form when a data set
  // is chosen); without this script the result is a submit button that does the same.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest(".entry-place") : null;
    if (!btn) return;
    var input = document.getElementById("entry-place");
    var hidden = document.getElementById("entry-org-unit");
    var results = document.getElementById("entry-place-results");
    if (!input || !hidden) return;
    ev.preventDefault();
    input.value = btn.getAttribute("data-name") || btn.textContent.trim();
    hidden.value = btn.value;
    if (results) results.innerHTML = "";
    var form = document.getElementById("entry-chooser");
    var dataSet = document.getElementById("entry-data-set");
    if (form && dataSet && dataSet.value) {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    } else if (dataSet) {
      dataSet.focus();
    }
  });
  document.addEventListener("input", function (ev) {
    if (ev.target && ev.target.id === "entry-place") {
      var hidden = document.getElementById("entry-org-unit");
      if (hidden) hidden.value = "";
    }
  });

  // ---- The service worker (on the chooser and on the form, so both open offline once seen).
  var chooser = document.getElementById("entry-chooser");
  if (chooser && "serviceWorker" in navigator) {
    var swUrl = chooser.getAttribute("data-sw-url");
    var scope = chooser.getAttribute("data-scope");
    navigator.serviceWorker.register(swUrl, { scope: scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var urls = [location.href];
      document.querySelectorAll("script[src], link[rel=stylesheet][href]").forEach(function (el) {
        urls.push(el.src || el.href);
      });
      if (reg.active) reg.active.postMessage({ type: "cache", urls: urls });
    }).catch(function () { /* no service worker: the queue below still keeps every value */ });
  }

  var ctx = document.getElementById("entry-context");
  var grid = document.getElementById("entry-grid");
  if (!ctx || !grid || grid.getAttribute("data-editable") !== "true") return;

  var saveUrl = ctx.getAttribute("data-save-url");
  var csrfUrl = ctx.getAttribute("data-csrf-url");
  var token = ctx.getAttribute("data-csrf");
  var words = {
    saved: ctx.getAttribute("data-msg-saved"),
    deleted: ctx.getAttribute("data-msg-deleted"),
    pending: ctx.getAttribute("data-msg-pending"),
    offline: ctx.getAttribute("data-msg-offline"),
    retry: ctx.getAttribute("data-msg-retry"),
    signedOut: ctx.getAttribute("data-msg-signed-out")
  };
  function field(name) {
    var el = ctx.querySelector("input[name=" + name + "]");
    return el ? el.value : "";
  }
  var here = { org_unit: field("org_unit"), period: field("period"), aoc: field("attribute_option_combo") };

  // ---- The queue: IndexedDB, or memory where IndexedDB is missing (private mode of some browsers).
  var memory = {};
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve) {
        if (!window.indexedDB) { resolve(null); return; }
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { resolve(null); };
      });
    }
    return dbPromise;
  }
  function tx(mode, work) {
    return db().then(function (d) {
      if (!d) return work(null);
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode);
        var out = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function queuePut(rec) {
    return tx("readwrite", function (store) {
      if (!store) { memory[rec.key] = rec; return null; }
      return store.put(rec);
    });
  }
  function queueAll() {
    return tx("readonly", function (store) {
      if (!store) return Object.keys(memory).map(function (k) { return memory[k]; });
      return store.getAll();
    }).then(function (all) { return (all || []).sort(function (a, b) { return a.at - b.at; }); });
  }
  // Remove a sent value, unless the cell changed again meanwhile (then the newer value stays queued).
  function queueDone(rec) {
    return tx("readwrite", function (store) {
      if (!store) {
        if (memory[rec.key] && memory[rec.key].edit_id === rec.edit_id) delete memory[rec.key];
        return null;
      }
      var get = store.get(rec.key);
      get.onsuccess = function () {
        if (get.result && get.result.edit_id === rec.edit_id) store.delete(rec.key);
      };
      return null;
    });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }
  function keyOf(ou, pe, aoc, de, coc) { return [ou, pe, aoc, de, coc].join("|"); }

  // ---- Cells
  function cellInput(rec) {
    if (rec.org_unit !== here.org_unit || rec.period !== here.period || rec.aoc !== here.aoc) return null;
    return grid.querySelector('input.entry-cell[data-de="' + CSS.escape(rec.de) + '"][data-coc="' + CSS.escape(rec.coc) + '"]');
  }
  function setState(input, state, message) {
    if (!input) return;
    var td = input.closest("td");
    var status = td ? td.querySelector(".cell-status") : null;
    if (td) {
      td.setAttribute("data-state", state);
    }
    input.classList.toggle("is-invalid", state === "failed");
    input.setAttribute("aria-invalid", state === "failed" ? "true" : "false");
    if (status) {
      status.className = "cell-status " + ({ saved: "ok", failed: "error", pending: "pending", retry: "pending" }[state] || "");
      status.textContent = message || "";
    }
  }

  var countEl = document.getElementById("entry-unsent-count");
  var syncEl = document.getElementById("entry-sync");
  var retryBtn = document.getElementById("entry-retry");
  var networkEl = document.getElementById("entry-network");
  function showCount() {
    return queueAll().then(function (all) {
      if (countEl) countEl.textContent = String(all.length);
      if (syncEl) syncEl.setAttribute("data-state", all.length ? "unsent" : "idle");
      if (retryBtn) retryBtn.hidden = all.length === 0;
      return all.length;
    });
  }
  function showNetwork() {
    if (!networkEl) return;
    var word = document.getElementById(navigator.onLine ? "entry-word-online" : "entry-word-offline");
    networkEl.textContent = word ? word.textContent : "";
    if (syncEl) syncEl.classList.toggle("offline", !navigator.onLine);
  }

  // ---- Sending
  function refreshToken() {
    return fetch(csrfUrl, { credentials: "same-origin", headers: { Accept: "application/json" }, redirect: "manual" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && body.token) { token = body.token; return true; } return false; })
      .catch(function () { return false; });
  }
  function post(rec) {
    var body = new URLSearchParams();
    body.set("org_unit", rec.org_unit);
    body.set("period", rec.period);
    body.set("attribute_option_combo", rec.aoc);
    body.set("data_element", rec.de);
    body.set("category_option_combo", rec.coc);
    body.set("value", rec.value);
    body.set("edit_id", rec.edit_id);
    return fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": token, Accept: "application/json" },
      body: body
    });
  }
  function isJson(resp) {
    return (resp.headers.get("Content-Type") || "").indexOf("application/json") >= 0;
  }
  // "ok" | "refused" (the server said no: shown, not retried) | "stop" (network or session: kept, retried)
  function send(rec, again) {
    var input = cellInput(rec);
    return post(rec).then(function (resp) {
      if (resp.type === "opaqueredirect" || resp.status === 0) {
        setState(input, "retry", words.signedOut);
        return "stop";
      }
      if (resp.status === 403 && !isJson(resp) && !again) {
        // Most likely the CSRF token changed (a new login since the page was opened): fetch a new one.
        return refreshToken().then(function (fresh) {
          if (fresh) return send(rec, true);
          setState(input, "retry", words.retry);
          return "stop";
        });
      }
      if (resp.status >= 500) {
        setState(input, "retry", words.retry);
        return "stop";
      }
      var parse = isJson(resp) ? resp.json() : resp.text().then(function (t) { return { ok: false, message: resp.status + " " + (resp.statusText || t.slice(0, 80)) }; });
      return parse.then(function (answer) {
        return queueDone(rec).then(function () {
          if (resp.ok && answer.ok) {
            if (input && input.value === rec.value) {
              input.setAttribute("data-saved", rec.value);
              setState(input, "saved", answer.message || (rec.value ? words.saved : words.deleted));
            }
            if (answer.violations_html) {
              var old = document.getElementById("violations");
              if (old) old.outerHTML = answer.violations_html;
            }
            return "ok";
          }
          if (input && input.value === rec.value) setState(input, "failed", answer.message || "");
          return "refused";
        });
      });
    }, function () {
      setState(input, "retry", navigator.onLine ? words.retry : words.offline);
      return "stop";
    });
  }

  var flushing = false;
  var flushAgain = false;
  function flush() {
    if (flushing) { flushAgain = true; return Promise.resolve(); }
    flushing = true;
    return queueAll().then(function (all) {
      var i = 0;
      function next() {
        if (i >= all.length) return null;
        var rec = all[i++];
        if (!navigator.onLine) {
          all.slice(i - 1).forEach(function (r) { setState(cellInput(r), "pending", words.offline); });
          return null;
        }
        return send(rec, false).then(function (result) {
          if (result === "stop") return null;
          return showCount().then(next);
        });
      }
      return next();
    }).catch(function () { /* keep the queue as it is; the next retry tries again */ })
      .then(function () {
        flushing = false;
        return showCount();
      }).then(function () {
        if (flushAgain) { flushAgain = false; return flush(); }
        return null;
      });
  }

  function edited(input) {
    var rec = {
      key: keyOf(here.org_unit, here.period, here.aoc, input.getAttribute("data-de"), input.getAttribute("data-coc")),
      edit_id: newId(),
      org_unit: here.org_unit,
      period: here.period,
      aoc: here.aoc,
      de: input.getAttribute("data-de"),
      coc: input.getAttribute("data-coc"),
      value: input.value.trim(),
      at: Date.now()
    };
    setState(input, "pending", navigator.onLine ? words.pending : words.offline);
    return queuePut(rec).then(showCount).then(flush);
  }

  grid.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.classList || !input.classList.contains("entry-cell")) return;
    edited(input);
  });
  // Enter moves to the next cell, as in a spreadsheet (and fires "change" on the way).
  grid.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || !ev.target.classList.contains("entry-cell")) return;
    ev.preventDefault();
    var cells = Array.prototype.slice.call(grid.querySelectorAll("input.entry-cell:not([disabled])"));
    var at = cells.indexOf(ev.target);
    if (at >= 0 && at + 1 < cells.length) cells[at + 1].focus(); else ev.target.blur();
  });

  window.addEventListener("online", function () { showNetwork(); flush(); });
  window.addEventListener("offline", showNetwork);
  if (retryBtn) retryBtn.addEventListener("click", function () { flush(); });
  setInterval(function () { if (navigator.onLine) flush(); }, RETRY_MS);

  // Values queued before (this page offline, or an earlier visit): show them in their cells, then send.
  showNetwork();
  queueAll().then(function (all) {
    all.forEach(function (rec) {
      var input = cellInput(rec);
      if (input) {
        input.value = rec.value;
        setState(input, "pending", navigator.onLine ? words.pending : words.offline);
      }
    });
    return showCount();
  }).then(flush);
})();
