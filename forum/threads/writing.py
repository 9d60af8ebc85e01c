"""Writing: new threads, replies, edits and deletes, and what a refusal shows.

A refused post, reply or edit never loses what the member typed: whatever refuses it (the
rules, a rate limit, an expired form, a stale edit, bad input), the answer is the form again
with the text in it, why it was refused said once, and a link back to the thread. The views
join the threads blueprint (``forum/threads/routes.py``).
"""
from flask import abort, flash, make_response, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError

from forum import permissions
from forum.errors import Refused, error_response
from forum.extensions import db
from forum.forms import ConfirmForm
from forum.threads import drafts, queries, services
from forum.threads.forms import EditForm, ReplyForm, ThreadEditForm, ThreadForm
from forum.threads.routes import bp, post_url, thread_url
from forum.web import first_error, see_other

EXPIRED = ("The form had expired (or was sent from another page), so nothing was posted. "
           "Your text is below: send it again.")


def category_choices() -> list[tuple[str, str]]:
    return [("", "Choose a category…")] + [(c.slug, c.name) for c in queries.categories()]


def render_new(form, error=None, status=200):
    if not form.category.choices:
        form.category.choices = category_choices()
    return render_template("threads/new.html", form=form, error=error), status


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/c/<slug>/new", methods=["GET", "POST"])
@login_required
def new_thread(slug=None):
    """Start a thread, in the category picked on the form (``slug`` preselects one)."""
    if slug is not None and queries.category_by_slug(slug) is None:
        abort(404, "There is no such category.")
    form = ThreadForm(data={"category": slug} if request.method == "GET" else None)
    form.category.choices = category_choices()
    if slug and not form.category.data:
        form.category.data = slug  # a form of this category's own page
    if request.method == "GET":
        return render_new(form)
    if not form.validate_on_submit():
        return render_new(form, first_error(form), 400)
    category = queries.category_by_slug(form.category.data) or abort(400)
    try:
        thread = services.create_thread(current_user, category, form.title.data,
                                        form.body.data, form.tags.data or "")
    except Refused as refused:
        db.session.rollback()
        return render_new(form, refused.message, refused.status)
    drafts.sent(drafts.new_thread_key())
    return see_other(url_for("threads.show_thread", thread_id=thread.id))


def render_reply_refused(thread, form, message: str, status: int):
    """The reply form again with the member's text, why it was refused, and the way back."""
    closed, closed_reason = thread.closed_state()
    return render_template("threads/reply_refused.html", thread=thread, form=form,
                           error=None if closed else message, closed=closed,
                           closed_reason=closed_reason), status


@bp.post("/t/<int:thread_id>/reply")
@login_required
def reply(thread_id):
    thread = queries.get_thread(thread_id) or abort(404, "There is no such thread.")
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_reply_refused(thread, form, first_error(form), 400)
    try:
        post = services.reply(thread.id, current_user, form.body.data)
    except Refused as refused:
        db.session.rollback()
        thread = queries.get_thread(thread_id) or abort(404, "There is no such thread.")
        return render_reply_refused(thread, form, refused.message, refused.status)
    drafts.sent(drafts.reply_key(thread.id))
    return see_other(post_url(post))


def render_edit(post, form, error=None, status=200, newer=None):
    return render_template("threads/edit.html", form=form, post=post, error=error,
                           newer=newer), status


