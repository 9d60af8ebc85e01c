"""The reader's poll, answered before Flask's request machinery runs.

Most requests for a feed come from readers repeating their last ETag. This WSGI middleware
matches the feed URLs, runs the feed's validator (one small query) and, when the reader's
copy is current, answers 304 at once: no session, no login, no rate-limit lookup, no
template. Anything else (a first fetch, a changed feed, a bad ``?min=``) goes on to the
app, which answers it in full and with the same validator (see routes.py).
"""
from urllib.parse import parse_qs

from werkzeug.datastructures import ETags
from werkzeug.http import http_date, parse_date, parse_etags
from werkzeug.routing.exceptions import HTTPException as RoutingException
from werkzeug.wsgi import get_host

from forum.errors import malformed_address
from forum.feeds import queries
from forum.timeutil import as_utc
from forum.web import parse_number

FEED_ENDPOINTS = {
    "feeds.site_feed": "site", "feeds.category_feed": "category", "feeds.tag_feed": "tag",
    "feeds.thread_feed": "thread", "feeds.member_feed": "member",
    "feeds.category_helpful": "category", "feeds.tag_helpful": "tag",
}
CACHE_CONTROL = "public, max-age=300"
MAX_MIN_HELPFUL = 1000


def as_http_time(moment):
    """A stored time as HTTP dates carry it: aware UTC, whole seconds."""
    return as_utc(moment).replace(microsecond=0)


def scope_for(endpoint: str, args: dict, query: str) -> queries.Scope | None:
    """The feed a URL names; None where the app must answer (not a feed, a bad ``?min=``)."""
    kind = FEED_ENDPOINTS.get(endpoint)
    if kind is None:
        return None
    key = next((value for name, value in args.items() if name != "fmt"), None)
    if isinstance(key, str):
        key = key if kind == "category" else key.lower()
    min_helpful = None
    if endpoint.endswith("_helpful"):
        # The first ?min=, as request.args.get reads it on the full path.
        min_helpful = parse_number(parse_qs(query).get("min", ["1"])[0], 1, MAX_MIN_HELPFUL)
        if min_helpful is None:
            return None
    return queries.Scope(kind, key, min_helpful)


def salt(fmt: str, base: str) -> str:
    """What besides the data changes a feed's bytes: its format and the base of its URLs."""
    return f"{fmt} {base.rstrip('/')}"


def is_current(checked: queries.Validator, if_none_match: ETags | None, since) -> bool:
    """RFC 9110: If-None-Match decides when sent; If-Modified-Since only without it."""
    if if_none_match:
        return if_none_match.contains_weak(checked.etag)
    if since is not None:
        return as_http_time(checked.last_modified) <= since
    return False


def not_modified_headers(checked: queries.Validator) -> list[tuple[str, str]]:
    return [("ETag", f'"{checked.etag}"'), ("Cache-Control", CACHE_CONTROL),
            ("Last-Modified", http_date(as_http_time(checked.last_modified)))]


class AnswerPolls:
    """WSGI middleware: 304 for a feed the reader already holds; everything else to ``app``."""

    def __init__(self, flask_app, wsgi_app):
        self.flask_app = flask_app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        conditional = environ.get("HTTP_IF_NONE_MATCH") or environ.get("HTTP_IF_MODIFIED_SINCE")
        if conditional and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            headers = self.poll(environ)
            if headers is not None:
                start_response("304 NOT MODIFIED", headers)
                return []
        return self.wsgi_app(environ, start_response)

    def poll(self, environ) -> list[tuple[str, str]] | None:
        app = self.flask_app
        if malformed_address(environ):
            return None  # the app refuses it (400)
        try:
            endpoint, args = app.url_map.bind_to_environ(environ).match()
        except RoutingException:
            return None
        scope = scope_for(endpoint, args, environ.get("QUERY_STRING", ""))
        if scope is None:
            return None
        base = app.config["BASE_URL"] or f"{environ['wsgi.url_scheme']}://{get_host(environ)}"
        with app.app_context():
            checked = queries.validator(scope, salt(args["fmt"], base))
        if checked is None:
            return None  # the app answers 404
        if_none_match = parse_etags(environ.get("HTTP_IF_NONE_MATCH"))
        since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
        if not is_current(checked, if_none_match, since):
            environ["forum.feed_validator"] = (scope, checked)  # the app needs not ask again
            return None
        return not_modified_headers(checked)


def install(state) -> None:
    """Put :class:`AnswerPolls` in front of the app (on registering the feeds blueprint)."""
    app = state.app
    app.wsgi_app = AnswerPolls(app, app.wsgi_app)
