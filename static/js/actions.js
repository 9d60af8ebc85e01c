/* Helpful marks, accepts, shares and follows without a page reload.
   Progressive enhancement: every action is a plain form that works without this script.
   Here each such form is sent with fetch, asking for JSON, and the page is updated from the
   answer: counts, the button's state, and the author's score wherever it is shown.
   Anything unexpected (no JSON, a network failure, a login needed) falls back to the form. */
(function () {
  "use strict";

  var LABELS = {
    helpful: ["Helpful", "Marked helpful"],
    accept: ["Accept", "Accepted"],
    share: ["Share", "Shared"],
    follow: ["Follow", "Following"]
  };

  function setState(form, on) {
    var button = form.querySelector("button");
    var label = form.querySelector("[data-label]");
    var action = form.getAttribute("data-action");
    button.classList.toggle("is-on", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    if (label && LABELS[action]) label.textContent = LABELS[action][on ? 1 : 0];
    if (action === "share") button.disabled = on;  // once per member and post
  }

  function setText(root, selector, value) {
    var nodes = root.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) {
      var one = nodes[i].getAttribute("data-one");  // "3 shares" rather than a bare number
      var words = one === null ? "" : (value === 1 ? one : nodes[i].getAttribute("data-many"));
      // A count of nothing is not shown ("Helpful", not "Helpful · 0"); scores always are.
      var hidden = value === 0 && nodes[i].hasAttribute("data-count");
      nodes[i].textContent = hidden ? "" : String(value) + words;
    }
  }

  function showAccepted(acceptedId) {
    var forms = document.querySelectorAll("form[data-action='accept']");
    for (var i = 0; i < forms.length; i++) {
      var footer = forms[i].closest("[data-post-id]");
      setState(forms[i], footer && footer.getAttribute("data-post-id") === String(acceptedId));
    }
    var posts = document.querySelectorAll("article.post[data-post-id]");
    for (var j = 0; j < posts.length; j++) {
      var on = posts[j].getAttribute("data-post-id") === String(acceptedId);
      posts[j].classList.toggle("accepted", on);
      var badge = posts[j].querySelector(".post-header .badge-accepted");
      if (on && !badge) {
        badge = document.createElement("span");
        badge.className = "badge badge-accepted";
        badge.textContent = "\u2713 Accepted answer";
        posts[j].querySelector(".post-header").appendChild(badge);
      } else if (!on && badge) {
        badge.remove();
      }
    }
  }

  function applyPost(form, data) {
    var footer = document.querySelector(".post-actions[data-post-id='" + data.post_id + "']");
    if (!footer) return;
    setText(footer, "[data-count='helpful']", data.counts.helpful);
    setText(footer, "[data-count='shares']", data.counts.shares);
    var helpful = footer.querySelector("form[data-action='helpful']");
    if (helpful) setState(helpful, data.state.marked);
    var share = footer.querySelector("form[data-action='share']");
    if (share) setState(share, data.state.shared);
    if (form.getAttribute("data-action") === "accept") showAccepted(data.accepted_post_id);
    var scores = data.scores || {};
    Object.keys(scores).forEach(function (username) {
      var selector = "[data-author-score='" + CSS.escape(username) + "'] [data-score]";
      setText(document, selector, scores[username]);
    });
  }

  function applyFollow(form, data) {
    setState(form, data.state.following);
    var n = data.counts.followers;
    setText(document, ".follow-counts .followers", n + (n === 1 ? " follower" : " followers"));
  }

  function say(form, message) {
    var box = form.parentNode.querySelector(".action-message");
    if (box) {
      box.textContent = message;
    } else {
      window.alert(message);
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-action]") || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {"Accept": "application/json", "X-Requested-With": "fetch"}
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.status === 401 || type.indexOf("application/json") === -1) {
        form.submit();  // let the plain form lead the way (log in, an error page)
        return;
      }
      return response.json().then(function (data) {
        button.disabled = false;
        if (!response.ok) {
          say(form, (data.error && data.error.message) || "That did not work.");
        } else if (form.getAttribute("data-action") === "follow") {
          applyFollow(form, data);
        } else {
          say(form, "");
          applyPost(form, data);
        }
      });
    }).catch(function () {
      form.submit();
    });
  });
})();
