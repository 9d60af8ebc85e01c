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
import time
import uuid

from flask import current_app
from sqlalchemy import event

from forum.extensions import cache, db

KEY = "forum:contribution-revision"
CHANGED = "contribution_changed"


def changed() -> None:
    """This transaction changes what the leaderboard or a profile shows."""
    db.session.info[CHANGED] = True


# What this process read last, per app, and until when it may reuse it:
# {app: (monotonic deadline, value)}.
_remembered: dict[int, tuple[float, str]] = {}


def current() -> str:
    """The revision now (a constant until the first change the cache has seen).

    Like the page cache's other validators (``forum.database.read_validator``), a value read
    from a shared cache is reused for ``VALIDATOR_SECONDS``: this process's own changes are
    seen at once, another process's within that time.
    """
    seconds = current_app.config["VALIDATOR_SECONDS"]
    now = time.monotonic()
    app = id(current_app._get_current_object())  # type: ignore[attr-defined]
    remembered = _remembered.get(app)
    if seconds and remembered is not None and remembered[0] > now:
        return remembered[1]
    value = cache.get(KEY) or "0"
    _remembered[app] = (now + seconds, value)
    return value


def _after_commit(session) -> None:
    if session.info.pop(CHANGED, False):
        cache.set(KEY, uuid.uuid4().hex, timeout=0)
        _remembered.clear()


def _after_rollback(session) -> None:
    session.info.pop(CHANGED, None)


def init_app(app) -> None:
    for name, step in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(db.session, name, step):
            event.listen(db.session, name, step)
