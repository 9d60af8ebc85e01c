"""The rules of cross-linking, as plain functions over the session.

- Internal pingbacks: a post linking to a thread or post of this forum puts "Pingback: <its
  thread's title>" on the target thread, kept in step with the post inside the write
  transaction (:func:`sync_post_links`).
- Incoming pings (Pingback, Webmention): :func:`receive_ping` checks the target and stores a
  link waiting for verification; the job in ``forum/links/jobs.py`` verifies it.
- Moderation: :func:`approve_link` and :func:`reject_link`.

Links are never deleted once they may carry ledger events: they are marked "removed".
"""
import re
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from sqlalchemy import select

from forum import locking, pagecache, permissions
from forum.contribution import ledger
from forum.database import insert_ignore, retrying
from forum.errors import Refused
from forum.extensions import db
from forum.links import discovery
from forum.links.limits import allow_ping
from forum.links.models import Link
from forum.moderation.audit import log_action
from forum.signals import recognized
from forum.threads.models import Post, Thread
from forum.threads.services import CLOSED_MESSAGE, site_host
from forum.timeutil import utcnow

THREAD_PATH = re.compile(r"^/t/(\d{1,10})(?:/[^/]*)?/?$")
POST_PATH = re.compile(r"^/p/(\d{1,10})/?$")
MAX_ID = 2**31 - 1
MAX_URL_LENGTH = 2048
LIVE = ("verifying", "pending", "approved", "rejected")  # a repeat Pingback of these is a 48


# --- addresses ---------------------------------------------------------------------------


def site_root() -> str:
    """``FORUM_BASE_URL``, else the request's scheme and host, else "" (relative URLs)."""
    base = current_app.config["BASE_URL"]
    if base:
        return base.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return ""


