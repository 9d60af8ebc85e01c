"""Reading notifications and watch levels: the page, the unread count, the API."""
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import func, select

from forum.extensions import db
from forum.notifications.models import CategoryWatch, Notification, NotificationSettings, ThreadWatch
from forum.notifications.rules import describe
from forum.threads.models import Post
from forum.web import Paginated

PER_PAGE = 30


@dataclass
class Entry:
    """A notification as the page, the API and the mail show it."""

    id: int
    kind: str
    text: str
    who: str
    what: str
    title: str | None
    url: str
    count: int
    read: bool
    at: datetime


@dataclass
class Page(Paginated):
    entries: list[Entry]
    page: int
    pages: int
    total: int
    unread: int


def unread_count(user_id: int) -> int:
    """One indexed query (``ix_notifications_user_unread``)."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def notifications_page(user, page: int, per_page: int = PER_PAGE) -> Page:
    """Newest first; three queries whatever the member has: the counts, then the page
    (with who acted, the thread and the post joined in)."""
    total, unread = db.session.execute(
        select(func.count(), func.count().filter(Notification.read_at.is_(None)))
        .where(Notification.user_id == user.id)).one()
    pages = max(1, -(-total // per_page))
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(entries(rows, user), page, pages, total, unread)


def entries(notifications: list[Notification], user) -> list[Entry]:
    """How each notification reads, with its link (one query for the posts' positions)."""
    post_ids = {n.post_id for n in notifications if n.post_id is not None}
    positions = dict(db.session.execute(select(Post.id, Post.position).where(
        Post.id.in_(post_ids))).all()) if post_ids else {}
    made = []
    for n in notifications:
        said = describe(n.kind, n.count, n.actor.username if n.actor else None,
                        is_opening=positions.get(n.post_id) == 1)
        title = n.thread.title if n.thread is not None else None
        text = str(said) + (f" in “{title}”" if title and n.kind not in ("new_thread",) else "")
        if n.kind == "new_thread" and title:
            text = f"{said}: “{title}”"
        made.append(Entry(n.id, n.kind, text, said.who, said.what, title, link(n), n.count,
                          n.read_at is not None, n.updated_at))
    return made


def link(n: Notification) -> str:
    """Where a notification leads: the post (the first of collapsed replies), the thread, or
    for a new follower, their profile."""
    if n.kind == "follow":
        if n.actor is not None and n.count == 1:
            return url_for("accounts.profile", username=n.actor.username, _external=True)
        return url_for("notifications.index", _external=True)
    if n.kind in ("closed", "new_thread") and n.thread_id is not None:
        return url_for("threads.show_thread", thread_id=n.thread_id, _external=True)
    if n.post_id is not None:
        return url_for("threads.permalink", post_id=n.post_id, _external=True)
    return url_for("notifications.index", _external=True)


def thread_level(user_id: int, thread) -> tuple[str, str]:
    """The member's level for a thread and where it comes from ("thread", "category" or
    "default"), in one query."""
    on_thread = select(ThreadWatch.level).where(
        ThreadWatch.user_id == user_id, ThreadWatch.thread_id == thread.id).scalar_subquery()
    on_category = select(CategoryWatch.level).where(
        CategoryWatch.user_id == user_id,
        CategoryWatch.category_id == thread.category_id).scalar_subquery()
    level, inherited = db.session.execute(select(on_thread, on_category)).one()
    if level is not None:
        return level, "thread"
    if inherited not in (None, "normal"):
        return inherited, "category"
    return "normal", "default"


def category_level(user_id: int, category_id: int) -> str:
    return db.session.scalar(select(CategoryWatch.level).where(
        CategoryWatch.user_id == user_id, CategoryWatch.category_id == category_id)) or "normal"


def settings_of(user_id: int) -> NotificationSettings | None:
    return db.session.get(NotificationSettings, user_id)
