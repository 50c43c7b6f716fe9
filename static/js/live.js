// The meeting day's live screens (console, chair's view, hall screen): the page holds the
// meeting's event stream (htmx's SSE extension, `sse-connect`); each «changed» event
// fetches the page's frame at once (`hx-trigger="… sse:changed"`, If-None-Match as ever),
// and the hall screen's «frame» event carries its new frame (`sse-swap="frame"`).
// The frame's one-second poll (`data-live-poll`) is the fallback: it is skipped while the
// stream is heard from (an event or a ping within STALE_MS) and nothing is pending, except
// once every SAFETY_MS; a proxy that buffers the stream, or a stream that fails, leaves the
// page polling as before.
(function () {
  "use strict";
  var STALE_MS = 40000;   // the server pings every 15 s
  var SAFETY_MS = 30000;  // a poll now and then even while the stream lives

  function boxOf(elt) { return elt && elt.closest ? elt.closest("[sse-connect], [data-sse-connect]") : null; }
  function heard(box) { box._liveAt = Date.now(); }

  document.addEventListener("htmx:sseOpen", function (evt) {
    var box = evt.target, source = evt.detail && evt.detail.source;
    if (!source || source._liveWatched) return;
    source._liveWatched = true;
    source.addEventListener("ping", function () { heard(box); });
    source.addEventListener("changed", function () { heard(box); box._livePending = true; });
    source.addEventListener("frame", function () { heard(box); });  // the hall's new frame itself
    source.addEventListener("closed", function () { box._liveAt = 0; source.close(); });
  });
  document.addEventListener("htmx:sseError", function (evt) {
    var box = boxOf(evt.target);
    if (box) box._liveAt = 0;
  });

  // A runner form on its way (a click, a shortcut): its answer brings the new frame, and a
  // refresh swapped in first would detach the form, so its answer, and the focus it sets,
  // would be lost. A refresh waits until the form's answer is in (it is kept pending): one
  // is not sent meanwhile, and one already on its way is not swapped in (runner.js).
  var sending = new Map();  // xhr -> when it left
  function formSending() {
    var now = Date.now();
    sending.forEach(function (at, xhr) { if (now - at > 30000) sending.delete(xhr); });
    return sending.size > 0;
  }
  window.liveFormSending = formSending;
  // A refresh held back: the page's frame is fetched again at the next tick.
  window.liveHeldBack = function (elt) {
    var box = boxOf(elt);
    if (box) box._livePending = true;
  };
  document.addEventListener("htmx:beforeSend", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.closest && elt.closest("form[data-runner-form]") && evt.detail.xhr) {
      sending.set(evt.detail.xhr, Date.now());
    }
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (evt.detail.xhr) sending.delete(evt.detail.xhr);
  });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-live-poll")) return;
    if (formSending()) {
      var waiting = boxOf(elt);
      if (waiting) waiting._livePending = true;
      evt.preventDefault();
      return;
    }
    var cause = evt.detail.requestConfig && evt.detail.requestConfig.triggeringEvent;
    if (cause && String(cause.type).indexOf("sse:") === 0) return; // a change: fetch now
    var box = boxOf(elt);
    if (!box) return;
    var now = Date.now();
    var live = box._liveAt && now - box._liveAt < STALE_MS;
    if (live && !box._livePending && now - (box._lastPoll || 0) < SAFETY_MS) {
      evt.preventDefault();
      return;
    }
    box._lastPoll = now;
  });
  // A fetch that goes out (not held back by another handler) brings the newest frame.
  document.addEventListener("htmx:beforeSend", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-live-poll")) return;
    var box = boxOf(elt);
    if (box) box._livePending = false;
  });
})();
