// A small accessible combobox for multiple choices (WAI-ARIA combobox + listbox): a
// <select multiple data-picker> becomes a text box where one types part of a name, without
// diacritics if one likes («tai nguyen» finds «Sở Tài nguyên và Môi trường»), moves with
// ↑/↓, picks with Enter, and removes with Backspace or the chip's button. The select stays
// in the form (hidden) and is what is submitted.
// Also: in an assignment form, the fields follow the mode ([data-when-mode]).
(function () {
  "use strict";

  // The same folding as portal.text.fold: NFD, no combining marks, đ → d, lower case.
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  var counter = 0;

  function enhance(select) {
    if (select.dataset.pickerReady) return;
    select.dataset.pickerReady = "1";
    var id = select.id || ("picker-" + (++counter));
    var label = document.querySelector('label[for="' + id + '"]');
    var box = document.createElement("div");
    box.className = "picker";
    var chips = document.createElement("ul");
    chips.className = "picker-chips";
    chips.setAttribute("aria-label", (label ? label.textContent.trim() + ": " : "") + "đã chọn");
    var input = document.createElement("input");
    input.type = "text";
    input.className = "input picker-input";
    input.id = id + "-search";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-listbox");
    input.placeholder = "Gõ tên cơ quan…";
    var list = document.createElement("ul");
    list.className = "picker-list";
    list.id = id + "-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-multiselectable", "true");
    if (label) {
      label.setAttribute("for", input.id);
      label.id = label.id || (id + "-label");
      list.setAttribute("aria-labelledby", label.id);
    }
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.parentNode.insertBefore(box, select);
    box.appendChild(chips);
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(status);
    box.appendChild(select);

    var options = Array.prototype.map.call(select.options, function (option, i) {
      return { option: option, key: fold(option.text), id: id + "-opt-" + i };
    });
    var shown = [];
    var active = -1;

    function renderChips() {
      chips.textContent = "";
      options.forEach(function (o) {
        if (!o.option.selected) return;
        var li = document.createElement("li");
        li.className = "picker-chip";
        li.appendChild(document.createTextNode(o.option.text + " "));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "small";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Bỏ " + o.option.text);
        remove.addEventListener("click", function () {
          toggle(o);
          input.focus();
        });
        li.appendChild(remove);
        chips.appendChild(li);
      });
    }

    function open(query) {
      var words = fold(query).split(/\s+/).filter(Boolean);
      shown = options.filter(function (o) {
        return words.every(function (w) { return o.key.indexOf(w) !== -1; });
      });
      list.textContent = "";
      shown.forEach(function (o, i) {
        var li = document.createElement("li");
        li.id = o.id;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", o.option.selected ? "true" : "false");
        li.className = "picker-option" + (o.option.selected ? " selected" : "");
        li.textContent = (o.option.selected ? "✓ " : "") + o.option.text;
        li.addEventListener("mousedown", function (evt) { evt.preventDefault(); });
        li.addEventListener("click", function () { active = i; toggle(o); });
        list.appendChild(li);
      });
      list.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
      status.textContent = shown.length ? shown.length + " cơ quan phù hợp" : "Không có cơ quan phù hợp";
      setActive(shown.length ? Math.max(0, Math.min(active, shown.length - 1)) : -1);
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, n) {
        li.classList.toggle("active", n === i);
      });
      if (i >= 0 && list.children[i]) {
        input.setAttribute("aria-activedescendant", list.children[i].id);
        list.children[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function toggle(o) {
      o.option.selected = !o.option.selected;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      renderChips();
      status.textContent = (o.option.selected ? "Đã chọn " : "Đã bỏ ") + o.option.text;
      if (!list.hidden) open(input.value);
    }

    input.addEventListener("input", function () { active = 0; open(input.value); });
    input.addEventListener("focus", function () { open(input.value); });
    input.addEventListener("blur", function () { close(); });
    input.addEventListener("keydown", function (evt) {
      if (evt.key === "ArrowDown") {
        evt.preventDefault();
        if (list.hidden) open(input.value);
        else setActive(Math.min(active + 1, shown.length - 1));
      } else if (evt.key === "ArrowUp") {
        evt.preventDefault();
        setActive(Math.max(active - 1, 0));
      } else if (evt.key === "Enter") {
        if (!list.hidden && active >= 0 && shown[active]) {
          evt.preventDefault();  // picks, does not submit the form
          toggle(shown[active]);
          input.value = "";
          open("");
        }
      } else if (evt.key === "Escape") {
        if (!list.hidden) { evt.preventDefault(); close(); }
      } else if (evt.key === "Backspace" && !input.value) {
        var picked = options.filter(function (o) { return o.option.selected; });
        if (picked.length) toggle(picked[picked.length - 1]);
      }
    });
    renderChips();
    close();
  }

  // The assignment form: the deadline only in writing, the answer box only on the spot.
  function followMode(form) {
    var mode = form.querySelector("select[data-mode]");
    if (!mode) return;
    function apply() {
      Array.prototype.forEach.call(form.querySelectorAll("[data-when-mode]"), function (el) {
        el.hidden = el.getAttribute("data-when-mode") !== mode.value;
      });
    }
    if (!mode.dataset.followReady) {
      mode.dataset.followReady = "1";
      mode.addEventListener("change", apply);
    }
    apply();
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll("select[multiple][data-picker]"), enhance);
    Array.prototype.forEach.call(scope.querySelectorAll("form[data-assign-form]"), followMode);
  }

  if (window.htmx) htmx.onLoad(init);
  else document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
