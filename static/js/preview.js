/* Markdown preview for post forms: progressive enhancement only.
   Without JavaScript the form posts as usual; with it, a "Preview" button shows the text as the
   forum will render it (the server's own sanitized HTML from POST /preview; nothing is stored). */
(function () {
  "use strict";

  function setUp(form) {
    var textarea = form.querySelector("textarea[name=body]");
    var url = form.getAttribute("data-preview-url");
    if (!textarea || !url) return;
    var submit = form.querySelector("[type=submit]");

    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary preview-button";
    button.textContent = "Preview";
    button.setAttribute("aria-controls", textarea.id + "-preview");

    var panel = document.createElement("section");
    panel.className = "preview";
    panel.id = textarea.id + "-preview";
    panel.hidden = true;
    panel.setAttribute("aria-live", "polite");
    panel.setAttribute("aria-label", "Preview");
    var heading = document.createElement("p");
    heading.className = "preview-label";
    heading.textContent = "Preview";
    var content = document.createElement("div");
    content.className = "post-body preview-body";
    panel.appendChild(heading);
    panel.appendChild(content);

    var field = textarea.closest(".field") || textarea;
    field.parentNode.insertBefore(panel, field.nextSibling);
    if (submit) submit.parentNode.insertBefore(button, submit.nextSibling);
    else form.appendChild(button);

    // Once the text changes, say the preview shows an older version of it.
    textarea.addEventListener("input", function () {
      if (!panel.hidden) {
        panel.classList.add("preview-stale");
        heading.textContent = "Preview (of an earlier version: press Preview again)";
      }
    });

    button.addEventListener("click", function () {
      var data = new FormData();
      data.append("body", textarea.value);
      var token = form.querySelector("input[name=csrf_token]");
      if (token) data.append("csrf_token", token.value);
      button.disabled = true;
      panel.hidden = false;
      panel.classList.remove("preview-error", "preview-stale");
      heading.textContent = "Preview";
      content.textContent = "Rendering…";
      fetch(url, { method: "POST", body: data, credentials: "same-origin",
                   headers: { "Accept": "application/json" } })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (json) {
            if (response.ok && typeof json.html === "string") {
              content.innerHTML = json.html;  // sanitized by the server's one renderer
            } else {
              panel.classList.add("preview-error");
              content.textContent = (json.error && json.error.message) ||
                "The preview could not be made. Your text is still here.";
            }
          });
        })
        .catch(function () {
          panel.classList.add("preview-error");
          content.textContent = "The preview could not be made. Your text is still here.";
        })
        .then(function () { button.disabled = false; });
    });
  }

  var forms = document.querySelectorAll("form[data-preview-url]");
  for (var i = 0; i < forms.length; i++) setUp(forms[i]);
})();
