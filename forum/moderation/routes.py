"""Moderation pages and forms: closing, pinning, hiding, flagging, suspending; queue and log."""
from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.accounts.services import find_user
from forum.contribution import trust as trust_service
from forum.errors import Refused
from forum.extensions import db
from forum.forms import ConfirmForm
from forum.moderation import queries, services
from forum.moderation.forms import FlagForm, ReasonForm, SuspendForm, TrustForm
from forum.threads import queries as thread_queries
from forum.threads.routes import post_url, render_thread, thread_url
from forum.web import first_error, page_number, safe_next, see_other

bp = Blueprint("moderation", __name__)


@bp.app_context_processor
def moderation_forms():
    return {"flag_form": FlagForm, "reason_form": ReasonForm,
            "moderation_pending": queries.pending_count}


def require_moderator(what: str) -> None:
    if not permissions.can_moderate(current_user):
        abort(403, f"Only moderators can {what}.")


def suspendable(username: str):
    """The member named, if the current moderator may suspend them (or lift it): else 403/404."""
    require_moderator("suspend members")
    member = find_user(username) or abort(404, "There is no such member.")
    if not permissions.can_suspend(current_user, member):
        abort(403, "You cannot suspend yourself." if current_user.id == member.id else
              "Only an admin can suspend a moderator or lift their suspension.")
    return member


def back_to(default: str):
    """Where a form sends the moderator: ``next`` (the queue, say) when it is of this site."""
    target = request.form.get("next")
    return see_other(safe_next(target) or default)


def thread_refused(thread_id: int, message: str, status: int):
    """The thread again, with what was wrong, where its reply form or closed notice is."""
    db.session.rollback()
    thread = thread_queries.get_thread(thread_id) or abort(404, "There is no such thread.")
    return render_thread(thread, 1, error=message, status=status)


def post_refused(post_id: int, message: str, status: int):
    db.session.rollback()
    post = thread_queries.get_post(post_id, current_user, placeholders=True) or abort(
        404, "There is no such post.")
    return render_thread(post.thread, thread_queries.page_of(post), error=message, status=status)


def submitted(form) -> str | None:
    """None when ``form`` is valid, else what to tell the user."""
    return None if form.validate_on_submit() else first_error(form)


# Threads.

@bp.post("/t/<int:thread_id>/close")
@login_required
def close_thread(thread_id):
    form = ReasonForm()
    if error := submitted(form):
        return thread_refused(thread_id, error, 400)
    try:
        thread = services.close_thread(thread_id, current_user, form.reason.data)
    except Refused as refused:
        return thread_refused(thread_id, refused.message, refused.status)
    flash("The thread is closed.")
    return see_other(thread_url(thread))


@bp.post("/t/<int:thread_id>/reopen")
@login_required
def reopen_thread(thread_id):
    form = ReasonForm()
    if error := submitted(form):
        return thread_refused(thread_id, error, 400)
    try:
        thread = services.reopen_thread(thread_id, current_user, form.reason.data)
    except Refused as refused:
        return thread_refused(thread_id, refused.message, refused.status)
    flash("The thread is open for replies again.")
    return see_other(thread_url(thread))


@bp.post("/t/<int:thread_id>/pin")
@login_required
def pin_thread(thread_id):
    if error := submitted(ConfirmForm()):
        return thread_refused(thread_id, error, 400)
    try:
        thread = services.toggle_pin(thread_id, current_user)
    except Refused as refused:
        return thread_refused(thread_id, refused.message, refused.status)
    flash("The thread is pinned." if thread.pinned else "The thread is unpinned.")
    return see_other(thread_url(thread))


# Posts.

def post_action(post_id: int, form, action, done: str):
    if error := submitted(form):
        return post_refused(post_id, error, 400)
    try:
        action()
    except Refused as refused:
        return post_refused(post_id, refused.message, refused.status)
    post = thread_queries.get_post(post_id, current_user, placeholders=True) or abort(
        404, "There is no such post.")
    # Said beside the post, where the member is looking (the page opens at it).
    flash(done, f"post-{post.id}" if not request.form.get("next") else "message")
    return back_to(post_url(post))


