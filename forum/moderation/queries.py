"""What the moderation pages show: the queue and the audit log, each in a few queries."""
from dataclasses import dataclass
from math import ceil

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from forum.extensions import db
from forum.links.models import Link
from forum.accounts.models import User
from forum.moderation.models import Flag, ModerationAction
from forum.threads.models import Post, Thread
from forum.threads.queries import Page

LOG_PER_PAGE = 50
QUEUE_LIMIT = 200


@dataclass
class FlaggedPost:
    post: Post
    flags: list[Flag]


def flagged_posts(limit: int = QUEUE_LIMIT) -> list[FlaggedPost]:
    """Posts with open flags, the longest-waiting first, each with its open flags: the first
    ``limit`` posts are chosen before any flag is loaded."""
    first = func.min(Flag.created_at)
    post_ids = db.session.scalars(
        select(Flag.post_id).join(Post, Post.id == Flag.post_id)
        .where(Flag.resolved_at.is_(None), Post.deleted_at.is_(None))
        .group_by(Flag.post_id).order_by(first, func.min(Flag.id)).limit(limit)).all()
    if not post_ids:
        return []
    by_post: dict[int, list[Flag]] = {post_id: [] for post_id in post_ids}
    for flag in db.session.scalars(
        select(Flag).where(Flag.resolved_at.is_(None), Flag.post_id.in_(post_ids))
        .options(joinedload(Flag.user)).order_by(Flag.created_at, Flag.id)
    ):
        by_post[flag.post_id].append(flag)
    posts = {post.id: post for post in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.thread)))}
    return [FlaggedPost(posts[i], by_post[i]) for i in post_ids if i in posts and by_post[i]]


def pending_count() -> int:
    """What waits for a moderator: posts with open flags and incoming links, in one query."""
    flagged = (select(func.count(func.distinct(Flag.post_id)))
               .join(Post, Post.id == Flag.post_id)
               .where(Flag.resolved_at.is_(None), Post.deleted_at.is_(None)).scalar_subquery())
    links = select(func.count(Link.id)).where(Link.status == "pending").scalar_subquery()
    return db.session.scalar(select(flagged + links)) or 0


def pending_links(limit: int = QUEUE_LIMIT) -> list[tuple[Link, Thread]]:
    """Incoming links waiting for a moderator, oldest first, with their target threads."""
    return [(link, thread) for link, thread in db.session.execute(
        select(Link, Thread).join(Thread, Thread.id == Link.target_thread_id)
        .where(Link.status == "pending")
        .order_by(Link.created_at, Link.id).limit(limit)
    )]


def audit_log(page: int) -> Page:
    """The audit log, newest first."""
    total = db.session.scalar(select(func.count(ModerationAction.id)))
    pages = max(1, ceil(total / LOG_PER_PAGE))
    entries = db.session.scalars(
        select(ModerationAction).options(joinedload(ModerationAction.moderator))
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .offset((page - 1) * LOG_PER_PAGE).limit(LOG_PER_PAGE)
    ).all()
    return Page(entries, page, pages)


def target_names(entries: list[ModerationAction]) -> dict[tuple[str, int], str]:
    """Readable names for the log's targets: members' usernames and threads' titles."""
    ids: dict[str, set[int]] = {"user": set(), "thread": set()}
    for entry in entries:
        if entry.target_type in ids:
            ids[entry.target_type].add(entry.target_id)
    names: dict[tuple[str, int], str] = {}
    if ids["user"]:
        for user_id, username in db.session.execute(
                select(User.id, User.username).where(User.id.in_(ids["user"]))):
            names["user", user_id] = username
    if ids["thread"]:
        for thread_id, title in db.session.execute(
                select(Thread.id, Thread.title).where(Thread.id.in_(ids["thread"]))):
            names["thread", thread_id] = title
    return names
