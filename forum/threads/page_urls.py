"""The addresses a page of posts links to, built once per page instead of once per post.

Building a URL through the routing map costs tens of microseconds; a thread page of 50 posts
built about 400 of them, an eighth of a member's render. The addresses that differ only by
post id share one pattern (the route built once with a stand-in id, then filled in by
string), and so do member addresses (usernames need no escaping).
"""
import re

from flask import url_for

# A stand-in id no post will have, and that no route's other parts contain.
_STAND_IN = 9_087_654_321
# Usernames as registration allows them: nothing a URL would escape, so a pattern fits them.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+")


class PageUrls:
    """``post(endpoint, post_id)``, ``member(endpoint, username)`` and ``quote(post_id)`` for one
    page of ``thread`` (its ``page``); each gives exactly what ``url_for`` would."""

    def __init__(self, thread, page: int):
        self._thread = thread
        self._page = page
        self._patterns: dict[str, tuple[str, str | None]] = {}

    def _pattern(self, key: str, build) -> tuple[str, str | None]:
        pattern = self._patterns.get(key)
        if pattern is None:
            head, found, tail = build(_STAND_IN).partition(str(_STAND_IN))
            pattern = self._patterns[key] = (head, tail) if found else (head, None)
        return pattern

    def post(self, endpoint: str, post_id: int) -> str:
        head, tail = self._pattern(endpoint, lambda stand_in: url_for(endpoint, post_id=stand_in))
        if tail is None:  # pragma: no cover (every post route takes the id in its path)
            return url_for(endpoint, post_id=post_id)
        return f"{head}{int(post_id)}{tail}"

    def quote(self, post_id: int) -> str:
        """The thread page with ``?quote=<post id>`` (the Quote item without JavaScript)."""
        thread, page = self._thread, self._page
        head, tail = self._pattern("quote", lambda stand_in: url_for(
            "threads.show_thread", thread_id=thread.id, slug=thread.slug,
            page=page if page > 1 else None, quote=stand_in, _anchor="respond"))
        return f"{head}{int(post_id)}{tail}"

    def member(self, endpoint: str, username: str) -> str:
        if _PLAIN_NAME.fullmatch(username):
            head, tail = self._pattern(endpoint, lambda stand_in: url_for(endpoint, username=stand_in))
            if tail is not None:
                return f"{head}{username}{tail}"
        return url_for(endpoint, username=username)
