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
placeholder and filled in per reader (a visitor's page has no form, and no token). Entries
expire after ``PAGE_CACHE_SECONDS`` (the "3 minutes ago" texts), like the visitors' page
cache, and 0 turns both off.

Thread listings do the same for each row (:class:`ThreadRowFragments`): a member's listing
differs from a visitor's only in the read marks.
"""
import hashlib

from flask import current_app, session
from markupsafe import Markup

from forum.extensions import cache

# Where a cached fragment holds the reader's CSRF token. NUL never reaches a post's text
# (forum/web.py refuses it), so it cannot collide with anything a member wrote.
TOKEN_PLACEHOLDER = "\x00csrf\x00"


class Fragments:
    """``fragment(item)`` for one page render, around a template's ``{% call %}`` block: the
    block's HTML from the cache under the item's key, or rendered and stored. Every key is
    looked up in one cache read when the page starts. Items without a key are rendered."""

    prefix = "fragment"

    def __init__(self, items, token: str = ""):
        self.token = token
        self.timeout = current_app.config["PAGE_CACHE_SECONDS"]
        self.ids = [item.id for item in items]
        self.keys: dict[int, str] = {}
        self.found: dict[str, str] = {}
        if not self.timeout or "_flashes" in session:
            return
        for item in items:
            parts = self.key_parts(item)
            if parts is not None:
                self.keys[item.id] = f"{self.prefix}:" + hashlib.blake2b(
                    repr(parts).encode(), digest_size=16).hexdigest()
        found = cache.get_many(*self.keys.values()) if self.keys else []
        self.found = {key: html for key, html in zip(self.keys.values(), found)
                      if html is not None}

    def key_parts(self, item) -> tuple | None:
        """Every input of the item's HTML; None: render it afresh each time."""
        raise NotImplementedError

    def missing(self) -> list[int]:
        """The items whose HTML must be rendered: not in the cache, or not to be cached."""
        return [item_id for item_id in self.ids if self.keys.get(item_id) not in self.found]

    def __call__(self, item, caller) -> Markup:
        key = self.keys.get(item.id)
        if key is None:
            return Markup(caller())
        html = self.found.get(key)
        if html is None:
            html = str(caller())
            stored = html.replace(self.token, TOKEN_PLACEHOLDER) if self.token else html
            cache.set(key, stored, timeout=self.timeout)
            return Markup(html)
        return Markup(html.replace(TOKEN_PLACEHOLDER, self.token) if self.token else html)


class PostFragments(Fragments):
    """``post_fragment(post)`` on the thread page.

    ``posts`` may be plain rows (forum.threads.queries.PostRow): the key reads only what they
    hold, and only the posts :meth:`missing` names need loading as objects to be rendered."""

    prefix = "post"

    def __init__(self, thread, page: int, posts, viewer, stats: dict, closed: bool,
                 token: str, mentions: dict):
        signed_in = bool(viewer is not None and viewer.is_authenticated)
        self.reader_id = viewer.id if signed_in else None
        self.reader = (signed_in, viewer.role if signed_in else None,
                       bool(signed_in and viewer.is_suspended))
        self.thread, self.stats, self.mentions = thread, stats, mentions
        self.page_part = (thread.id, thread.revision, thread.accepted_post_id, thread.author_id,
                          closed, page)
        super().__init__(posts, token)

    def key_parts(self, post) -> tuple | None:
        if self.mentions.get(post.id):
            return None  # the reader's own notified sites, and how that went: always fresh
        author = post.author
        s = self.stats[post.id]
        return (
            self.page_part,
            (post.id, post.version, post.position, post.hidden_at, post.edited_at,
             author.id, author.username, author.role, author.is_deleted, author.is_suspended),
            (s.helpful, s.shares, s.author_score, s.marked, s.shared),
            (*self.reader, self.reader_id == post.author_id,
             self.reader_id == self.thread.author_id),
        )


class ThreadRowFragments(Fragments):
    """``row_fragment(thread)`` in thread listings (``thread_list`` in _macros.html): a row
    differs between readers only in the reader's read mark ("3 new")."""

    prefix = "row"

    def __init__(self, threads, reading: dict):
        self.reading = reading
        super().__init__(threads)

    def key_parts(self, thread) -> tuple:
        mark = self.reading.get(thread.id)
        return (thread.id, thread.revision, thread.is_closed, thread.pinned, thread.title,
                thread.slug, thread.reply_count, thread.last_activity_at, thread.created_at,
                thread.author.id, thread.author.username, thread.author.is_deleted,
                thread.category.slug, thread.category.name, tuple(t.name for t in thread.tags),
                None if mark is None else (mark.position, mark.new))