def internal_target(href: str, host: str | None) -> tuple[str, int] | None:
    """("thread", id) or ("post", id) when ``href`` points into this forum, else None.

    ``href`` counts when it is relative (``/t/3``, ``/t/3/slug``, ``/p/9``) or absolute
    http(s) with the forum's own ``host[:port]``; query and fragment do not matter.
    """
    try:
        parts = urlsplit((href or "").strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("", "http", "https"):
        return None
    if parts.netloc:
        if host is None or parts.netloc.lower() != host.lower():
            return None
    elif parts.scheme:
        return None
    for kind, pattern in (("thread", THREAD_PATH), ("post", POST_PATH)):
        match = pattern.match(parts.path)
        if match and 0 < int(match.group(1)) <= MAX_ID:
            return kind, int(match.group(1))
    return None


def resolve_target(kind: str, target_id: int) -> tuple[Thread, Post] | None:
    """The thread and post a target names (a thread means its opening post), if both are live."""
    if kind == "post":
        post = db.session.get(Post, target_id)
    else:
        post = db.session.scalar(select(Post).where(Post.thread_id == target_id, Post.position == 1))
    if not permissions.can_see_post(permissions.VISITOR, post):
        return None
    return post.thread, post


def target_url_for(thread: Thread, post: Post) -> str:
    """The one spelling of a target: the thread's URL for its opening post, else the post's."""
    if post.is_opening:
        return f"{site_root()}/t/{thread.id}"
    return f"{site_root()}/p/{post.id}"


def post_permalink(post: Post) -> str:
    return f"{site_root()}/p/{post.id}"


# --- internal pingbacks --------------------------------------------------------------------


def internal_targets(html: str, host: str | None) -> dict[tuple[str, int], str]:
    """The forum targets a post's HTML links to, each with the first href that names it."""
    found: dict[tuple[str, int], str] = {}
    for href in discovery.extract_links(html or ""):
        target = internal_target(href, host)
        if target and target not in found:
            found[target] = href
    return found


def award_linked(link: Link, source: Post, target_post: Post) -> None:
    """Points for an internal link: none within one thread, none to oneself (the ledger's rule)."""
    if source.thread_id == target_post.thread_id:
        return
    ledger.record("linked", target_post.author_id, source.author_id, post_id=target_post.id,
                  link_id=link.id)


def remove_link(link: Link, note: str) -> None:
    """Take a link off its thread and reverse the points it earned."""
    points_kind = "linked" if link.kind == "internal" else "pingback"
    if link.status == "approved":
        ledger.reverse_where(note, kind=points_kind, link_id=link.id)
    link.status = "removed"
    link.note = note
    link.updated_at = utcnow()


def sync_post_links(post: Post, action: str) -> None:
    """Make the internal links from ``post`` match what its stored HTML links to now.

    New targets get an approved internal Link (and "linked" points); targets linked no more,
    and every target of a deleted or hidden post, are removed (and their points reversed).
    One source post counts once per target, however often it links there.
    """
    existing = db.session.scalars(
        select(Link).where(Link.source_post_id == post.id, Link.kind == "internal")
    ).all()
    by_target = {(link.target_thread_id, link.target_post_id): link for link in existing}
    wanted: dict[tuple[int, int], tuple[Thread, Post, str]] = {}
    if action not in ("deleted", "hidden") and permissions.can_see_post(permissions.VISITOR, post):
        for (kind, target_id), href in internal_targets(post.html, site_host()).items():
            resolved = resolve_target(kind, target_id)
            if resolved is None or resolved[1].id == post.id:
                continue
            thread, target_post = resolved
            wanted.setdefault((thread.id, target_post.id), (thread, target_post, href))

    now = utcnow()
    for key, link in by_target.items():
        if key not in wanted and link.status == "approved":
            remove_link(link, "The post no longer links here." if action == "edited"
                        else f"The linking post was {action}.")
    source_title = post.thread.title
    for key, (thread, target_post, href) in wanted.items():
        link = by_target.get(key)
        excerpt = link_excerpt(post.html, href)
        if link is None:
            if thread.closed_state(now)[0]:
                continue  # closed threads take no new pingbacks
            link = Link(kind="internal", status="approved", source_post_id=post.id,
                        source_url=post_permalink(post), target_url=target_url_for(thread, target_post),
                        target_thread_id=thread.id, target_post_id=target_post.id,
                        title=source_title, excerpt=excerpt, author_name=post.author.username,
                        created_at=now, updated_at=now)
            db.session.add(link)
            db.session.flush()
            award_linked(link, post, target_post)
            continue
        link.excerpt, link.title, link.updated_at = excerpt, source_title, now
        if link.status != "approved":
            link.status, link.note = "approved", ""
            award_linked(link, post, target_post)

    if action == "deleted" and post.is_opening:
        # The whole thread went with its opening post: so do its replies' links. (Their
        # target threads' pages change: see bump_linked_threads.)
        for reply_link in db.session.scalars(
            select(Link).join(Post, Post.id == Link.source_post_id)
            .where(Post.thread_id == post.thread_id, Link.status == "approved",
                   Link.kind == "internal")
        ):
            remove_link(reply_link, "The linking thread was deleted.")


def bump_linked_threads(post: Post, action: str) -> None:
    """After a post's commit: raise the page-cache revision of the other threads its internal
    links (made, updated or removed by :func:`sync_post_links`) show on, each apart (the lock
    order allows one thread lock per transaction)."""
    sources = select(Link.target_thread_id).where(Link.kind == "internal")
    if action == "deleted" and post.is_opening:
        sources = sources.join(Post, Post.id == Link.source_post_id).where(
            Post.thread_id == post.thread_id)
    else:
        sources = sources.where(Link.source_post_id == post.id)
    targets = set(db.session.scalars(sources)) - {post.thread_id}
    db.session.rollback()
    pagecache.bump_threads_apart(targets)


def link_excerpt(html: str, href: str) -> str:
    context = discovery.find_link_context(html, href)
    return context.excerpt if context else ""


# --- incoming pings ------------------------------------------------------------------------


class PingRefused(Refused):
    """An incoming ping refused: ``fault`` is its Pingback fault code, ``status`` its HTTP answer."""

    def __init__(self, message: str, fault: int, status: int = 400):
        super().__init__(message, status)
        self.fault = fault


def check_source(source: str) -> str:
    source = (source or "").strip()
    if not source:
        raise PingRefused("The source URL is missing.", 0)
    if len(source) > MAX_URL_LENGTH:
        raise PingRefused("The source URL is too long.", 0)
    try:
        parts = urlsplit(source)
    except ValueError:
        raise PingRefused("The source is not a valid URL.", 0) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise PingRefused("The source must be an absolute http or https URL.", 0)
    host = site_host()
    if host and parts.netloc.lower() == host.lower():
        raise PingRefused("The source is a page of this forum; its links are found without a ping.", 0)
    return source


def check_target(target: str) -> tuple[Thread, Post]:
    """The thread and post an incoming ping names, or PingRefused with the Pingback fault."""
    target = (target or "").strip()
    if not target:
        raise PingRefused("The target URL is missing.", 32)
    if len(target) > MAX_URL_LENGTH:
        raise PingRefused("The target URL is too long.", 33)
    try:
        parts = urlsplit(target)
    except ValueError:
        raise PingRefused("The target is not a valid URL.", 33) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise PingRefused("The target must be an absolute http or https URL of this forum.", 33)
    named = internal_target(target, site_host())
    if named is None:
        raise PingRefused("The target is not a thread or post of this forum.", 33)
    resolved = resolve_target(*named)
    if resolved is None:
        raise PingRefused("The target thread or post does not exist.", 32)
    thread, post = resolved
    closed, _reason = thread.closed_state()
    if closed:
        raise PingRefused(f"{CLOSED_MESSAGE} The target thread takes no pingbacks.", 33)
    return resolved


def source_host(source_url: str) -> str:
    return (urlsplit(source_url).hostname or "").lower()


def receive_ping(kind: str, source: str, target: str) -> tuple[int, bool]:
    """Store an incoming Pingback or Webmention for verification; (link id, whether to verify it).

    Raises PingRefused (storing nothing) for a bad source or target, a closed thread, a
    repeated Pingback (fault 48) or too many pings from one host. A repeated Webmention
    updates: its link is verified again, and removed if the source no longer links.
    """
    source = check_source(source)
    thread, post = check_target(target)
    if source.rstrip("/") == target.strip().rstrip("/"):
        raise PingRefused("The source and the target are the same URL.", 0)
    target_url = target_url_for(thread, post)
    link = db.session.scalar(select(Link).where(Link.source_url == source,
                                                Link.target_url == target_url))
    if link is not None and kind == "pingback" and link.status in LIVE:
        raise PingRefused("The pingback has already been registered.", 48)
    if not allow_ping(source_host(source)):
        raise PingRefused(f"Too many pings from {source_host(source)}; try again later.", 49, 429)
    now = utcnow()
    if link is None:
        # Two identical pings at once: one row (the unique source and target), and the
        # second is answered as a repeat.
        stored = db.session.scalar(insert_ignore(
            Link.__table__, kind=kind, status="verifying", source_url=source,
            target_url=target_url, target_thread_id=thread.id, target_post_id=post.id,
            created_at=now, updated_at=now).returning(Link.__table__.c.id))
        if stored is not None:
            db.session.commit()
            return stored, True
        link = db.session.scalar(select(Link).where(Link.source_url == source,
                                                    Link.target_url == target_url))
    # Decide on the link as its lock returns it: a simultaneous ping may have changed it.
    link = locking.lock_link(link.id)
    if kind == "pingback" and link.status in LIVE:
        db.session.rollback()
        raise PingRefused("The pingback has already been registered.", 48)
    if link.status == "rejected":
        link_id = link.id
        db.session.rollback()
        return link_id, False  # a moderator said no; a repeat does not ask again
    if link.status in ("failed", "removed"):
        link.status, link.kind, link.note, link.updated_at = "verifying", kind, "", now
    db.session.flush()
    link_id = link.id
    db.session.commit()
    return link_id, True


# --- verification results ------------------------------------------------------------------


def accept_verified(link: Link, title: str, excerpt: str, author_name: str = "") -> None:
    """A verified source: new links wait for a moderator (or are approved at once)."""
    link.title = (title or "")[:300]
    link.excerpt = excerpt or ""
    link.author_name = (author_name or "")[:200]
    link.note = ""
    link.updated_at = utcnow()
    if link.status == "verifying":
        if current_app.config["LINKS_AUTO_APPROVE"]:
            link.status = "approved"
            award_pingback(link)
        else:
            link.status = "pending"


def refuse_verification(link: Link, note: str, gone: bool) -> None:
    """The source failed verification: a new link fails; a shown one goes when the source did."""
    if link.status == "verifying":
        link.status, link.note, link.updated_at = "failed", note[:500], utcnow()
    elif gone and link.status in ("pending", "approved"):
        remove_link(link, note[:500])
    else:
        link.note, link.updated_at = note[:500], utcnow()


def award_pingback(link: Link) -> None:
    """Points for an approved link from another site, with the site's host as the actor: at
    most 5 events from one site to one post count per 7 days (rules.SOURCE_CAP)."""
    target_post = db.session.get(Post, link.target_post_id)
    if target_post is not None:
        ledger.record("pingback", target_post.author_id, None, post_id=target_post.id,
                      link_id=link.id, source_host=source_host(link.source_url) or None)


def announce_pingback(link: Link) -> None:
    """After the commit that approved an external link: its target's author may hear of it."""
    target_post = db.session.get(Post, link.target_post_id) if link.target_post_id else None
    if target_post is not None:
        recognized.send("pingback", post_id=target_post.id, beneficiary_id=target_post.author_id,
                        actor_id=None, link_id=link.id)


# --- moderation ----------------------------------------------------------------------------


def check_moderator(user) -> None:
    if not permissions.can_decide_link(user):
        raise Refused("Only moderators can approve or reject links.", 403)


def lock_link(link: Link) -> Link:
    """The link's thread, then the link, locked and read afresh (the thread's page-cache
    revision raised: a decision on a link changes what its thread's page shows)."""
    locking.lock_thread(link.target_thread_id, deleted=True)
    link = locking.lock_link(link.id)
    pagecache.bump_thread(link.target_thread_id)
    return link


@retrying
def approve_link(link: Link, moderator) -> Link:
    """Show a verified external link on its thread and give its target's author the points."""
    check_moderator(moderator)
    link = lock_link(link)
    if link.kind == "internal" or link.status not in ("pending", "rejected"):
        raise Refused("This link is not waiting for a decision.", 409)
    link.status, link.updated_at = "approved", utcnow()
    award_pingback(link)
    log_action(moderator, "approve", "link", link.id, link.source_url)
    db.session.commit()
    announce_pingback(link)
    return link


@retrying
def reject_link(link: Link, moderator) -> Link:
    """Keep a link off its thread; points it had earned are reversed."""
    check_moderator(moderator)
    link = lock_link(link)
    if link.kind == "internal" or link.status not in ("pending", "approved"):
        raise Refused("This link is not waiting for a decision.", 409)
    if link.status == "approved":
        ledger.reverse_where("a moderator rejected the link", kind="pingback", link_id=link.id)
    link.status, link.updated_at = "rejected", utcnow()
    log_action(moderator, "reject", "link", link.id, link.source_url)
    db.session.commit()
    return link
