"""Outgoing mentions: which other sites a post's links should hear about.

Inside the post's write transaction :func:`sync_mentions` keeps one OutgoingMention per
linked page; after the commit the queued ones get a job (``jobs.send_mention``). A link
edited out is sent again, so a Webmention receiver can take its copy down.
"""
from sqlalchemy import select

from forum.extensions import db
from forum.permissions import VISITOR, can_see_post
from forum.links import discovery
from forum.links.models import OutgoingMention
from forum.links.services import MAX_URL_LENGTH, post_permalink
from forum.markup import is_external
from forum.threads.models import Post
from forum.threads.services import site_host
from forum.timeutil import utcnow

MAX_TARGETS = 20  # one post notifies at most this many pages


def external_targets(html: str, host: str | None) -> list[str]:
    """The absolute http(s) URLs outside the forum that a post's HTML links to, in order."""
    found: list[str] = []
    for href in discovery.extract_links(html or ""):
        href = href.strip().split("#", 1)[0]
        if (href.lower().startswith(("http://", "https://")) and len(href) <= MAX_URL_LENGTH
                and is_external(href, host) and href not in found):
            found.append(href)
    return found[:MAX_TARGETS]


def sync_mentions(post: Post, action: str) -> None:
    """Queue a mention for each page newly linked, or no longer linked, by ``post``."""
    if site_host() is None and not post_permalink(post).startswith("http"):
        return  # no absolute address to send as the source (no request, no FORUM_BASE_URL)
    wanted = [] if action in ("deleted", "hidden") or not can_see_post(VISITOR, post) else \
        external_targets(post.html, site_host())
    existing = {m.target_url: m for m in db.session.scalars(
        select(OutgoingMention).where(OutgoingMention.post_id == post.id))}
    now = utcnow()
    source = post_permalink(post)
    for target in wanted:
        mention = existing.get(target)
        if mention is None:
            db.session.add(OutgoingMention(post_id=post.id, source_url=source, target_url=target,
                                           created_at=now, updated_at=now))
        elif not mention.linked:
            mention.linked, mention.status, mention.attempts = True, "queued", 0
            mention.last_error, mention.updated_at = "", now
    for target, mention in existing.items():
        if target not in wanted and mention.linked:
            mention.linked, mention.status, mention.attempts = False, "queued", 0
            mention.last_error, mention.updated_at = "", now


def mentions_by_post(post_ids: list[int] | None) -> dict[int, list[OutgoingMention]]:
    """The current mentions of each post, for showing their results to the author.

    None (an anonymous reader) asks nothing; a list, even empty, is one query, so a member's
    thread page costs the same however many of the posts are theirs.
    """
    grouped: dict[int, list[OutgoingMention]] = {}
    if post_ids is None:
        return grouped
    for mention in db.session.scalars(
        select(OutgoingMention).where(OutgoingMention.post_id.in_(post_ids),
                                      OutgoingMention.linked.is_(True))
        .order_by(OutgoingMention.id)
    ):
        grouped.setdefault(mention.post_id, []).append(mention)
    return grouped
