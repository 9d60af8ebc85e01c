/* The bell: keeps the unread count in the header current without a reload.
   A conditional poll: GET the count with If-None-Match; an unchanged count is a 304 with no
   body (one indexed query on the server). Polls every 30 s (FORUM_NOTIFICATIONS_POLL_SECONDS) while the page is visible, at once
   when it becomes visible again, and backs off (up to 5 min) while the server is unreachable. */
(function () {
  "use strict";

  var bell = document.querySelector("a.bell[data-poll]");
  if (!bell || !window.fetch) return;
  var counter = bell.querySelector(".bell-count");
  var url = bell.getAttribute("data-poll");
  var every = parseInt(bell.getAttribute("data-every"), 10) || 30000;
  var wait = every;
  var etag = null;
  var timer = null;
  var baseTitle = document.title.replace(/^\(\d+\) /, "");

  function show(count) {
    counter.textContent = count > 0 ? String(count) : "";
    counter.setAttribute("data-count", String(count));
    bell.classList.toggle("has-unread", count > 0);
    bell.setAttribute("aria-label", "Notifications: " + count + " unread");
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
  }

  function later() {
    clearTimeout(timer);
    if (!document.hidden) timer = setTimeout(poll, wait);
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-cache" })
      .then(function (response) {
        if (response.status === 304) return null;
        if (!response.ok) throw new Error(String(response.status));
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) {
        if (data) show(data.unread);
        wait = every;
      })
      .catch(function () { wait = Math.min(wait * 2, 300000); })
      .then(later);
  }

  var initial = parseInt(counter.getAttribute("data-count"), 10) || 0;
  show(initial);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) poll(); else clearTimeout(timer);
  });
  bell.setAttribute("data-live", "on");
  later();
  window.forumBell = { poll: poll };
})();
