import time
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.database import forget_validators
from forum.extensions import db
from forum.timeutil import utcnow

def new_revision() -> int:
    """A fresh page-cache revision: microseconds since the epoch (see forum/pagecache.py).

    Every change a cached page could show mints one, so it is also where this process forgets
    the page validators it remembers (``forum.database.read_validator``).
    """
    forget_validators()
    return time.time_ns() // 1000


thread_tags = Table(
    "thread_tags",
    db.metadata,
    Column("thread_id", ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # A thread with no reply for this many days is closed (see Thread.closed_state).
    auto_close_days: Mapped[int | None]


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        # Listings order by (last_activity_at, id), newest first: the index holds both, so
        # threads with the same moment need no sort.
        Index("ix_threads_category_activity", "category_id", "last_activity_at", "id"),
        Index("ix_threads_activity", "last_activity_at", "id"),
        # The home page's pinned threads, a few among thousands. Each predicate is written as
        # the dialect renders ``Thread.pinned.is_(True)``, or the planner would not use it.
        Index("ix_threads_pinned", "last_activity_at", postgresql_where=text("pinned IS true"),
              sqlite_where=text("pinned IS 1")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The time of the newest reply (or of the opening post): listings sort by it,
    # and auto-close counts from it.
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    reply_count: Mapped[int] = mapped_column(default=0)
    # The position the next post takes; posts keep theirs when others are deleted.
    post_count: Mapped[int] = mapped_column(default=0)
    pinned: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(500))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # "author", "moderator" or "auto": only a moderator reopens what a moderator closed.
    closed_by_role: Mapped[str | None] = mapped_column(String(16))
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", use_alter=True, ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime | None]
    # Raised whenever anything the thread's page shows changes (forum/pagecache.py).
    revision: Mapped[int] = mapped_column(BigInteger, default=new_revision, index=True)

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined", innerjoin=True)
    tags: Mapped[list[Tag]] = relationship(secondary=thread_tags, order_by="Tag.name")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    def closed_state(self, now: datetime | None = None) -> tuple[bool, str | None]:
        """Whether the thread is closed at ``now``, and why.

        A category's ``auto_close_days`` closes a thread that long after its last reply,
        effective at that moment: no scheduled job has to run first.
        """
        return closed_state(self.closed_at, self.closed_reason, self.last_activity_at,
                            self.category.auto_close_days, now or utcnow())

    @property
    def is_closed(self) -> bool:
        return self.closed_state()[0]


def closed_state(closed_at: datetime | None, closed_reason: str | None,
                 last_activity_at: datetime, auto_close_days: int | None,
                 now: datetime) -> tuple[bool, str | None]:
    """The closing rule on plain values (see :meth:`Thread.closed_state`)."""
    if closed_at is not None and closed_at <= now:
        return True, closed_reason
    if auto_close_days and last_activity_at + timedelta(days=auto_close_days) <= now:
        return True, auto_close_reason(auto_close_days)
    return False, None


def auto_close_reason(days: int) -> str:
    return f"Closed automatically after {days} days without a reply."


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread_position", "thread_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # 1 is the opening post; replies count up from 2 and keep their number for good.
    position: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    # Rendered and sanitized once, when written (forum/threads/markup.py).
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    edited_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    # How many members marked it helpful: kept by forum/contribution/services.py under the
    # post's lock, so feeds and pages read a column instead of counting marks.
    helpful_count: Mapped[int] = mapped_column(default=0, server_default="0")
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    deleted_at: Mapped[datetime | None]

    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])
    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    # Optimistic locking: an edit made from a stale version fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_opening(self) -> bool:
        return self.position == 1


class PostRevision(db.Model):
    """A post's earlier text, kept on every edit."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    editor: Mapped[User] = relationship(lazy="joined")
