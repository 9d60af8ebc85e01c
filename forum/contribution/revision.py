"""The contribution revision: one value, kept where the cache is (Redis when configured, else
this process's memory), that changes whenever a committed write changes the ledger, the
member scores or who follows whom.

Thread pages key their cached copies on the thread's own revision (forum/pagecache.py). The
leaderboard and profiles show what the ledger holds instead, and a rank moves whenever any
member's score does, so they key on this value. It is set after the commit, never before:
a page rendered meanwhile from the older data can only be stored under the older value, which
nobody asks for again. Should a process die between its commit and the new value, the page
cache's own expiry (``PAGE_CACHE_SECONDS``) bounds how long the old page is served.

The writers say so with :func:`changed` in their transaction (forum/contribution/ledger.py
for every event and score, forum/contribution/services.py for follows); :func:`init_app`
installs the after-commit step that sets the new value.
"""
import uuid

from sqlalchemy import event

from forum.extensions import cache, db

KEY = "forum:contribution-revision"
CHANGED = "contribution_changed"


def changed() -> None:
    """This transaction changes what the leaderboard or a profile shows."""
    db.session.info[CHANGED] = True


def current() -> str:
    """The revision now (a constant until the first change the cache has seen)."""
    return cache.get(KEY) or "0"


def _after_commit(session) -> None:
    if session.info.pop(CHANGED, False):
        cache.set(KEY, uuid.uuid4().hex, timeout=0)


def _after_rollback(session) -> None:
    session.info.pop(CHANGED, None)


def init_app(app) -> None:
    for name, step in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(db.session, name, step):
            event.listen(db.session, name, step)
