/* Playpress preview, SharedWorker: the one event stream of every open tab of this preview.

   A browser gives each host six connections; an event stream per tab would hold one each, and
   the seventh tab would never load. Each tab connects here instead and gets every message of
   the one stream, the last one at once. */
"use strict";
var ports = [];
var last = null;
var source = null;

function broadcast(data) {
  last = data;
  ports.forEach(function (port) {
    port.postMessage(data);
  });
}

self.onconnect = function (event) {
  var port = event.ports[0];
  ports.push(port);
  port.onmessage = function (message) {
    if (message.data === "bye") {  // the tab is closing or reloading
      ports = ports.filter(function (other) { return other !== port; });
    }
  };
  port.start();
  if (last !== null) {
    port.postMessage(last);
  }
  if (source === null) {
    source = new EventSource("%(events)s");
    source.onmessage = function (message) { broadcast(message.data); };
  }
};
