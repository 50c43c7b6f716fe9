// The meeting-day runner in the browser: countdowns, keyboard shortcuts, drafts that survive
// a reload, and actions kept and retried when the network or the server drops out.
(function () {
  "use strict";
  var runner = document.getElementById("runner");
  var pendingBox = document.getElementById("pending-actions");
  var QUEUE_KEY = "runner-pending:" + location.pathname;
  var DRAFT_PREFIX = "runner-draft:" + location.pathname + ":";

  // ---- countdowns and elapsed times (server time, corrected for the clock skew) ----------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll(".countdown[data-started]").forEach(function (el) {
      var skew = Date.parse(el.dataset.now) - (el._loadedAt || (el._loadedAt = Date.now()));
      var elapsed = (Date.now() + skew - Date.parse(el.dataset.started)) / 1000;
      var left = Math.round(Number(el.dataset.limit) - elapsed);
      var abs = Math.abs(left);
      el.textContent = (left < 0 ? "-" : "") + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
      el.classList.toggle("warn", left <= 30 && left >= 0);
      el.classList.toggle("over", left < 0);
    });
    document.querySelectorAll(".elapsed[data-since]").forEach(function (el) {
      var skew = Date.parse(el.dataset.now) - (el._loadedAt || (el._loadedAt = Date.now()));
      var minutes = Math.max(0, Math.floor((Date.now() + skew - Date.parse(el.dataset.since)) / 60000));
      el.textContent = minutes + "′";
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
  tick();

  if (!runner) return; // the room screen needs only the countdown

  // ---- polling must not replace a form the user is typing in -----------------------------
  var dirty = false;
  document.addEventListener("input", function (evt) {
    if (evt.target.closest && evt.target.closest("#runner form")) dirty = true;
  });
  window.runnerIdle = function () {
    var active = document.activeElement;
    var typing = active && active.closest && active.closest("#runner form") &&
      /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    return !dirty && !typing && pendingCount() === 0;
  };

  // ---- drafts: every runner text field is kept in localStorage until it is saved ---------
  function draftKey(form, name) { return DRAFT_PREFIX + form.id + ":" + name; }
  document.addEventListener("input", function (evt) {
    var el = evt.target, form = el.form;
    if (!form || !form.id || !form.hasAttribute("data-runner-form") || !el.name) return;
    if (el.type === "hidden" || el.type === "password") return;
    try { localStorage.setItem(draftKey(form, el.name), el.value); } catch (e) { /* full */ }
  });
  function clearDrafts(form) {
    if (!form || !form.id) return;
    Object.keys(localStorage).forEach(function (k) {
      if (k.indexOf(DRAFT_PREFIX + form.id + ":") === 0) localStorage.removeItem(k);
    });
  }
  function restoreDrafts(root) {
    var restored = 0;
    root.querySelectorAll("form[data-runner-form][id]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden") return;
        var saved = localStorage.getItem(draftKey(form, el.name));
        if (saved !== null && saved !== el.value && (el.tagName === "TEXTAREA" || el.type === "text")) {
          el.value = saved;
          restored += 1;
          dirty = true;
        }
      });
    });
    if (restored) say("Đã khôi phục nội dung đang soạn chưa được lưu.");
  }

  // ---- one key per action, so a retried request is applied once --------------------------
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  document.addEventListener("htmx:configRequest", function (evt) {
    var form = evt.detail.elt.closest && evt.detail.elt.closest("form[data-runner-form]");
    if (!form || evt.detail.verb !== "post") return;
    form._clientKey = form._clientKey || uuid();
    evt.detail.parameters.client_key = form._clientKey;
  });

  // ---- failed actions wait in a visible queue and are retried ----------------------------
  function loadQueue() { try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; } }
  function saveQueue(q) { localStorage.setItem(QUEUE_KEY, JSON.stringify(q)); showPending(); }
  function pendingCount() { return loadQueue().length; }
  function say(text) {
    var box = document.getElementById("net-status");
    if (box) { box.textContent = text; box.hidden = !text; }
  }
  function showPending() {
    if (!pendingBox) return;
    var n = pendingCount();
    pendingBox.hidden = n === 0;
    pendingBox.textContent = n ? n + " thao tác chưa lưu được, đang thử gửi lại… Đừng đóng trang." : "";
  }
  function keep(evt) {
    var detail = evt.detail, form = detail.elt.closest && detail.elt.closest("form[data-runner-form]");
    if (!form || !detail.requestConfig || detail.requestConfig.verb !== "post") return false;
    var body = new URLSearchParams();
    var params = detail.requestConfig.parameters;
    if (params instanceof FormData) { params.forEach(function (v, k) { body.append(k, v); }); }
    else { Object.keys(params).forEach(function (k) { body.append(k, params[k]); }); }
    var q = loadQueue();
    q.push({ url: detail.requestConfig.path, body: body.toString(), form: form.id || "" });
    saveQueue(q);
    // The key stays with the form while the action waits: a second click during the outage
    // sends the same key, and the server applies it once. A success clears it.
    return true;
  }
  document.addEventListener("htmx:sendError", function (evt) { keep(evt); });
  document.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    if (status >= 500 || status === 0) keep(evt);
  });
  // Before the answer replaces the component: a saved form's drafts are gone for good, so
  // the swap that follows must not restore them.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var elt = evt.detail.requestConfig && evt.detail.requestConfig.elt;
    var form = elt && elt.closest && elt.closest("form[data-runner-form]");
    if (!form) return;
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    if (status >= 200 && status < 300) { clearDrafts(form); dirty = false; form._clientKey = null; }
    if (status === 409 || status === 422) { form._clientKey = null; }
  });
  var csrf = document.querySelector('meta[name="csrf-token"]');
  function flush() {
    var q = loadQueue();
    if (!q.length) return;
    var item = q[0];
    fetch(item.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                 "X-CSRFToken": csrf ? csrf.content : "" },
      body: item.body
    }).then(function (response) {
      if (response.status >= 500) throw new Error("server " + response.status);
      var rest = loadQueue().slice(1);
      saveQueue(rest);
      if (item.form) {
        clearDrafts({ id: item.form });
        var sent = document.getElementById(item.form);
        if (sent) sent._clientKey = null;
      }
      if (!rest.length) {
        say("Đã lưu các thao tác đang chờ.");
        dirty = false;
        htmx.ajax("GET", location.pathname + location.search, { target: "#runner", swap: "outerHTML" });
      }
    }).catch(function () { showPending(); });
  }
  setInterval(flush, 3000);
  showPending();
  flush();

  // ---- after every swap: restore drafts, clear the dirty flag when the form is fresh -----
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "runner") {
      dirty = false;
      restoreDrafts(document.getElementById("runner"));
    }
  });
  restoreDrafts(runner);

  // ---- keyboard shortcuts ----------------------------------------------------------------
  function click(id) { var el = document.getElementById(id); if (el) { el.click(); return true; } return false; }
  function focus(selector) { var el = document.querySelector(selector); if (el) { el.focus(); return true; } return false; }
  document.addEventListener("keydown", function (evt) {
    if (!evt.altKey || evt.ctrlKey || evt.metaKey) return;
    var key = evt.key.toLowerCase(), done = false;
    if (key === "n") done = click("next-stage");
    else if (key === "s") done = click("next-speaker");
    else if (key === "t") done = click("stop-speaker");
    else if (key === "l") done = focus("#sp-name");
    else if (key === "p") done = focus("#floor-form textarea");
    else if (key === "a") done = focus(".assign-form select");
    if (done) evt.preventDefault();
  });
})();
