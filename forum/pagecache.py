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

Views opt in with :func:`cached_page`, naming their validator. A visitor's request for such a
page (no session or remember cookie, nothing in the query but ``page`` and ``period``) is
answered by :class:`AnswerVisitors`, a WSGI layer in front of the app, straight from the
cache when the page is there: the app's own request handling (sessions, log-in, limits) is
for the requests that need it. A miss, and every other request, goes to the app as before.
"""
import hashlib
import re
from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, make_response, request, session
from flask_login import current_user
from sqlalchemy import bindparam, case, func, select, update
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie
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


def page_key(validator_value: str) -> str:
    """The cache key of the page this request asks for, given its validator's value: the host,
    the path and ``?page=`` (other query arguments must not change the page)."""
    return "page:" + hashlib.blake2b(
        f"{request.host}{request.path}?{request.args.get('page', '1')}|{validator_value}"
        .encode(), digest_size=16).hexdigest()


def serve(validator: Callable[[], str], render: Callable[[], object]) -> Response:
    """``render()`` for members; for visitors, the cached page while ``validator()`` holds.

    ``validator`` runs only for visitors; it returns the part of the cache key that changes
    whenever the page would (it may abort, e.g. with a 404). Only 200 answers are kept.
    """
    if not anonymous_read():
        return make_response(render())
    # AnswerVisitors may have read the validator already (and missed): not twice.
    key = request.environ.get("forum.page_key") or page_key(validator())
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


def cached_page(validator: Callable[..., str]):
    """Decorate a view whose page every visitor sees alike: visitors get it from the cache
    while ``validator(**view_args)`` returns what it returned when the page was rendered.
    The view itself renders (for members, and on a miss)."""
    def decorate(view):
        @wraps(view)
        def serving(**args):
            return serve(lambda: validator(**args), lambda: view(**args))

        serving.page_validator = validator  # type: ignore[attr-defined]
        return serving

    return decorate


# The only query arguments a page answered before the app may carry: anything else (and any
# malformed byte) goes to the app, whose checks may refuse it.
PLAIN_QUERY = re.compile(r"(?:page|period)=[A-Za-z0-9]{1,20}(?:&(?:page|period)=[A-Za-z0-9]{1,20})?")


class AnswerVisitors:
    """WSGI middleware: a visitor's cached page, without entering the app's request handling."""

    def __init__(self, flask_app: Flask, wsgi_app):
        self.flask_app = flask_app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        response = self.cached(environ)
        if response is None:
            return self.wsgi_app(environ, start_response)
        return response(environ, start_response)

    def cached(self, environ) -> Response | None:
        app = self.flask_app
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or not app.config["PAGE_CACHE_SECONDS"]:
            return None
        if not app.extensions.get("forum.migrated", True):
            return None  # the embedded database is migrated by the app's first request
        query = environ.get("QUERY_STRING", "")
        if query and not PLAIN_QUERY.fullmatch(query):
            return None
        if environ.get("HTTP_AUTHORIZATION"):
            return None  # someone who says who they are: the app decides
        if environ.get("HTTP_COOKIE"):
            cookies = parse_cookie(environ)
            if app.config["SESSION_COOKIE_NAME"] in cookies or \
                    app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
                return None  # perhaps a member, or flashed messages: the app decides
        from forum.errors import malformed_address

        if malformed_address(environ):
            return None
        try:
            endpoint, args = app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return None
        validator = getattr(app.view_functions.get(endpoint), "page_validator", None)
        if validator is None:
            return None
        with app.request_context(environ):
            try:
                key = page_key(validator(**args))
                hit = cache.get(key)
            except HTTPException:
                return None  # e.g. no such thread: the app answers
            except Exception:  # the database or the cache is down: the app answers for it
                current_app.logger.warning("page cache unavailable", exc_info=True)
                return None
            if hit is None:
                environ["forum.page_key"] = key  # the app renders and stores it under this key
                return None
            headers, body = hit
            # The app's own after-request steps (security and discovery headers), as for
            # any page it answers; the page depends on the cookie (members get their own).
            response = app.process_response(Response(body, 200, headers))
            response.vary.add("Cookie")
            return response


def init_app(app: Flask) -> None:
    """Answer visitors' cached pages in front of the app (after the blueprints registered)."""
    app.wsgi_app = AnswerVisitors(app, app.wsgi_app)  # type: ignore[method-assign]


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
