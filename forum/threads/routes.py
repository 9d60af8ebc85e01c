"""Pages and forms for categories, tags, threads, posts and search."""
from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from forum import pagecache
from forum.contribution.queries import post_stats
from forum.errors import Refused
from forum.extensions import db
from forum.links.outgoing import mentions_by_post
from forum.links.queries import thread_pingbacks
from forum.reading import state as reading_state
from forum.forms import ConfirmForm
from forum.threads import drafts, history, queries, services
from forum.threads.forms import ReplyForm
from forum.threads.page_urls import PageUrls
from forum.threads.excerpts import search_excerpt
from forum.threads.fragments import PostFragments, ThreadRowFragments
from forum.threads.search import matching_post_ids
from forum.web import page_number, see_other

bp = Blueprint("threads", __name__)


@bp.app_context_processor
def writing_context():
    """Each post form's draft name, the drafts just sent (static/js/drafts.js clears them), and
    search excerpts. Who may do what comes from forum.permissions (Jinja globals)."""
    return {"drafts": drafts, "search_excerpt": search_excerpt}


def thread_url(thread, page: int = 1, anchor: str | None = None) -> str:
    values = {"thread_id": thread.id, "slug": thread.slug, "_anchor": anchor}
    if page > 1:
        values["page"] = page
    return url_for("threads.show_thread", **values)


def post_url(post) -> str:
    return thread_url(post.thread, queries.page_of(post), f"post-{post.id}")


def reader_id() -> int | None:
    """The member whose read state listings show ("N new"); None for visitors."""
    return current_user.id if current_user.is_authenticated else None


@bp.get("/")
@pagecache.cached_page(pagecache.listing_validator)
def index():
    page = page_number()
    reader = reader_id()
    pinned = queries.pinned_threads(reader) if page == 1 else queries.Page([], 1, 1)
    threads = queries.home_threads(page, reader)
    reading = {**pinned.reading, **threads.reading}
    return render_template("threads/index.html", categories=queries.categories(),
                           pinned=pinned.items, threads=threads, reading=reading,
                           row_fragment=ThreadRowFragments(pinned.items + threads.items, reading))


@bp.get("/welcome")
@login_required
def welcome():
    """Where registering leads: the categories, how scores are made, and a first thread."""
    return render_template("threads/welcome.html", categories=queries.categories())


@bp.get("/c/<slug>")
@pagecache.cached_page(lambda slug: pagecache.listing_validator())
def category(slug):
    page = page_number()
    category = queries.category_by_slug(slug) or abort(404, "There is no such category.")
    threads = queries.category_threads(category, page, reader_id())
    return render_template("threads/category.html", category=category, threads=threads,
                           reading=threads.reading,
                           row_fragment=ThreadRowFragments(threads.items, threads.reading))


@bp.get("/tag/<name>")
def tag(name):
    tag = queries.tag_by_name(name) or abort(404, "No thread has that tag.")
    threads = queries.tag_threads(tag, page_number(), reader_id())
    return render_template("threads/tag.html", tag=tag, threads=threads, reading=threads.reading,
                           row_fragment=ThreadRowFragments(threads.items, threads.reading))


