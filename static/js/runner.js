// The meeting-day runner in the browser: countdowns, keyboard shortcuts and focus, texts
// saved as they are typed, drafts that survive a reload, and actions kept and retried when
// the network or the server drops out.
(function () {
  "use strict";
  var runner = document.getElementById("runner");
  var pendingBox = document.getElementById("pending-actions");
  var QUEUE_KEY = "runner-pending:" + location.pathname;
  var DRAFT_PREFIX = "runner-draft:" + location.pathname + ":";
  var AUTOSAVE_MS = 1200; // a pause in the typing this long saves the text
  var RETRY_MS = 3000;

  // ---- countdowns and elapsed times (the server's clock) ----------------------------------
  // A countdown carries the seconds spoken when the server rendered it (pauses left out) and
  // whether the turn runs: the browser counts on from there only while it runs, so a paused
  // turn is frozen on every screen, whatever the worker that answered.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function loadedAt(el) { return el._loadedAt || (el._loadedAt = Date.now()); }
  function tick() {
    document.querySelectorAll(".countdown[data-limit]").forEach(function (el) {
      var elapsed;
      if (el.dataset.elapsed !== undefined) {
        elapsed = Number(el.dataset.elapsed);
        if (el.dataset.running !== "0") elapsed += (Date.now() - loadedAt(el)) / 1000;
      } else if (el.dataset.started) {
        var skew = Date.parse(el.dataset.now) - loadedAt(el);
        elapsed = (Date.now() + skew - Date.parse(el.dataset.started)) / 1000;
      } else { return; }
      var left = Math.round(Number(el.dataset.limit) - elapsed);
      var abs = Math.abs(left);
      el.textContent = (left < 0 ? "-" : "") + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
      el.classList.toggle("warn", left <= 30 && left >= 0);
      el.classList.toggle("over", left < 0);
    });
    document.querySelectorAll(".elapsed[data-since]").forEach(function (el) {
      var skew = Date.parse(el.dataset.now) - loadedAt(el);
      var minutes = Math.max(0, Math.floor((Date.now() + skew - Date.parse(el.dataset.since)) / 60000));
      el.textContent = minutes + "′";
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("htmx:afterSettle", tick);
  tick();

  if (!runner) return; // the room screen needs only the countdown

  function $(selector, root) { return (root || document).querySelector(selector); }
  function each(selector, fn, root) { Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn); }
  function theRunner() { return document.getElementById("runner"); }
  function isText(el) {
    return !!el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && /^(text|search|number|)$/.test(el.type)));
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  var csrf = document.querySelector('meta[name="csrf-token"]');
  function say(text) {
    var box = document.getElementById("net-status");
    if (box) { box.textContent = text; box.hidden = !text; }
  }
  function viewName() {
    try { return JSON.parse(theRunner().getAttribute("hx-vals") || "{}").view || "console"; }
    catch (e) { return "console"; }
  }

  // ---- drafts: every runner text field is kept in localStorage until it is saved ---------
  // A text form (it has a `base`) also keeps the base its draft started from: a draft
  // restored after someone else saved that text is saved against the old base, and so meets
  // the 409 that shows both texts instead of overwriting theirs.
  function draftKey(form, name) { return DRAFT_PREFIX + form.id + ":" + name; }
  function baseInput(form) { return form && form.querySelector('input[name="base"]'); }
  function isTextForm(form) { return !!(form && form.id && form.hasAttribute("data-runner-form") && baseInput(form)); }
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* full */ } }
  function clearDrafts(form) {
    if (!form || !form.id) return;
    Object.keys(localStorage).forEach(function (k) {
      if (k.indexOf(DRAFT_PREFIX + form.id + ":") === 0) localStorage.removeItem(k);
    });
  }
  function forgetDraftBase(form) { if (form && form.id) localStorage.removeItem(draftKey(form, "#base")); }
  // Typed text not sent yet, in a form that is on the page now (a draft of a form the
  // meeting has moved past must not hold the polling or the leaving forever).
  function draftsLeft() {
    return Object.keys(localStorage).some(function (k) {
      if (k.indexOf(DRAFT_PREFIX) !== 0 || k.slice(-6) === ":#base") return false;
      var formId = k.slice(DRAFT_PREFIX.length).split(":")[0];
      return !!document.getElementById(formId) && (localStorage.getItem(k) || "").trim() !== "";
    });
  }
  document.addEventListener("input", function (evt) {
    var el = evt.target, form = el.form;
    if (!form || !form.id || !form.hasAttribute("data-runner-form") || !el.name) return;
    if (el.type === "hidden" || el.type === "password") return;
    store(draftKey(form, el.name), el.value);
    if (isTextForm(form)) {
      if (localStorage.getItem(draftKey(form, "#base")) === null) store(draftKey(form, "#base"), baseInput(form).value);
      unsaved(form);
      schedule(form, AUTOSAVE_MS);
    } else {
      showDraftState(form);
    }
  });
  function restoreDrafts(root) {
    var restored = 0;
    each("form[data-runner-form][id]", function (form) {
      var changed = false;
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden") return;
        var saved = localStorage.getItem(draftKey(form, el.name));
        if (saved !== null && saved !== el.value && (el.tagName === "TEXTAREA" || el.type === "text")) {
          el.value = saved;
          restored += 1;
          changed = true;
        }
      });
      if (isTextForm(form)) {
        var base = localStorage.getItem(draftKey(form, "#base"));
        if (changed && base !== null) baseInput(form).value = base;
        if (changed) { unsaved(form); schedule(form, AUTOSAVE_MS); }
      } else {
        showDraftState(form);
      }
    }, root);
    if (restored) say(word("restored"));
  }

  // ---- «Đã lưu hh:mm:ss» / «Chưa lưu» beside every text -----------------------------------
  function stateBox(form) {
    var box = form.querySelector(".save-state");
    if (!box) {
      box = document.createElement("span");
      box.className = "save-state";
      box.setAttribute("role", "status");
      var button = form.querySelector('button[type="submit"], button:not([type])');
      if (button) button.insertAdjacentElement("afterend", box); else form.appendChild(box);
    }
    return box;
  }
  function setState(form, text, kind) {
    var box = stateBox(form);
    box.textContent = text;
    box.dataset.state = kind;
  }
  // The words of the page's language, from the page (the catalog), Vietnamese by default.
  var WORDS = {
    saved: "Đã lưu", unsaved: "Chưa lưu", saving: "Đang lưu…",
    offline: "Chưa lưu — chưa gửi được tới máy chủ, sẽ thử lại",
    draft: "Chưa ghi nhận — bản nháp được giữ trên máy này",
    recordFirst: "Ý kiến đang soạn chưa được ghi nhận. Ghi nhận ý kiến này rồi chuyển bước?",
    notMoved: "Nội dung chưa lưu được: chưa chuyển bước. Vui lòng xem lại rồi thử lại.",
    restored: "Đã khôi phục nội dung đang soạn chưa được lưu."
  };
  function word(name) {
    var holder = document.getElementById("runner-saved");
    var key = "said" + name.charAt(0).toUpperCase() + name.slice(1);
    return (holder && holder.dataset[key]) || WORDS[name];
  }
  function savedTimes() {
    var holder = document.getElementById("runner-saved");
    try { return JSON.parse((holder && holder.dataset.saved) || "{}"); } catch (e) { return {}; }
  }
  function unsaved(form) { form._unsaved = true; setState(form, word("unsaved"), "unsaved"); }
  function showSaved(form, at) { form._unsaved = false; setState(form, word("saved") + " " + at, "saved"); }
  function textOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text");
    });
  }
  function showDraftState(form) {
    // A record not made yet (a petition from the floor, an answer on the spot): its draft
    // stays in this browser until «Ghi nhận», and says so.
    if (!form.id || !form.querySelector("textarea")) return;
    var typed = Array.prototype.some.call(form.querySelectorAll("textarea"), function (el) {
      return (localStorage.getItem(draftKey(form, el.name)) || "").trim() !== "";
    });
    if (typed) setState(form, word("draft"), "draft");
    else { var box = form.querySelector(".save-state"); if (box) box.textContent = ""; }
  }
  function initStates(root) {
    var times = savedTimes();
    each("form[data-runner-form][id]", function (form) {
      if (isTextForm(form)) {
        if (form._unsaved) return;
        if (times[form.id]) showSaved(form, times[form.id]);
        else stateBox(form);
      } else {
        showDraftState(form);
      }
    }, root);
  }

  // ---- texts saved as they are typed -----------------------------------------------------
  // A pause in the typing posts the text form (its base, a fresh client key, autosave=1);
  // the server answers the new base and the time, and the caret never moves. A 409 (someone
  // else saved meanwhile) or a 422 answers the component with both texts: it is swapped in.
  function schedule(form, ms) {
    var id = form.id;
    clearTimeout(schedule.timers[id]);
    schedule.timers[id] = setTimeout(function () {
      var live = document.getElementById(id);
      if (live && live._unsaved) save(live, true);
    }, ms);
  }
  schedule.timers = {};
  var saving = 0;
  var moving = 0;  // stage moves saving their texts before they are sent

  // The component answered to a request made here (not through htmx): swapped in, then the
  // same restoring and focusing as after an htmx swap, back into the text being typed.
  function swapRunner(html, formId, status) {
    var form = formId && document.getElementById(formId);
    var active = document.activeElement;
    var fieldName = form && active && active.form === form ? active.name : null;
    var stage = theRunner().dataset.stage;
    htmx.swap(theRunner(), html, { swapStyle: "outerHTML" });
    afterRunnerSwap({ stage: stage, status: status, formId: formId, fieldName: fieldName });
  }

  function save(form, automatic) {
    if (form._saving) { form._again = true; return form._saving; }
    var fields = textOf(form);
    var required = fields.some(function (el) { return el.required && !el.value.trim(); });
    if (automatic && required) { unsaved(form); return Promise.resolve(false); }
    var sent = fields.map(function (el) { return el.value; });
    var body = new URLSearchParams(new FormData(form));
    body.set("client_key", uuid());
    body.set("autosave", "1");
    body.set("view", viewName());
    setState(form, word("saving"), "saving");
    saving += 1;
    var formId = form.id;
    form._saving = fetch(form.getAttribute("action"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                 "X-CSRFToken": csrf ? csrf.content : "" },
      body: body.toString()
    }).then(function (response) {
      var live = document.getElementById(formId) || form;
      if (response.ok) {
        return response.json().then(function (answer) {
          var input = baseInput(live);
          if (input) input.value = answer.base;
          var still = textOf(live).map(function (el) { return el.value; });
          if (still.join("\u0000") === sent.join("\u0000")) {
            clearDrafts(live);
            textOf(live).forEach(function (el) { el.defaultValue = el.value; });
            showSaved(live, answer.saved_at);
            return true;
          }
          // Typed on while it was saving: the rest goes with the next save, from the new base.
          store(draftKey(live, "#base"), answer.base);
          unsaved(live);
          schedule(live, AUTOSAVE_MS);
          return true;
        });
      }
      if (response.status === 409 || response.status === 422) {
        forgetDraftBase(live); // the answer shows the saved text and carries its base
        var status = response.status;
        return response.text().then(function (html) {
          swapRunner(html, formId, status);
          var again = document.getElementById(formId);
          if (again) unsaved(again);
          return false;
        });
      }
      throw new Error("server " + response.status);
    }).catch(function () {
      var live = document.getElementById(formId) || form;
      setState(live, word("offline"), "unsaved");
      live._unsaved = true;
      schedule(live, RETRY_MS);
      return false;
    }).then(function (ok) {
      saving -= 1;
      form._saving = null;
      var live = document.getElementById(formId);
      if (live && live !== form) live._saving = null;
      if (form._again && live && live._unsaved) { form._again = false; return save(live, true); }
      form._again = false;
      return ok;
    });
    return form._saving;
  }

  function unsavedForms() {
    return Array.prototype.filter.call(document.querySelectorAll("#runner form[data-runner-form][id]"),
      function (form) { return isTextForm(form) && (form._unsaved || form._saving); });
  }
  function saveAll() {
    var forms = unsavedForms();
    return forms.reduce(function (chain, form) {
      return chain.then(function (ok) {
        if (!ok) return false;
        if (form._saving) return form._saving.then(function () { return !form._unsaved; });
        return save(form, false);
      });
    }, Promise.resolve(true));
  }

  // «Lưu», Enter: the same save, in place (no swap, the caret stays, «Đã lưu hh:mm:ss»).
  // A stage move («Chuyển bước tiếp theo», Alt+N, «Bế mạc»): every text is saved first, and
  // a petition typed but not recorded is recorded first (or the move waits).
  document.addEventListener("htmx:confirm", function (evt) {
    // The console's poll waits while something here is typed or unsaved (a check in this
    // file, not an hx-trigger filter: the strict CSP allows no eval).
    if (evt.detail.elt && evt.detail.elt.hasAttribute && evt.detail.elt.hasAttribute("data-poll-when-idle")) {
      if (!window.runnerIdle()) evt.preventDefault();
      return;
    }
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-runner-form]");
    if (!form) return;
    if (isTextForm(form) && evt.detail.verb === "post") {
      evt.preventDefault();
      clearTimeout(schedule.timers[form.id]);
      save(form, false);
      return;
    }
    if (!form.hasAttribute("data-stage-move")) return;
    evt.preventDefault();
    var floor = document.getElementById("floor-form");
    var content = floor && floor.querySelector("textarea");
    var first = Promise.resolve(true);
    if (content && content.value.trim()) {
      if (!window.confirm(word("recordFirst"))) {
        content.focus();
        return;
      }
      first = record(floor);
    }
    // From here until the move's request has left, no refresh is fetched or swapped in: it
    // would replace the form being moved from under it (then live.js holds them back).
    moving += 1;
    first.then(function (ok) { return ok && saveAll(); })
      .catch(function () { return false; })
      .then(function (ok) {
        moving -= 1;
        if (ok && document.body.contains(form)) { evt.detail.issueRequest(); return; }
        if (ok) {
          // The component was swapped meanwhile (the petition recorded): the same move, anew.
          var again = document.querySelector('#runner form[data-stage-move][action="' + form.getAttribute("action") + '"]');
          if (again) { again.requestSubmit(again.querySelector("button")); return; }
        }
        say(word("notMoved"));
      });
  });

  // A creating form posted before a move (the floor petition): its answer is the component.
  function record(form) {
    var body = new URLSearchParams(new FormData(form));
    body.set("client_key", form._clientKey || (form._clientKey = uuid()));
    body.set("view", viewName());
    return fetch(form.getAttribute("action"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                 "X-CSRFToken": csrf ? csrf.content : "" },
      body: body.toString()
    }).then(function (response) {
      return response.text().then(function (html) {
        if (response.ok) clearDrafts(form);
        if (response.ok || response.status === 409 || response.status === 422) swapRunner(html, form.id, response.status);
        if (!response.ok && response.status !== 409 && response.status !== 422) throw new Error("server");
        return response.ok;
      });
    }).catch(function () { return false; });
  }

  // Leaving with a text not saved (or an action still waiting) asks first.
  window.addEventListener("beforeunload", function (evt) {
    if (unsavedForms().length || draftsLeft() || pendingCount() || saving) {
      evt.preventDefault();
      evt.returnValue = "";
    }
  });

  // ---- polling must not replace a form the user is typing in -----------------------------
  function typing() {
    var active = document.activeElement;
    if (!active || !active.closest || !active.closest("#runner form")) return false;
    if (active.tagName === "SELECT") return true;
    return isText(active) && active.value !== active.defaultValue;
  }
  window.runnerIdle = function () {
    return !typing() && !unsavedForms().length && !saving && !moving && pendingCount() === 0 &&
      !draftsLeft();
  };

  // ---- one key per action, so a retried request is applied once --------------------------
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
        htmx.ajax("GET", location.pathname + location.search, { target: "#runner", swap: "outerHTML" });
      }
    }).catch(function () { showPending(); });
  }
  setInterval(flush, RETRY_MS);
  showPending();
  flush();

  // ---- focus: after every swap, where the next keystroke belongs -------------------------
  // The stage's own place: its text, or its next action.
  function stageTargets() {
    var r = theRunner();
    var stage = r ? r.dataset.stage : "";
    var order = {
      "": ["#open-meeting", "#amendment-form select", "#conclusion-text"],
      opening: ["#opening-text", "#next-stage"],
      briefing: ["#briefing-text", "#next-stage"],
      discussion: ["#sp-name", "#next-speaker"],
      assignment: [".assign-form select", "#next-stage"],
      conclusion: ["#conclusion", "#save-conclusion", "#close-meeting"]
    }[stage] || ["#next-stage"];
    if (stage === "discussion" && $("#runner #queue .sp-queued")) order = ["#next-speaker", "#sp-name"];
    if (r && r.querySelector("#amendment-form")) order = ["#amendment-form select"];
    var found = [];
    order.concat(["button", "a[href]"]).forEach(function (selector) {
      each("#runner " + selector, function (el) { if (visible(el)) found.push(el); });
    });
    return found;
  }
  // The first of the stage's places that takes the focus (a select that a picker hides
  // does not, nor anything in a closed <details>).
  function stageTarget() {
    var found = stageTargets();
    for (var i = 0; i < found.length; i++) {
      if (put(found[i])) return found[i];
    }
    return null;
  }
  function visible(el) { return !el.disabled && el.getClientRects().length > 0 && !el.closest("details:not([open]) > :not(summary)"); }
  // Whatever swapped what: once it has settled, the focus is never left on the page itself.
  document.addEventListener("htmx:afterSettle", function () {
    if (theRunner() && (!document.activeElement || document.activeElement === document.body)) stageTarget();
  });
  function put(el, caret) {
    if (!el) return false;
    el.focus({ preventScroll: false });
    if (isText(el) && el.setSelectionRange && el.type !== "number") {
      var at = caret === undefined || caret === null ? el.value.length : Math.min(caret, el.value.length);
      try { el.setSelectionRange(at, at); } catch (e) { /* not every input has a caret */ }
    }
    return document.activeElement === el;
  }
  function firstField(form) {
    return Array.prototype.find.call(form.elements, function (el) {
      return (isText(el) || el.tagName === "SELECT") && !el.disabled && el.offsetParent !== null;
    });
  }
  var before = {};
  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (!evt.detail.target || evt.detail.target.id !== "runner") return;
    var config = evt.detail.requestConfig || {};
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    var elt = config.elt;
    var form = elt && elt.closest && elt.closest("form[data-runner-form]");
    if (!form && config.verb === "get" &&
        (!window.runnerIdle() || (window.liveFormSending && window.liveFormSending()))) {
      // Typing began while the refresh was on its way, or an action left since: the action's
      // answer is the newer frame, and its form must stay in place to receive it. The
      // refresh is fetched again at the next tick.
      evt.detail.shouldSwap = false;
      if (window.liveHeldBack) window.liveHeldBack(elt);
      return;
    }
    var active = document.activeElement;
    var submitter = config.triggeringEvent && config.triggeringEvent.submitter;
    before = {
      stage: theRunner().dataset.stage,
      status: status,
      poll: !form,
      formId: form ? form.id : null,
      submitterId: submitter && submitter.id ? submitter.id : null,
      activeId: active && active !== document.body && active.id ? active.id : null,
      caret: active && isText(active) ? active.selectionStart : null
    };
    // A saved form's drafts are gone for good, so the swap that follows must not restore them.
    if (form) {
      if (status >= 200 && status < 300) { clearDrafts(form); form._clientKey = null; }
      if (status === 409 || status === 422) { form._clientKey = null; forgetDraftBase(form); }
    }
  });
  function placeFocus(info) {
    var r = theRunner();
    var bad = r.querySelector('[aria-invalid="true"]');
    if (info.status === 422 && bad) return put(bad);
    if ((info.status === 409 || info.status === 422) && info.formId) {
      var conflicted = document.getElementById(info.formId);
      var field = conflicted && (info.fieldName ? conflicted.elements[info.fieldName] : null);
      if (conflicted && put(field || conflicted.querySelector("textarea") || firstField(conflicted))) return true;
    }
    if (info.poll) {
      // A refresh from the server: the focus stays where it was, the caret too.
      if (info.activeId) put(document.getElementById(info.activeId), info.caret);
      return true;
    }
    if (info.stage !== r.dataset.stage) return stageTarget();
    if (info.submitterId && put(document.getElementById(info.submitterId))) return true;
    if (info.formId) {
      var again = document.getElementById(info.formId);
      if (again && put(firstField(again))) return true;
    }
    if (info.activeId && put(document.getElementById(info.activeId), info.caret)) return true;
    return stageTarget();
  }
  function afterRunnerSwap(info) {
    var r = theRunner();
    restoreDrafts(r);
    initStates(r);
    placeFocus(info);
  }
  document.addEventListener("htmx:afterSwap", function (evt) {
    var target = evt.detail.target;
    if (target && target.id === "runner") { afterRunnerSwap(before); return; }
    // A part of the runner swapped on its own (a petition's disposition): the focus stays in
    // that part if it is still there, or goes to the stage's next place; never to the page.
    var lost = !document.activeElement || document.activeElement === document.body;
    if (!lost || !theRunner()) return;
    var inside = target && document.body.contains(target) &&
      target.querySelector("textarea, input:not([type=hidden]), select, button, a[href]");
    if (!put(inside)) stageTarget();
  });

  // ---- keyboard shortcuts ----------------------------------------------------------------
  function click(id) { var el = document.getElementById(id); if (el) { el.click(); return true; } return false; }
  function focus(selector) { var el = $(selector); return put(el); }
  document.addEventListener("keydown", function (evt) {
    if (!evt.altKey || evt.ctrlKey || evt.metaKey) return;
    var key = evt.key.toLowerCase(), done = false;
    if (key === "n") done = click("next-stage");
    else if (key === "s") done = click("next-speaker");
    else if (key === "t") done = click("stop-speaker");
    else if (key === "g") done = click("pause-speaker");
    else if (key === "l") done = focus("#sp-name");
    else if (key === "p") done = focus("#floor-form textarea");
    else if (key === "a") done = focus(".assign-form select");
    else if (key === "k") done = stageTarget();
    if (done) evt.preventDefault();
  });

  // ---- on load ---------------------------------------------------------------------------
  restoreDrafts(runner);
  initStates(runner);
  if (!document.activeElement || document.activeElement === document.body) stageTarget();
})();