@bp.post("/p/<int:post_id>/hide")
@login_required
def hide_post(post_id):
    form = ReasonForm()
    return post_action(post_id, form, lambda: services.hide_post(
        post_id, current_user, form.reason.data), "The post is hidden from members.")


@bp.post("/p/<int:post_id>/restore")
@login_required
def restore_post(post_id):
    form = ReasonForm()
    return post_action(post_id, form, lambda: services.restore_post(
        post_id, current_user, form.reason.data), "The post is shown to members again.")


@bp.post("/p/<int:post_id>/flag")
@login_required
def flag_post(post_id):
    form = FlagForm()
    return post_action(post_id, form, lambda: services.flag_post(
        post_id, current_user, form.reason.data),
        "Thank you: the moderators will look at this post.")


@bp.post("/p/<int:post_id>/dismiss-flags")
@login_required
def dismiss_flags(post_id):
    form = ReasonForm()
    return post_action(post_id, form, lambda: services.dismiss_flags(
        post_id, current_user, form.reason.data), "The flags are dismissed.")


# Members.

@bp.route("/u/<username>/suspend", methods=["GET", "POST"])
@login_required
def suspend(username):
    member = suspendable(username)
    form = SuspendForm()
    if request.method == "GET":
        return render_template("moderation/suspend.html", member=member, form=form)
    error, status = submitted(form), 400
    if not error:
        try:
            services.suspend_member(member, current_user, form.reason.data, form.abuse.data)
            flash(f"{member.username} is suspended.")
            return back_to(url_for("moderation.suspend", username=member.username))
        except Refused as refused:
            error, status = refused.message, refused.status
            member = find_user(username) or abort(404, "There is no such member.")
    return render_template("moderation/suspend.html", member=member, form=form,
                           error=error), status


@bp.post("/u/<username>/unsuspend")
@login_required
def unsuspend(username):
    member = suspendable(username)
    form = ReasonForm()
    error, status = submitted(form), 400
    if not error:
        try:
            services.unsuspend_member(member, current_user, form.reason.data)
            flash(f"{member.username} may post again.")
            return back_to(url_for("moderation.suspend", username=member.username))
        except Refused as refused:
            error, status = refused.message, refused.status
            member = find_user(username) or abort(404, "There is no such member.")
    return render_template("moderation/suspend.html", member=member, form=SuspendForm(),
                           error=error), status


@bp.post("/u/<username>/trust")
@login_required
def trust(username):
    """A moderator trusts a member (their held recognition is re-counted), or stops."""
    require_moderator("trust members")
    member = find_user(username) or abort(404, "There is no such member.")
    form = TrustForm()
    if error := submitted(form):
        abort(400, error)
    state = {"on": True, "off": False}.get(form.state.data or "")
    name = member.username
    try:
        trusted = trust_service.set_trust(member, current_user, state)
    except Refused as refused:
        db.session.rollback()
        abort(refused.status, refused.message)
    flash(f"{name} is trusted: their marks, accepts and shares count, and what they gave "
          "before is being counted now." if trusted else
          f"{name} is no longer trusted: what they give from now on is held.")
    return back_to(url_for("accounts.profile", username=name))


# The queue and the log.

@bp.get("/mod/queue")
@login_required
def queue():
    require_moderator("see the moderation queue")
    return render_template("moderation/queue.html", flagged=queries.flagged_posts(),
                           links=queries.pending_links())


@bp.get("/mod/log")
@login_required
def log():
    require_moderator("see the moderation log")
    entries = queries.audit_log(page_number())
    if entries.page > entries.pages:
        abort(404, "The log has no such page.")
    return render_template("moderation/log.html", entries=entries,
                           names=queries.target_names(entries.items))
