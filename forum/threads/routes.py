"""Pages and forms for categories, tags, threads, posts and search."""
from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from forum import pagecache
from forum.contribution.queries import post_stats
from forum.errors import Refused
from forum.extensions import db
from forum.links.outgoing import mentions_by_post
from forum.links.queries import thread_pingbacks
from forum.threads import queries, services
from forum.forms import ConfirmForm
from forum.threads.forms import EditForm, ReplyForm, ThreadForm
from forum.threads.search import matching_post_ids
from forum.web import first_error, page_number, see_other

bp = Blueprint("threads", __name__)


@bp.app_context_processor
def thread_rules():
    """Who may delete, so the thread page shows the button only to those allowed."""
    return {"can_delete": services.can_delete}


def thread_url(thread, page: int = 1, anchor: str | None = None) -> str:
    values = {"thread_id": thread.id, "slug": thread.slug, "_anchor": anchor}
    if page > 1:
        values["page"] = page
    return url_for("threads.show_thread", **values)


def post_url(post) -> str:
    return thread_url(post.thread, queries.page_of(post), f"post-{post.id}")


@bp.get("/")
def index():
    page = page_number()
    return pagecache.serve(pagecache.listing_validator, lambda: render_template(
        "threads/index.html",
        categories=queries.categories(),
        pinned=queries.pinned_threads() if page == 1 else [],
        threads=queries.home_threads(page),
    ))


@bp.get("/c/<slug>")
def category(slug):
    page = page_number()

    def render():
        category = queries.category_by_slug(slug) or abort(404, "There is no such category.")
        return render_template("threads/category.html", category=category,
                               threads=queries.category_threads(category, page))

    return pagecache.serve(pagecache.listing_validator, render)


@bp.get("/tag/<name>")
def tag(name):
    tag = queries.tag_by_name(name) or abort(404, "No thread has that tag.")
    return render_template("threads/tag.html", tag=tag,
                           threads=queries.tag_threads(tag, page_number()))


@bp.route("/c/<slug>/new", methods=["GET", "POST"])
@login_required
def new_thread(slug):
    category = queries.category_by_slug(slug) or abort(404, "There is no such category.")
    form = ThreadForm()
    error = None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                thread = services.create_thread(current_user, category, form.title.data,
                                                form.body.data, form.tags.data or "")
                return see_other(url_for("threads.show_thread", thread_id=thread.id))
            except Refused as refused:
                error, status = refused.message, refused.status
        else:
            error, status = first_error(form), 400
        return render_template("threads/new.html", form=form, category=category, error=error), status
    return render_template("threads/new.html", form=form, category=category, error=error)


def render_thread(thread, page: int, form=None, error=None, status=200):
    pages = queries.reply_pages(thread)
    if page > pages:
        abort(404, "That thread has no such page.")
    posts = queries.thread_posts(thread, page)
    viewer_id = current_user.id if current_user.is_authenticated else None
    closed, closed_reason = thread.closed_state()
    return render_template(
        "threads/thread.html",
        thread=thread,
        posts=posts,
        stats=post_stats([p.id for p in posts], viewer_id),
        pingbacks=thread_pingbacks(thread.id),
        mentions=mentions_by_post([p.id for p in posts if p.author_id == viewer_id]
                                  if viewer_id else None),
        page=page,
        pages=pages,
        closed=closed,
        closed_reason=closed_reason,
        form=form or ReplyForm(),
        action_form=ConfirmForm(),
        error=error,
    ), status


@bp.get("/t/<int:thread_id>")
@bp.get("/t/<int:thread_id>/<slug>")
def show_thread(thread_id, slug=None):
    page = page_number()

    def render():
        thread = queries.get_thread(thread_id) or abort(404, "There is no such thread.")
        return render_thread(thread, page)

    return pagecache.serve(lambda: pagecache.thread_validator(thread_id), render)


@bp.post("/t/<int:thread_id>/reply")
@login_required
def reply(thread_id):
    thread = queries.get_thread(thread_id) or abort(404, "There is no such thread.")
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_thread(thread, queries.reply_pages(thread), form, first_error(form), 400)
    try:
        post = services.reply(thread.id, current_user, form.body.data)
    except Refused as refused:
        db.session.rollback()
        thread = queries.get_thread(thread_id) or abort(404)
        return render_thread(thread, queries.reply_pages(thread), form, refused.message,
                             refused.status)
    return see_other(post_url(post))


@bp.get("/p/<int:post_id>")
def permalink(post_id):
    post = queries.get_post(post_id) or abort(404, "There is no such post.")
    if post.thread.deleted_at is not None:
        abort(404, "There is no such post.")
    return see_other(post_url(post))


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id):
    post = queries.get_post(post_id) or abort(404, "There is no such post.")
    if not services.can_edit(current_user, post):
        abort(403, "Only the author or a moderator can edit this post.")
    form = EditForm(data={"body": post.body, "version": post.version}
                    if request.method == "GET" else None)
    if request.method == "GET":
        return render_template("threads/edit.html", form=form, post=post)
    if not form.validate_on_submit():
        return render_template("threads/edit.html", form=form, post=post,
                               error=first_error(form)), 400
    try:
        services.edit_post(post, current_user, form.body.data, form.version.data or 0)
    except Refused as refused:
        db.session.rollback()
        post = queries.get_post(post_id) or abort(404)
        return render_template("threads/edit.html", form=form, post=post, error=refused.message,
                               newer=post if refused.status == 409 else None), refused.status
    return see_other(post_url(post))


@bp.post("/p/<int:post_id>/delete")
@login_required
def delete_post(post_id):
    post = queries.get_post(post_id) or abort(404, "There is no such post.")
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please try again.")
    try:
        thread = services.delete_post(post, current_user)
    except Refused as refused:
        abort(refused.status, refused.message)
    if thread.deleted_at is not None:
        return see_other(url_for("threads.category", slug=thread.category.slug))
    return see_other(thread_url(thread))


@bp.get("/p/<int:post_id>/history")
def post_history(post_id):
    post = queries.get_post(post_id) or abort(404, "There is no such post.")
    return render_template("threads/history.html", post=post,
                           revisions=queries.post_revisions(post))


@bp.post("/preview")
@login_required
def preview():
    """The sanitized HTML a post's Markdown would become, for the Preview button; stores nothing."""
    try:
        body = services.check_body(request.form.get("body", ""))
    except Refused as refused:
        return jsonify(error={"code": "bad_body", "message": refused.message}), refused.status
    return jsonify(html=services.render(body))


@bp.get("/search")
def search():
    q = request.args.get("q", "").strip()
    if len(q) > 200:
        abort(400, "A search holds at most 200 characters.")
    results = queries.posts_by_ids(matching_post_ids(db.session, q)) if q else []
    return render_template("threads/search.html", q=q, results=results)
