/* Unsent drafts, kept in this browser: progressive enhancement only.
   Every form with data-draft="<name>" saves what is typed into it (localStorage, one entry per
   member, thread and form) and, when the page is opened again with the form empty, puts the
   draft back and says so, with a button to discard it. The server names the drafts it has
   stored in <meta name="forum-drafts-sent">, and those are cleared; a refused form
   (data-refused) already holds the member's text and keeps its draft. */
(function () {
  "use strict";

  var PREFIX = "forum:draft:";
  var storage;
  try {
    storage = window.localStorage;
    storage.setItem(PREFIX + "probe", "1");
    storage.removeItem(PREFIX + "probe");
  } catch (e) {
    return;  // storage is off (private mode, a policy): the forms work as before
  }

  var sent = document.querySelector("meta[name='forum-drafts-sent']");
  if (sent && sent.content) {
    sent.content.split(" ").forEach(function (name) {
      if (name) storage.removeItem(PREFIX + name);
    });
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(
      form.querySelectorAll("textarea[name], input[name], select[name]"),
      function (field) {
        return field.name !== "csrf_token" && field.type !== "submit" &&
          (field.type !== "hidden" || field.name === "version");
      });
  }

  function valuesOf(fields) {
    var values = {};
    fields.forEach(function (field) { values[field.name] = field.value; });
    return values;
  }

  function sameText(a, b, fields) {
    return fields.every(function (field) {
      return field.type === "hidden" || field.tagName === "SELECT" ||
        (a[field.name] || "") === (b[field.name] || "");
    });
  }

  function read(key) {
    try {
      var draft = JSON.parse(storage.getItem(key));
      return draft && typeof draft.values === "object" ? draft : null;
    } catch (e) {
      return null;
    }
  }

  function fill(fields, values) {
    fields.forEach(function (field) {
      if (Object.prototype.hasOwnProperty.call(values, field.name)) field.value = values[field.name];
    });
  }

  function note(form, text, onDiscard) {
    var box = document.createElement("div");
    box.className = "notice draft-note";
    box.setAttribute("role", "status");
    var message = document.createElement("span");
    message.textContent = text + " ";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = "Discard draft";
    button.addEventListener("click", function () {
      onDiscard();
      box.remove();
    });
    box.appendChild(message);
    box.appendChild(button);
    form.insertBefore(box, form.firstChild);
  }

  function setUp(form) {
    var key = PREFIX + form.getAttribute("data-draft");
    var fields = fieldsOf(form);
    var refused = form.hasAttribute("data-refused");
    // What the form holds when nothing is drafted: an edit's current text, else nothing. A
    // refused form came back holding the member's text, which is all draft.
    var original = refused ? {} : valuesOf(fields);
    var draft = read(key);

    if (refused) {
      storage.setItem(key, JSON.stringify({values: valuesOf(fields), saved: Date.now()}));
    } else if (draft && !sameText(draft.values, original, fields)) {
      fill(fields, draft.values);
      var when = new Date(draft.saved || Date.now());
      note(form, "Your unsent draft from " + when.toLocaleString() + " is back.", function () {
        fill(fields, original);
        storage.removeItem(key);
      });
    }

    var timer = null;
    function save() {
      timer = null;
      var values = valuesOf(fields);
      if (sameText(values, original, fields)) {
        storage.removeItem(key);
      } else {
        storage.setItem(key, JSON.stringify({values: values, saved: Date.now()}));
      }
    }
    form.addEventListener("input", function () {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(save, 300);
    });
    // Leaving the page (or sending the form) saves at once, whatever the timer.
    window.addEventListener("pagehide", function () { if (timer) save(); });
    form.addEventListener("submit", function () { if (timer) window.clearTimeout(timer); save(); });

    var discard = form.querySelectorAll("[data-discard-draft]");
    for (var i = 0; i < discard.length; i++) {
      discard[i].addEventListener("click", function () { storage.removeItem(key); });
    }
  }

  var forms = document.querySelectorAll("form[data-draft]");
  for (var i = 0; i < forms.length; i++) setUp(forms[i]);
})();
