"""The read-only JSON API, /api/v1. Errors: ``{"error": {"code", "message"}}``."""
from functools import wraps

from flask import Blueprint, abort, g, jsonify, request

from forum.accounts.queries import follow_counts
from forum.accounts import tokens
from forum.accounts.services import find_user
from forum.contribution import api as contribution_api
from forum.errors import error_response
from forum.contribution.queries import leaderboard, period_named, post_stats
from forum.extensions import csrf
from forum.links.queries import thread_pingbacks
from forum.permissions import VISITOR
from forum.reading.api import relationships_json
from forum.reading.relationships import relationships
from forum.threads import queries
from forum.timeutil import as_utc
from forum.web import absolute_url, page_number

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def iso(moment):
    return as_utc(moment).isoformat() if moment else None


def user_json(user) -> dict:
    return {"username": user.username, "url": absolute_url("accounts.profile", username=user.username)}


def thread_json(thread) -> dict:
    closed, reason = thread.closed_state()
    return {
        "id": thread.id,
        "title": thread.title,
        "url": absolute_url("threads.show_thread", thread_id=thread.id, slug=thread.slug),
        "category": thread.category.slug,
        "tags": [tag.name for tag in thread.tags],
        "author": user_json(thread.author),
        "created_at": iso(thread.created_at),
        "last_activity_at": iso(thread.last_activity_at),
        "reply_count": thread.reply_count,
        "pinned": thread.pinned,
        "closed": closed,
        "closed_reason": reason,
        "accepted_post_id": thread.accepted_post_id,
    }


@bp.get("/categories")
def categories():
    return jsonify(categories=[{
        "slug": c.slug, "name": c.name, "description": c.description,
        "auto_close_days": c.auto_close_days,
        "url": absolute_url("threads.category", slug=c.slug),
    } for c in queries.categories()])


@bp.get("/threads")
def threads():
    page = page_number()
    if slug := request.args.get("category"):
        category = queries.category_by_slug(slug) or abort(404, "There is no such category.")
        listing = queries.category_threads(category, page)
    elif name := request.args.get("tag"):
        tag = queries.tag_by_name(name) or abort(404, "No thread has that tag.")
        listing = queries.tag_threads(tag, page)
    else:
        listing = queries.thread_page(queries.listed_threads(), page, "all")
    return jsonify(threads=[thread_json(t) for t in listing.items], page=listing.page,
                   pages=listing.pages)


@bp.get("/threads/<int:thread_id>")
def thread(thread_id):
    thread = queries.get_thread(thread_id) or abort(404, "There is no such thread.")
    page = page_number()
    if page > queries.reply_pages(thread):
        abort(404, "That thread has no such page.")
    # The public API shows what every visitor sees.
    posts = queries.thread_posts(thread, page, VISITOR, placeholders=False)
    stats = post_stats([p.id for p in posts], None)
    return jsonify(
        thread=thread_json(thread),
        page=page,
        pages=queries.reply_pages(thread),
        posts=[{
            "id": p.id,
            "position": p.position,
            "url": absolute_url("threads.permalink", post_id=p.id),
            "author": user_json(p.author),
            "created_at": iso(p.created_at),
            "edited_at": iso(p.edited_at),
            "html": p.html,
            "helpful": stats[p.id].helpful,
            "shares": stats[p.id].shares,
            "accepted": p.id == thread.accepted_post_id,
        } for p in posts],
        links=[{
            "kind": link.kind,
            "source_url": link.source_url,
            "title": link.title,
            "excerpt": link.excerpt,
            "author": link.author_name,
            "created_at": iso(link.created_at),
        } for link in thread_pingbacks(thread.id)],
    )


@bp.get("/users/<username>")
def user(username):
    user = find_user(username) or abort(404, "There is no such member.")
    followers, following = follow_counts(user)
    return jsonify(user={
        **user_json(user),
        "joined_at": iso(user.created_at),
        "role": user.role,
        "followers": followers,
        "following": following,
        **contribution_api.user_contribution(user, page_number()),
        "relationships": relationships_json(relationships(user)),
    })


@bp.get("/leaderboard")
def leaderboard_page():
    period = period_named(request.args.get("period"))
    if period is None:
        abort(400, "The period is one of week, month, year, all or current.")
    return jsonify(contribution_api.leaderboard_json(leaderboard(period, page_number())))


def token_required(view):
    """``/api/v1/me/...``: the member named by ``Authorization: Bearer <token>`` (a personal
    API token, /settings), as ``g.api_member``; else a 401 JSON error."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        member = tokens.bearer_member()
        if member is None:
            given = bool(request.headers.get("Authorization"))
            response = error_response(
                401, "That API token is not valid (or was revoked)." if given else
                "This needs a personal API token: Authorization: Bearer <token>.",
                "invalid_token" if given else "unauthorized")
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"' + (
                ', error="invalid_token"' if given else "")
            return response
        g.api_member = member
        return view(*args, **kwargs)
    return wrapped


@bp.get("/me")
@token_required
def me():
    member = g.api_member
    followers, following = follow_counts(member)
    return jsonify(user={**user_json(member), "email": member.email, "role": member.role,
                         "joined_at": iso(member.created_at), "followers": followers,
                         "following": following})


@bp.get("/me/posts")
@token_required
def my_posts():
    from forum.accounts.queries import recent_posts

    return jsonify(posts=[{
        "id": post.id, "thread_id": post.thread_id, "thread_title": post.thread.title,
        "url": absolute_url("threads.permalink", post_id=post.id),
        "markdown": post.body, "created_at": iso(post.created_at),
    } for post in recent_posts(g.api_member, limit=50)])
