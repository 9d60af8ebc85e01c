"""Each post's HTML on a thread page, rendered once and shared by every reader who would see
it the same way.

A member's thread page is a fresh render (their marks, their tools), but most of it is the
same for every member: fifty posts whose HTML differs between two readers only in what the
post templates ask of the reader. So ``threads/thread.html`` wraps each post in
``{% call post_fragment(post) %}`` and this module keeps the result in the cache (Redis when
configured, else this process's memory) under a key made of *every input those templates
read*:

- the post and its thread as they are now: ids, the post's version, hidden and edited state,
  its author's name, role and standing, the thread's page-cache revision (raised by every
  write a thread page shows, see forum/pagecache.py), the accepted reply, the closed state
  and the page the post is shown on;
- the post's counts (helpful, shares, the author's score) and whether this reader marked or
  shared it;
- the reader's position, never their identity: signed in or not, role, suspended or not,
  whether they wrote the post or the thread.

The permission checks of forum/permissions.py are functions of exactly these, so two readers
with the same key see the same HTML. A post showing the reader's own outgoing mentions, and a
page with flashed messages, are rendered fresh. Each form's CSRF token is stored as a
placeholder and filled in per reader (a visitor's page has no form, and no token). Entries expire after ``PAGE_CACHE_SECONDS`` (the
"3 minutes ago" texts), like the visitors' page cache, and 0 turns both off.
"""
import hashlib

from flask import current_app, session
from markupsafe import Markup

from forum.extensions import cache

# Where a cached fragment holds the reader's CSRF token. NUL never reaches a post's text
# (forum/web.py refuses it), so it cannot collide with anything a member wrote.
TOKEN_PLACEHOLDER = "\x00csrf\x00"


class PostFragments:
    """``post_fragment(post)`` for one page render: looks every post up in one cache read.

    ``posts`` may be plain rows (forum.threads.queries.PostRow): the key reads only what they
    hold, and only the posts :meth:`missing` names need loading as objects to be rendered."""

    def __init__(self, thread, page: int, posts, viewer, stats: dict, closed: bool,
                 token: str, mentions: dict):
        self.token = token
        self.timeout = current_app.config["PAGE_CACHE_SECONDS"]
        self.keys: dict[int, str] = {}
        self.post_ids = [post.id for post in posts]
        if not self.timeout or "_flashes" in session:
            self.found: dict[str, str] = {}
            return
        signed_in = bool(viewer is not None and viewer.is_authenticated)
        reader = (signed_in, viewer.id if signed_in else None,
                  viewer.role if signed_in else None,
                  bool(signed_in and viewer.is_suspended))
        page_part = (thread.id, thread.revision, thread.accepted_post_id, thread.author_id,
                     closed, page)
        for post in posts:
            if mentions.get(post.id):
                continue
            author = post.author
            s = stats[post.id]
            parts = (
                page_part,
                (post.id, post.version, post.position, post.hidden_at, post.edited_at,
                 author.id, author.username, author.role, author.is_deleted, author.is_suspended),
                (s.helpful, s.shares, s.author_score, s.marked, s.shared),
                (reader[0], reader[2], reader[3], reader[1] == post.author_id,
                 reader[1] == thread.author_id),
            )
            self.keys[post.id] = "post:" + hashlib.blake2b(
                repr(parts).encode(), digest_size=16).hexdigest()
        found = cache.get_many(*self.keys.values()) if self.keys else []
        self.found = {key: html for key, html in zip(self.keys.values(), found)
                      if html is not None}

    def missing(self) -> list[int]:
        """The posts whose HTML must be rendered: not in the cache, or not to be cached."""
        return [post_id for post_id in self.post_ids
                if self.keys.get(post_id) not in self.found]

    def __call__(self, post, caller) -> Markup:
        key = self.keys.get(post.id)
        if key is None:
            return Markup(caller())
        html = self.found.get(key)
        if html is None:
            html = str(caller())
            stored = html.replace(self.token, TOKEN_PLACEHOLDER) if self.token else html
            cache.set(key, stored, timeout=self.timeout)
            return Markup(html)
        return Markup(html.replace(TOKEN_PLACEHOLDER, self.token) if self.token else html)