def render_thread(thread, page: int, form=None, error=None, status=200,
                  read_up_to: int | None = None):
    """The thread page; ``read_up_to``, where known, is how far the member had read it, so
    that a page they have read already stores nothing."""
    pages = queries.reply_pages(thread)
    if page > pages:
        abort(404, "That thread has no such page.")
    rows = queries.thread_post_rows(thread, page)
    viewer_id = current_user.id if current_user.is_authenticated else None
    closed, closed_reason = thread.closed_state()
    if viewer_id and status == 200 and rows:
        # Read up to the page's last post; on the last page, to the thread's last position
        # (so replies deleted at the end never count as new).
        seen = thread.post_count if page == pages else rows[-1].position
        if read_up_to is None or seen > read_up_to:
            reading_state.saw(viewer_id, thread.id, seen)
    stats = post_stats([r.id for r in rows], viewer_id,
                       counted={r.id: (r.helpful_count, r.author_score) for r in rows})
    own = [r.id for r in rows if r.author_id == viewer_id]
    mentions = mentions_by_post(own) if own else {}
    # The page's one token for its many forms; a visitor sees no form, and gets no session
    # cookie from reading (so pagecache.AnswerVisitors keeps answering them).
    token = generate_csrf() if viewer_id else ""
    fragments = PostFragments(thread, page, rows, current_user, stats, closed, token, mentions)
    # Only the posts whose HTML is not in the cache are loaded to be rendered (all of them
    # for a quote, which reads the quoted post's text). One deleted meanwhile leaves the page.
    wanted = set(r.id for r in rows) if request.args.get("quote") else set(fragments.missing())
    loaded = queries.posts_by_id(wanted)
    posts = [loaded.get(r.id) if r.id in wanted else r for r in rows]
    posts = [post for post in posts if post is not None]
    return render_template(
        "threads/thread.html",
        thread=thread,
        posts=posts,
        stats=stats,
        pingbacks=thread_pingbacks(thread.id),
        mentions=mentions,
        post_fragment=fragments,
        page=page,
        pages=pages,
        page_urls=PageUrls(thread, page),
        csrf_token=lambda: token,  # the page's one token for its many forms
        closed=closed,
        closed_reason=closed_reason,
        form=form or ReplyForm(data={"body": quoted(posts)}),
        action_form=ConfirmForm(),
        error=error,
    ), status


def quoted(posts) -> str:
    """``?quote=<post id>`` (the Quote item without JavaScript): that post quoted for the reply."""
    raw = request.args.get("quote", "")
    if not (current_user.is_authenticated and raw.isdigit() and len(raw) < 12):
        return ""
    post = next((p for p in posts if p.id == int(raw) and not p.hidden_at), None)
    if post is None:
        return ""
    author = "deleted member" if post.author.is_deleted else post.author.username
    return services.quote(author, url_for("threads.permalink", post_id=post.id),
                          post.body)


@bp.get("/t/<int:thread_id>")
@bp.get("/t/<int:thread_id>/<slug>")
@pagecache.cached_page(lambda thread_id, slug=None: pagecache.thread_validator(thread_id))
def show_thread(thread_id, slug=None):
    page = page_number()
    thread, read_up_to = queries.thread_for_reader(thread_id, reader_id())
    if thread is None:
        abort(404, "There is no such thread.")
    return render_thread(thread, page, read_up_to=read_up_to)


@bp.get("/t/<int:thread_id>/latest")
def latest(thread_id):
    """The thread's newest reply, on its page (listings link here)."""
    thread = queries.get_thread(thread_id) or abort(404, "There is no such thread.")
    post = queries.latest_post(thread) or abort(404, "There is no such thread.")
    return see_other(post_url(post))


@bp.get("/p/<int:post_id>")
def permalink(post_id):
    """To the post's place in its thread (a hidden post's place shows that it was hidden)."""
    post = queries.get_post(post_id, current_user, placeholders=True) or abort(
        404, "There is no such post.")
    return see_other(post_url(post))


@bp.get("/p/<int:post_id>/history")
def post_history(post_id):
    """A post's earlier texts, for those who may read the post."""
    post = queries.get_post(post_id, current_user) or abort(404, "There is no such post.")
    return render_template("threads/history.html", post=post, versions=history.versions(
        post, queries.post_revisions(post), services.render))


@bp.post("/preview")
@login_required
def preview():
    """The sanitized HTML a post's Markdown would become, for the Preview button; stores nothing."""
    try:
        html = services.render(services.check_body(request.form.get("body", "")))
    except Refused as refused:
        return jsonify(error={"code": "bad_body", "message": refused.message}), refused.status
    return jsonify(html=html)


@bp.get("/search")
def search():
    q = request.args.get("q", "").strip()
    if len(q) > 200:
        abort(400, "A search holds at most 200 characters.")
    results = queries.posts_by_ids(matching_post_ids(db.session, q), current_user) if q else []
    return render_template("threads/search.html", q=q, results=results)


# The writing views (new thread, reply, edit, delete) join this blueprint.
from forum.threads import writing  # noqa: E402,F401
