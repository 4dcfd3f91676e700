/* Playpress preview, in every page it serves: reloads the page once when a rebuild changed it,
   swaps in the images a later pass redrew, and says which outputs are being rebuilt.

   One event stream serves every tab (a browser gives a host only six connections): a
   SharedWorker holds it; where there is none (Chrome on Android), the tab holding a Web Lock
   holds it and passes each message on to the other tabs over a BroadcastChannel. */
(function (config) {
  "use strict";
  var seen = config.generation;
  var reloading = false;

  function distPath(url) {
    // the file of dist/ a URL of this preview names ("g1/sop.html"), or null
    var parsed;
    try { parsed = new URL(url, location.href); } catch (error) { return null; }
    if (parsed.origin !== location.origin) { return null; }
    try { return decodeURIComponent(parsed.pathname).replace(/^\/+/, ""); }
    catch (error) { return null; }
  }

  function showsChange(changed) {
    // this page, its folder's listing, or a stylesheet, font or script it loaded
    var page = config.page;
    for (var path in changed) {
      if (page === null) { break; }
      if (path === page) { return true; }
      if (page === "" || page.slice(-1) === "/") {
        if (path.indexOf(page) === 0 && path.slice(page.length).indexOf("/") < 0) { return true; }
      }
    }
    var loaded = performance.getEntriesByType("resource");
    for (var i = 0; i < loaded.length; i++) {
      if (loaded[i].initiatorType !== "img" && changed[distPath(loaded[i].name)]) { return true; }
    }
    return false;
  }

  function redraw(changed, generation) {
    // an image a later pass redrew (a poster) is fetched again in place: no second reload
    Array.prototype.forEach.call(document.images, function (image) {
      var url = new URL(image.src, location.href);
      url.searchParams.delete("playpress");
      if (changed[distPath(url.href)]) {
        url.searchParams.set("playpress", String(generation));
        image.src = url.href;
      }
    });
  }

  function reload() {
    if (!reloading) {
      reloading = true;
      location.reload();
    }
  }

  function receive(state) {
    if (reloading) { return; }
    if (state.generation !== seen) {
      var changed = {};
      var known = state.generation > seen && state.overlay === config.overlay;
      for (var generation = seen + 1; known && generation <= state.generation; generation++) {
        var paths = state.changes[String(generation)];
        if (!paths) {
          known = false;  // missed: the page cannot tell what changed
        } else {
          paths.forEach(function (path) { changed[path] = true; });
        }
      }
      if (!known || showsChange(changed)) {
        reload();
        return;
      }
      redraw(changed, state.generation);
      seen = state.generation;
    }
    mark(state.building);
  }

  var badge = null;

  function mark(building) {
    // the outputs being rebuilt: named in a corner, and their links dimmed
    var set = {};
    building.forEach(function (path) { set[path] = true; });
    Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (link) {
      if (set[distPath(link.href)]) {
        link.setAttribute("data-playpress-building", "");
      } else {
        link.removeAttribute("data-playpress-building");
      }
    });
    if (!building.length) {
      if (badge) { badge.remove(); badge = null; }
      return;
    }
    var page = config.page || "";
    var folder = page.slice(0, page.lastIndexOf("/") + 1);
    var names = building.map(function (path) {
      return folder && path.indexOf(folder) === 0 ? path.slice(folder.length) : path;
    }).sort(function (a, b) { return (a.indexOf("/") >= 0) - (b.indexOf("/") >= 0); });
    var shown = names.slice(0, 3).join(", ");
    if (names.length > 3) {
      shown += " " + config.words.more.replace("{n}", String(names.length - 3));
    }
    if (!badge) {
      badge = document.createElement("div");
      badge.id = "playpress-building";
      badge.setAttribute("role", "status");
      document.body.appendChild(badge);
    }
    badge.textContent = config.words.building.replace("{files}", shown);
  }

  var style = document.createElement("style");
  style.textContent = "#playpress-building{position:fixed;right:12px;bottom:12px;z-index:2147483646;" +
    "max-width:calc(100vw - 24px);box-sizing:border-box;padding:6px 12px;border-radius:16px;" +
    "background:#222;color:#fff;font:13px/1.4 system-ui,sans-serif;opacity:.9;" +
    "pointer-events:none}" +
    "a[data-playpress-building]{opacity:.5;cursor:progress}" +
    "a[data-playpress-building]::after{content:\" \\27F3\"}";
  document.head.appendChild(style);

  function viaWorker() {
    var worker = new SharedWorker(config.worker, { name: "playpress-live" });
    worker.port.onmessage = function (message) { receive(JSON.parse(message.data)); };
    worker.port.start();
    addEventListener("pagehide", function () { worker.port.postMessage("bye"); });
  }

  function viaLock() {
    var channel = new BroadcastChannel("playpress-live");
    var latest = null;  // set in the tab that holds the stream
    channel.onmessage = function (message) {
      if (message.data === "hello") {
        if (latest !== null) { channel.postMessage(latest); }
      } else {
        receive(JSON.parse(message.data));
      }
    };
    navigator.locks.request("playpress-live", function () {
      return new Promise(function () {  // held until this tab closes or reloads
        var source = new EventSource(config.events);
        source.onmessage = function (message) {
          latest = message.data;
          channel.postMessage(latest);
          receive(JSON.parse(latest));
        };
      });
    });
    channel.postMessage("hello");  // the tab holding the stream answers with the last message
  }

  function viaOwnStream() {
    new EventSource(config.events).onmessage = function (message) {
      receive(JSON.parse(message.data));
    };
  }

  try {
    viaWorker();
  } catch (error) {
    if (window.BroadcastChannel && navigator.locks) { viaLock(); } else { viaOwnStream(); }
  }
})(%(config)s);
