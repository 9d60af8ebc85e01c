"""Catching up: the jump to the first unread reply, marking a category read, /following and
its private feed."""
from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_login import current_user, login_required

from forum.accounts.settings_routes import render_settings
from forum.feeds import build
from forum.forms import ConfirmForm
from forum.permissions import VISITOR
from forum.reading import queries, services
from forum.threads.queries import category_by_slug, get_thread, page_of
from forum.threads.routes import thread_url
from forum.web import base_url, page_number, see_other

bp = Blueprint("reading", __name__)


@bp.get("/t/<int:thread_id>/unread")
def unread(thread_id):
    """A member lands on the first reply they have not read (or the last post); a visitor on
    the thread itself."""
    viewer = current_user if current_user.is_authenticated else VISITOR
    thread = get_thread(thread_id, viewer) or abort(404, "There is no such thread.")
    if viewer is VISITOR:
        return redirect(thread_url(thread))
    place = queries.first_unread(thread.id, current_user)
    if place is None:
        return redirect(thread_url(thread))
    return redirect(thread_url(thread, page_of(place), f"post-{place.id}"))


@bp.post("/c/<slug>/read")
@login_required
def mark_category_read(slug):
    category = category_by_slug(slug) or abort(404, "There is no such category.")
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please reload the page and try again.")
    services.mark_category_read(current_user, category)
    return see_other(url_for("threads.category", slug=category.slug))


@bp.get("/following")
@login_required
def following():
    page = page_number()
    timeline = queries.timeline(current_user, page)
    if page > timeline.pages:
        abort(404, "Your timeline has no such page.")
    return render_template("reading/following.html", timeline=timeline)


@bp.post("/following/feed")
@login_required
def new_feed_token():
    """Make (or replace) the private feed address; the settings page shows it, this once."""
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please reload the page and try again.")
    token = services.new_feed_token(current_user)
    return render_settings(feed_url=url_for("reading.private_feed", token=token, _external=True),
                           feed_created_at=services.feed_token_created(current_user))


@bp.post("/following/feed/revoke")
@login_required
def revoke_feed_token():
    if not ConfirmForm().validate_on_submit():
        abort(400, "The form has expired; please reload the page and try again.")
    services.revoke_feed_token(current_user)
    flash("Your private feed address no longer works.", "success")
    return see_other(url_for("settings.index") + "#private-feed")


@bp.get("/following/<token>.atom")
def private_feed(token):
    """The member's timeline as Atom, for feed readers: the token in the URL is the login."""
    member = services.feed_owner(token) or abort(404, "There is no such feed.")
    urls = build.Urls(base_url(), url_for)
    posts = queries.feed_posts(member)
    site_name = current_app.config["SITE_NAME"]
    meta = build.FeedMeta(
        f"Following · {member.username} · {site_name}",
        f"New threads and replies by the members {member.username} follows on {site_name}.",
        urls("reading.following"), urls("reading.private_feed", token=token))
    made = [build.post_entry(post, urls) for post in posts]
    newest = max((entry.updated for entry in made), default=build.EPOCH)
    response = Response(build.document(meta, made, "atom", newest),
                        mimetype=build.MIMETYPES["atom"])
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.add_etag()
    return response.make_conditional(request)
