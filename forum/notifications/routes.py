"""The notifications page, the bell's count, watching, preferences and unsubscribing."""
from flask import Blueprint, abort, flash, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from forum.errors import Refused, error_response
from forum.extensions import csrf, db
from forum.forms import ConfirmForm
from forum.notifications import mailing, queries, services
from forum.notifications.rules import PREFERENCES
from forum.timeutil import as_utc
from forum.web import page_number, see_other

bp = Blueprint("notifications", __name__)


def check_form() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please reload the page and try again.")


@bp.get("/notifications")
@login_required
def index():
    page = queries.notifications_page(current_user, page_number())
    return render_template("notifications/index.html", page=page)


@bp.post("/notifications/read")
@login_required
def mark_read():
    check_form()
    raw = request.form.get("id")
    if raw is not None and (not raw.isascii() or not raw.isdigit() or len(raw) > 10):
        abort(400, "“id” is the number of a notification.")
    try:
        services.mark_read(current_user, int(raw) if raw is not None else None)
    except Refused as refused:
        abort(refused.status, refused.message)
    return see_other(url_for("notifications.index", page=request.args.get("page", type=int)))


@bp.get("/notifications/unread")
def unread():
    """The bell's count as JSON, polled by static/js/notifications.js with ``If-None-Match``:
    an unchanged count is a 304 with no body."""
    if not current_user.is_authenticated:
        return error_response(401, "Log in to see your notifications.", "unauthorized")
    count = queries.unread_count(current_user.id)
    response = jsonify(unread=count, url=url_for("notifications.index"))
    response.set_etag(f"u{current_user.id}-{count}")
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@bp.get("/api/v1/me/notifications")
def api_notifications():
    if not current_user.is_authenticated:
        return error_response(401, "Log in (session cookie) or send a bearer token.",
                              "unauthorized")
    page = queries.notifications_page(current_user, page_number())
    return jsonify(
        unread=page.unread,
        page=page.page,
        pages=page.pages,
        notifications=[{
            "id": entry.id, "kind": entry.kind, "read": entry.read, "text": entry.text,
            "count": entry.count, "url": entry.url, "updated_at": as_utc(entry.at).isoformat(),
        } for entry in page.entries],
    )


# --- watching -------------------------------------------------------------------------------


def watch_answer(url: str, level: str):
    if request.accept_mimetypes.best == "application/json":
        return jsonify(level=level)
    return see_other(url)


@bp.post("/t/<int:thread_id>/watch")
@login_required
def watch_thread(thread_id):
    from forum.threads.queries import get_thread

    check_form()
    thread = get_thread(thread_id) or abort(404, "There is no such thread.")
    try:
        level = services.set_thread_level(current_user, thread, request.form.get("level"))
    except Refused as refused:
        abort(refused.status, refused.message)
    return watch_answer(url_for("threads.show_thread", thread_id=thread.id, slug=thread.slug),
                        level)


@bp.post("/c/<slug>/watch")
@login_required
def watch_category(slug):
    from forum.threads.queries import category_by_slug

    check_form()
    category = category_by_slug(slug) or abort(404, "There is no such category.")
    try:
        level = services.set_category_level(current_user, category, request.form.get("level"))
    except Refused as refused:
        abort(refused.status, refused.message)
    return watch_answer(url_for("threads.category", slug=category.slug), level)


# --- preferences ----------------------------------------------------------------------------


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    """The notification section of ``/settings`` (templates/notifications/_preferences.html)
    posts here; the section is shown on the settings page."""
    from forum.accounts.settings_routes import render_settings

    section = url_for("settings.index") + "#notification-preferences"
    if request.method == "GET":
        return see_other(section)
    check_form()
    try:
        services.save_preferences(current_user, request.form)
    except Refused as refused:
        db.session.rollback()
        return render_settings(refused.status, notification_error=refused.message)
    flash("Your notification choices are saved.", "success")
    return see_other(section)


# --- unsubscribing --------------------------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail provider posts without cookies; the token is the proof
def unsubscribe(token):
    found = mailing.read_token(token)
    if found is None:
        abort(404, "This unsubscribe link is not valid: it may have been mistyped or cut "
                   "short. Nothing was changed. You can choose what mail you get in your "
                   "settings.")
    user, keys = found
    names = ["the weekly digest" if key == "digest" else PREFERENCES[key].lower() for key in keys]
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", token=token, names=names)
    services.unsubscribe(user, keys)
    return render_template("notifications/unsubscribe.html", names=names, done=True)


# --- mention suggestions --------------------------------------------------------------------


@bp.get("/mentions/suggest")
@login_required
def suggest():
    """Usernames starting with ``?q=`` (at most 8), for static/js/mentions.js."""
    from forum.accounts.models import User

    prefix = request.args.get("q", "").strip().lower()
    if not prefix or len(prefix) > 32 or not all(c.isascii() and (c.isalnum() or c in "-_")
                                                  for c in prefix):
        return jsonify(members=[])
    names = db.session.scalars(
        select(User.username).where(User.username_key >= prefix,
                                    User.username_key < prefix + "\x7f",
                                    User.suspended_at.is_(None))
        .order_by(User.username_key).limit(8)).all()
    return jsonify(members=names)

