{% load static %}/* Amahoro data entry's service worker (served by Django at {% url 'data:entry_sw' %}, scope {% url 'data:entry' %}).
   Pages of data entry: network first, the last copy when offline. Static files: the cached copy, refreshed behind it.
   Saves (POST) are never touched: the page queues them itself (entry.js). Signing out empties the cache. */
"use strict";
var CACHE = "amahoro-entry-v1";
var SCOPE = "{% url 'data:entry' %}";
var STATIC = "{% get_static_prefix %}";
var LOGIN = "{% url 'accounts:login' %}";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("amahoro-entry-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// The page tells what it was built from (itself, its scripts and styles), so that a reload offline works.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(data.urls.map(function (url) {
      if (new URL(url, self.location.href).origin !== self.location.origin) return null;
      return cache.match(url, { ignoreVary: true }).then(function (hit) {
        if (hit && url.indexOf(STATIC) >= 0) return null;
        return fetch(url, { credentials: "same-origin" }).then(function (resp) {
          if (resp.ok && !resp.redirected) return cache.put(url, resp);
          return null;
        });
      }).catch(function () { return null; });
    }));
  }));
});

function offlinePage() {
  return new Response("<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<p>Offline. Open data entry again when the network is back.</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(STATIC) === 0) {
    // The cached copy at once, refreshed behind it (names are not hashed everywhere: a new release's
    // script must still arrive, one load later).
    var refreshed = caches.open(CACHE).then(function (cache) {
      return fetch(req).then(function (resp) {
        if (resp.ok) cache.put(req, resp.clone());
        return resp;
      });
    });
    event.waitUntil(refreshed.catch(function () { return null; }));
    event.respondWith(caches.match(req, { ignoreVary: true }).then(function (hit) {
      return hit || refreshed;
    }));
    return;
  }
  if (url.pathname.indexOf(SCOPE) !== 0 || url.pathname === "{% url 'data:entry_sw' %}" ||
      url.pathname === "{% url 'data:entry_csrf' %}") return;  // a token is only worth having fresh
  event.respondWith(fetch(req).then(function (resp) {
    if (resp.redirected && new URL(resp.url).pathname.indexOf(LOGIN) === 0) {
      caches.delete(CACHE);  // signed out: keep nobody's form on this phone
    } else if (resp.ok && !resp.redirected) {
      var copy = resp.clone();
      caches.open(CACHE).then(function (cache) { cache.put(req, copy); });
    }
    return resp;
  }).catch(function () {
    return caches.match(req, { ignoreVary: true }).then(function (hit) {
      if (hit) return hit;
      if (req.mode === "navigate") {
        return caches.match(SCOPE, { ignoreVary: true }).then(function (page) { return page || offlinePage(); });
      }
      return offlinePage();
    });
  }));
});
