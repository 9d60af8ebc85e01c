"""Rendered pages for anonymous readers, kept until what they show changes.

Most readers are not logged in, and they all see the same thread page. So a GET from a
visitor is answered from the cache (Flask-Caching: Redis when ``FORUM_REDIS_URL`` is set,
else this process's memory) under a key that holds a *validator*: one tiny query for the
thread's ``revision`` and its closed state, or for the newest revision of any thread on
listing pages. Members get a fresh render, with their own marks and forms.

Every thread carries ``revision``, a microsecond timestamp raised whenever anything the
thread page shows is written: the thread row, its posts, helpful marks, shares and links to
it. Raising it is an explicit step of each service that writes such a thing
(:func:`bump_thread`, taken with the thread's lock, see ``forum/locking.py``). Because revisions
are timestamps, the newest revision of all threads changes with every such write, which is
what listing pages key on. The validators are read from the database, and a process reuses
one it read within the last ``VALIDATOR_SECONDS`` (forgotten at once when it writes a new
revision itself): a busy page costs no query at all, and another process's write shows within
that second.

The closed state is computed at read time (auto-close happens with the calendar), and
entries expire after ``PAGE_CACHE_SECONDS`` so that "3 minutes ago" stays roughly true.
"""
import hashlib
from collections.abc import Callable

from flask import abort, current_app, make_response, request, session
from flask_login import current_user
from sqlalchemy import bindparam, case, func, select, update
from werkzeug.wrappers import Response

from forum.database import read_validator
from forum.extensions import cache, db
from forum.threads.models import Category, Thread, closed_state, new_revision
from forum.timeutil import utcnow

# Headers a cached page keeps; cookies and the like belong to the request that rendered it.
KEPT_HEADERS = frozenset({"content-type", "link", "x-pingback", "cache-control"})


def anonymous_read() -> bool:
    """Whether this request may be answered with the page every visitor sees."""
    if request.method not in ("GET", "HEAD") or not current_app.config["PAGE_CACHE_SECONDS"]:
        return False
    return not current_user.is_authenticated and "_flashes" not in session


def serve(validator: Callable[[], str], render: Callable[[], object]) -> Response:
    """``render()`` for members; for visitors, the cached page while ``validator()`` holds.

    ``validator`` runs only for visitors; it returns the part of the cache key that changes
    whenever the page would (it may abort, e.g. with a 404). Only 200 answers are kept. The
    key holds the host, the path and ``?page=``: other query arguments must not change the page.
    """
    if not anonymous_read():
        return make_response(render())
    key = "page:" + hashlib.blake2b(
        f"{request.host}{request.path}?{request.args.get('page', '1')}|{validator()}"
        .encode(), digest_size=16).hexdigest()
    hit = cache.get(key)
    if hit is not None:
        headers, body = hit
        return Response(body, 200, headers)
    response = make_response(render())
    if response.status_code == 200 and not response.direct_passthrough:
        headers = [(k, v) for k, v in response.headers.items() if k.lower() in KEPT_HEADERS]
        cache.set(key, (headers, response.get_data()),
                  timeout=current_app.config["PAGE_CACHE_SECONDS"])
    return response


THREAD_STATE = None


def thread_validator(thread_id: int) -> str:
    """The thread's revision and closed state now, in one query; 404 when it is gone."""
    global THREAD_STATE
    if THREAD_STATE is None:  # built once: this runs on every visitor's request
        THREAD_STATE = (
            select(Thread.revision, Thread.closed_at, Thread.closed_reason,
                   Thread.last_activity_at, Category.auto_close_days)
            .join(Category, Category.id == Thread.category_id)
            .where(Thread.id == bindparam("thread_id"), Thread.deleted_at.is_(None)))
    rows = read_validator(THREAD_STATE, {"thread_id": thread_id})
    if not rows:
        abort(404, "There is no such thread.")
    row = rows[0]
    closed, reason = closed_state(row.closed_at, row.closed_reason, row.last_activity_at,
                                  row.auto_close_days, utcnow())
    return f"{row.revision}:{int(closed)}:{reason or ''}"


LISTING_STATE = None


def listing_validator() -> str:
    """For pages that list threads and categories: the newest revision of any thread."""
    global LISTING_STATE
    if LISTING_STATE is None:  # built once: the same statement is what read_validator remembers
        LISTING_STATE = select(select(func.max(Thread.revision)).scalar_subquery(),
                               select(func.count()).select_from(Category).scalar_subquery())
    newest, categories = read_validator(LISTING_STATE)[0]
    return f"{newest}:{categories}"


def _bump(thread_ids):
    now = new_revision()
    # Never backwards, even if another process's clock is ahead of this one's.
    db.session.execute(
        update(Thread).where(Thread.id.in_(thread_ids))
        .values(revision=case((Thread.revision >= now, Thread.revision + 1), else_=now))
        .execution_options(synchronize_session=False))


def bump_thread(thread_id: int) -> None:
    """Raise the thread's revision, in the caller's transaction: its cached pages are stale
    once this commits.

    Every service that writes what a thread page shows calls it, holding the thread's lock
    (it is an ``UPDATE`` of the thread row: step 1 of the lock order in ``forum/locking.py``).
    """
    _bump([thread_id])


def bump_threads_apart(thread_ids) -> None:
    """Raise the revision of other threads whose pages a committed write changed (an internal
    pingback's target), each in a short transaction of its own: a service never waits for a
    second thread's lock while it holds one."""
    for thread_id in sorted({t for t in thread_ids if t is not None}):
        _bump([thread_id])
        db.session.commit()
