"""Marking, accepting, sharing and following; the leaderboard page.

Each action is a plain form (303 back to the post) that scripts may also send asking for
JSON (``Accept: application/json`` or ``X-Requested-With``): then the answer is the new
counts and state, and the author's score, for the page to show without a reload.
"""
from functools import wraps

from flask import Blueprint, abort, flash, jsonify, render_template, request, url_for
from flask_login import current_user

from forum.accounts.queries import follow_counts
from forum.accounts.services import find_user
from forum import pagecache
from forum.contribution import queries, rules, services
from forum.errors import Refused, error_response
from forum.extensions import db
from forum.forms import ConfirmForm
from forum.threads.models import Thread
from forum.threads.queries import get_post
from forum.threads.routes import post_url
from forum.web import page_number, referrer_path, see_other

bp = Blueprint("contribution", __name__)


def asks_for_json() -> bool:
    accept = request.accept_mimetypes
    return bool(request.headers.get("X-Requested-With")) or (
        accept.best_match(["application/json", "text/html"]) == "application/json"
        and accept["application/json"] > accept["text/html"])


def refuse(status: int, message: str):
    """The refusal as JSON to scripts, as an error page to browsers."""
    if asks_for_json():
        code = {400: "bad_request", 401: "login_required", 403: "forbidden",
                404: "not_found"}.get(status, "error")
        return jsonify(error={"code": code, "message": message}), status
    return error_response(status, message)


def member_action(view):
    """A signed-in member's form post with a valid CSRF token; refusals become answers."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            if asks_for_json():
                return refuse(401, "Please log in to do that.")
            return see_other(url_for("accounts.login", next=referrer_path() or request.path))
        if not ConfirmForm().validate_on_submit():
            return refuse(400, "The form has expired; please reload the page and try again.")
        try:
            return view(*args, **kwargs)
        except Refused as refused:
            db.session.rollback()
            return refuse(refused.status, refused.message)

    return wrapper


# What a member's act did, said beside the post: (when it stands, when it was taken back).
SAID = {
    "contribution.helpful": ("Marked helpful: its author gets the points.",
                             "Your helpful mark is taken back."),
    "contribution.accept": ("Accepted as the answer.", "No longer the accepted answer."),
    "contribution.share": ("Shared on your profile and feed.", "Shared on your profile and feed."),
}


def post_answer(outcome: services.Outcome):
    """JSON with the post's counts, state and its author's score; else 303 to the post."""
    post = get_post(outcome.post_id, current_user) or abort(404, "There is no such post.")
    if not asks_for_json():
        # Said beside the post, where the page opens (the script updates the page in place).
        flash(SAID[request.endpoint][0 if outcome.state else 1], f"post-{post.id}")
        return see_other(post_url(post))
    ids = [post.id] + ([outcome.moved_from] if outcome.moved_from else [])
    stats = queries.post_stats([post.id], current_user.id)[post.id]
    accepted_post_id = db.session.get(Thread, post.thread_id).accepted_post_id
    return jsonify(
        post_id=post.id,
        counts={"helpful": stats.helpful, "shares": stats.shares},
        state={"marked": stats.marked, "shared": stats.shared,
               "accepted": accepted_post_id == post.id},
        accepted_post_id=accepted_post_id,
        author={"username": post.author.username, "score": stats.author_score},
        scores=queries.author_scores(ids),
    )


@bp.post("/p/<int:post_id>/helpful")
@member_action
def helpful(post_id):
    return post_answer(services.toggle_helpful(post_id, current_user))


@bp.post("/p/<int:post_id>/accept")
@member_action
def accept(post_id):
    return post_answer(services.toggle_accept(post_id, current_user))


@bp.post("/p/<int:post_id>/share")
@member_action
def share(post_id):
    return post_answer(services.share(post_id, current_user))


@bp.post("/u/<username>/follow")
@member_action
def follow(username):
    member = find_user(username) or abort(404, "There is no such member.")
    outcome = services.toggle_follow(member, current_user)
    if not asks_for_json():
        return see_other(url_for("accounts.profile", username=member.username))
    followers, following = follow_counts(member)
    return jsonify(state={"following": outcome.state},
                   counts={"followers": followers, "following": following})


def period_arg() -> str:
    """``?period=``, default month; anything unknown is a 400."""
    period = queries.period_named(request.args.get("period"))
    if period is None:
        abort(400, f"“{request.args['period'][:20]}” is not a period: "
                   "use week, month, year, all or current.")
    return period


@bp.get("/leaderboard")
@pagecache.cached_page(lambda: queries.leaderboard_validator(request.args.get("period", "")))
def leaderboard():
    period = period_arg()
    board = queries.leaderboard(period, page_number())
    if board.page > board.pages:
        abort(404, "The leaderboard has no such page.")
    return render_template("contribution/leaderboard.html", board=board, period=period,
                           periods=queries.PERIODS, rules=rules)
