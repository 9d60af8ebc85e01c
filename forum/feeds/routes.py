"""The feeds: Atom and RSS for the site, categories, tags, threads and members.

A poll is answered from the validator first: when the reader's ETag (or, without one,
its If-Modified-Since) still holds, the answer is a 304 after one small query, before any
entry is loaded or any XML built (usually by polls.AnswerPolls, before Flask even sees it).
"""
from flask import Blueprint, Response, abort, current_app, request, url_for

from forum.feeds import build, discovery, polls, queries
from forum.feeds.queries import Scope
from forum.extensions import limiter
from forum.web import base_url, number_arg

bp = Blueprint("feeds", __name__)
limiter.exempt(bp)  # polls are cheap by design; no default limit should cost them a lookup

FORMAT = "<any(atom, rss):fmt>"


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
    return number_arg("min", 1, maximum=polls.MAX_MIN_HELPFUL, what="a number of helpful marks")


MISSING = {"category": "There is no such category.", "tag": "No thread has that tag.",
           "thread": "There is no such thread.", "member": "There is no such member."}


def feed_response(scope: Scope, fmt: str) -> Response:
    base = base_url()
    checked = validator(scope, fmt, base)
    if checked is None:
        abort(404, MISSING[scope.kind])
    response = Response(mimetype=build.MIMETYPES[fmt])
    response.headers.extend(polls.not_modified_headers(checked))
    if polls.is_current(checked, request.if_none_match, request.if_modified_since):
        response.status_code = 304
        return response
    found = queries.entries(scope)
    if found is None:  # gone between the two queries
        abort(404, MISSING[scope.kind])
    urls = build.Urls(base, url_for)
    response.set_data(build.render(found, scope, fmt, urls, current_app.config["SITE_NAME"],
                                   checked.last_modified))
    return response


def validator(scope: Scope, fmt: str, base: str) -> queries.Validator | None:
    """The feed's validator; the poll middleware may have read it for this request already."""
    seen = request.environ.get("forum.feed_validator")
    if seen is not None and seen[0] == scope:
        return seen[1]
    return queries.validator(scope, polls.salt(fmt, base))


bp.app_context_processor(discovery.page_feeds)
bp.record_once(polls.install)
