// Site-wide htmx settings. Loaded after htmx (both deferred, in order).
(function () {
  "use strict";
  // Swap validation (422) and conflict (409) answers: they carry the form with its errors.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "304", swap: false },
    { code: "[23]..", swap: true },
    { code: "409", swap: true, error: false },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];
  // Redirects answered with HX-Redirect must not leave a stale page in history.
  htmx.config.historyCacheSize = 0;

  var status = document.getElementById("net-status");
  function show(message) {
    if (!status) return;
    status.textContent = message;
    status.hidden = !message;
  }
  // A request that never reached the server leaves the typed text in place and says so.
  document.body.addEventListener("htmx:sendError", function () {
    show("Mất kết nối tới máy chủ: nội dung chưa được lưu, vẫn còn trên trang.");
  });
  // The server's own words when it sent them (the 503 of a database restart says the data
  // is safe and to try again); the typed text is never swapped away.
  function messageOf(xhr) {
    if (!xhr || !xhr.responseText) return "";
    var parsed = new DOMParser().parseFromString(xhr.responseText, "text/html");  // inert
    var found = parsed.querySelector(".error-message, .error-page p");
    return found ? found.textContent.trim() : "";
  }
  document.body.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr, code = xhr ? xhr.status : "";
    show(messageOf(xhr) || ("Máy chủ báo lỗi (" + code + "): nội dung chưa được lưu, vẫn còn trên trang."));
  });
  document.body.addEventListener("htmx:afterRequest", function (evt) {
    if (evt.detail.successful) show("");
  });
  // After a form comes back with errors, put the focus on the first field to fix.
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    if (status !== 422) return;
    var bad = document.querySelector('[aria-invalid="true"]');
    if (bad) bad.focus();
  });
  // A form that asks first (post_button(confirm=…)): no inline handler, so the strict CSP holds.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);
  // A reply template chosen from its list fills the text box, which stays editable.
  document.addEventListener("change", function (evt) {
    var select = evt.target;
    if (!select.dataset || !select.dataset.fill) return;
    var option = select.options[select.selectedIndex];
    var box = document.getElementById(select.dataset.fill);
    if (!box || !option || !option.dataset.text) return;
    box.value = option.dataset.text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  });
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("[data-print]")) window.print();
  });
})();
