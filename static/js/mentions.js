/* Name suggestions for @mentions in post forms: type "@ad" and pick "ada".
   Progressive enhancement: a list of buttons under the text area, filled from
   GET /mentions/suggest?q=...; arrow keys move, Enter or Tab picks, Escape closes. */
(function () {
  "use strict";

  var url = "/mentions/suggest";
  var NAME_BEFORE_CURSOR = /(^|[^\w@\/.-])@([A-Za-z0-9_-]{1,32})$/;

  function setUp(textarea) {
    var list = document.createElement("ul");
    list.className = "mention-suggestions";
    list.id = (textarea.id || "body") + "-mentions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Members to mention");
    list.hidden = true;
    textarea.insertAdjacentElement("afterend", list);
    textarea.setAttribute("aria-controls", list.id);
    textarea.setAttribute("aria-autocomplete", "list");
    var active = -1;
    var asked = "";
    var pending = null;

    function typed() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = NAME_BEFORE_CURSOR.exec(before);
      return match ? match[2] : null;
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      for (var i = 0; i < items.length; i++) {
        items[i].setAttribute("aria-selected", i === active ? "true" : "false");
      }
      textarea.setAttribute("aria-activedescendant", items[active].id);
    }

    function pick(name) {
      var cursor = textarea.selectionStart;
      var before = textarea.value.slice(0, cursor).replace(/@[A-Za-z0-9_-]*$/, "@" + name + " ");
      textarea.value = before + textarea.value.slice(cursor);
      textarea.selectionStart = textarea.selectionEnd = before.length;
      close();
      textarea.focus();
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function render(names) {
      list.textContent = "";
      if (!names.length) { close(); return; }
      names.forEach(function (name, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = "@" + name;
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(name);
        });
        list.appendChild(item);
      });
      list.hidden = false;
      highlight(0);
    }

    function suggest() {
      var name = typed();
      if (!name) { close(); return; }
      if (name === asked) return;
      asked = name;
      clearTimeout(pending);
      pending = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(name), { credentials: "same-origin",
                                                       headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { members: [] }; })
          .then(function (data) { if (typed() === name) render(data.members || []); })
          .catch(close);
      }, 120);
    }

    textarea.addEventListener("input", function () { asked = asked && typed() === asked ? asked : ""; suggest(); });
    textarea.addEventListener("blur", function () { setTimeout(close, 150); });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { event.preventDefault(); close(); }
      else if (event.key === "Enter" || event.key === "Tab") {
        var chosen = list.querySelectorAll("[role=option]")[active];
        if (chosen) { event.preventDefault(); pick(chosen.textContent.slice(1)); }
      }
    });
  }

  document.querySelectorAll("form textarea[name=body]").forEach(setUp);
})();