def post_to_change(post_id: int, may, act: str, why=None):
    """The post, if the member may ``act`` on it (``may``: a check of forum.permissions):
    else 404 when they cannot see it, 403 when they can (``why`` says why, when given)."""
    post = queries.get_post(post_id, current_user, placeholders=True) or abort(
        404, "There is no such post.")
    if not may(current_user, post):
        abort(403, why(current_user, post) if why else
              f"Only the author or a moderator can {act} this post.")
    return post


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id):
    post = post_to_change(post_id, permissions.can_edit, "edit")
    if request.method == "GET":
        return render_edit(post, EditForm(data={"body": post.body, "version": post.version}))
    form = EditForm()
    if not form.validate_on_submit():
        return render_edit(post, form, first_error(form), 400)
    try:
        services.edit_post(post, current_user, form.body.data, form.version.data or 0)
    except Refused as refused:
        db.session.rollback()
        post = queries.get_post(post_id, current_user, placeholders=True) or abort(
            404, "There is no such post.")
        newer = post if refused.status == 409 else None
        if newer:
            form.version.data = post.version  # sending it again replaces the newer text knowingly
        return render_edit(post, form, refused.message, refused.status, newer)
    drafts.sent(drafts.edit_key(post.id))
    flash("Your changes are saved.", "success")
    return see_other(post_url(post))


@bp.route("/t/<int:thread_id>/edit", methods=["GET", "POST"])
@login_required
def edit_thread(thread_id):
    """Change a thread's title and tags (its author and moderators)."""
    thread = queries.get_thread(thread_id) or abort(404, "There is no such thread.")
    if not permissions.can_edit_thread(current_user, thread):
        abort(403, "Only the thread's author or a moderator can change its title and tags.")
    form = ThreadEditForm(data={"title": thread.title, "tags": ", ".join(t.name for t in thread.tags)}
                          if request.method == "GET" else None)
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.edit_thread(thread, current_user, form.title.data, form.tags.data or "")
                flash("The title and tags are saved.", "success")
                return see_other(thread_url(thread))
            except Refused as refused:
                db.session.rollback()
                thread = queries.get_thread(thread_id) or abort(404, "There is no such thread.")
                error, status = refused.message, refused.status
        else:
            error, status = first_error(form), 400
    return render_template("threads/edit_thread.html", thread=thread, form=form,
                           error=error), status


@bp.route("/p/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete_post(post_id):
    """GET asks to confirm (the page without JavaScript); POST deletes and says so."""
    post = post_to_change(post_id, permissions.can_delete, "delete", services.why_not_delete)
    if request.method == "GET":
        return render_template("threads/delete.html", post=post, form=ConfirmForm())
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please try again.")
    try:
        thread = services.delete_post(post, current_user)
    except Refused as refused:
        abort(refused.status, refused.message)
    if thread.deleted_at is not None:
        flash(f"The thread “{thread.title}” is deleted.", "success")
        return see_other(url_for("threads.category", slug=thread.category.slug))
    flash("The reply is deleted.", "success")
    return see_other(thread_url(thread, queries.reply_pages(thread), "replies"))


# Refusals that happen before the view runs (an expired form, a rate limit) keep the text too.

def refused_again(message: str, status: int):
    """The refused form again with what was sent, for the views that take a member's text."""
    if request.method != "POST" or not current_user.is_authenticated:
        return None
    args = request.view_args or {}
    if request.endpoint == "threads.reply":
        thread = queries.get_thread(args["thread_id"]) or abort(404, "There is no such thread.")
        return render_reply_refused(thread, ReplyForm(), message, status)
    if request.endpoint == "threads.new_thread":
        return render_new(ThreadForm(), message, status)
    if request.endpoint == "threads.edit_post":
        post = queries.get_post(args["post_id"], current_user, placeholders=True) or abort(
            404, "There is no such post.")
        if permissions.can_edit(current_user, post):
            return render_edit(post, EditForm(), message, status)
    return None


@bp.errorhandler(CSRFError)
def expired_form(error):
    return refused_again(EXPIRED, 400) or error_response(
        400, "The form has expired or was not sent from this site. "
             "Please reload the page and try again.", "csrf")


@bp.errorhandler(429)
def too_fast(error):
    answer = refused_again(error.description, 429)
    if answer is None:
        response = error_response(429, error.description)
    else:
        response = make_response(answer)
    for name, value in error.get_headers():
        if name == "Retry-After":
            response.headers[name] = value
    return response
