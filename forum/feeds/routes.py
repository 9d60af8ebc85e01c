"""The feeds: Atom and RSS for the site, categories, tags, threads and members.

A poll is answered from the validator first: when the reader's ETag (or, without one,
its If-Modified-Since) still holds, the answer is a 304 after one small query, before any
entry is loaded or any XML built.
"""
from flask import Blueprint, Response, abort, current_app, request, url_for

from forum.feeds import build, discovery, queries
from forum.feeds.queries import Scope
from forum.web import base_url

bp = Blueprint("feeds", __name__)

FORMAT = "<any(atom, rss):fmt>"
CACHE_CONTROL = "public, max-age=300"
MAX_MIN_HELPFUL = 1000


@bp.get(f"/feed.{FORMAT}")
def site_feed(fmt):
    return feed_response(Scope("site"), fmt)


@bp.get(f"/c/<slug>/feed.{FORMAT}")
def category_feed(slug, fmt):
    return feed_response(Scope("category", slug), fmt)


@bp.get(f"/tag/<name>/feed.{FORMAT}")
def tag_feed(name, fmt):
    return feed_response(Scope("tag", name.lower()), fmt)


@bp.get(f"/t/<int:thread_id>/feed.{FORMAT}")
def thread_feed(thread_id, fmt):
    return feed_response(Scope("thread", thread_id), fmt)


@bp.get(f"/u/<username>/feed.{FORMAT}")
def member_feed(username, fmt):
    return feed_response(Scope("member", username.lower()), fmt)


@bp.get(f"/c/<slug>/helpful.{FORMAT}")
def category_helpful(slug, fmt):
    return feed_response(Scope("category", slug, min_helpful()), fmt)


@bp.get(f"/tag/<name>/helpful.{FORMAT}")
def tag_helpful(name, fmt):
    return feed_response(Scope("tag", name.lower(), min_helpful()), fmt)


def min_helpful() -> int:
    """``?min=N``: how many helpful marks a reply needs (default 1); anything else is a 400."""
    raw = request.args.get("min", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_MIN_HELPFUL:
        abort(400, f"“{raw[:20]}” is not a number of helpful marks (1 to {MAX_MIN_HELPFUL}).")
    return int(raw)


MISSING = {"category": "There is no such category.", "tag": "No thread has that tag.",
           "thread": "There is no such thread.", "member": "There is no such member."}


def feed_response(scope: Scope, fmt: str) -> Response:
    base = base_url()
    checked = queries.validator(scope, salt=f"{fmt} {base}")
    if checked is None:
        abort(404, MISSING[scope.kind])
    response = Response(mimetype=build.MIMETYPES[fmt])
    response.set_etag(checked.etag)
    response.last_modified = build.as_utc(checked.last_modified)
    response.headers["Cache-Control"] = CACHE_CONTROL
    if not_modified(checked):
        response.status_code = 304
        return response
    found = queries.entries(scope)
    if found is None:  # gone between the two queries
        abort(404, MISSING[scope.kind])
    urls = build.Urls(base, url_for)
    response.set_data(build.render(found, scope, fmt, urls, current_app.config["SITE_NAME"],
                                   checked.last_modified))
    return response


def not_modified(checked: queries.Validator) -> bool:
    """RFC 9110: If-None-Match decides when sent; If-Modified-Since only without it."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(checked.etag)
    since = request.if_modified_since
    if since is not None:
        return build.as_utc(checked.last_modified).replace(microsecond=0) <= since
    return False


bp.app_context_processor(discovery.page_feeds)
