"""What members hear of, what they watch, and how they want to hear it."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.extensions import db
from forum.timeutil import utcnow


class Notification(db.Model):
    """One thing a member heard of; repeats collapse into it until it is read.

    ``open_key`` (kind and subject, e.g. ``helpful:p12``) is set while the notification is
    unread and cleared when it is read: the unique (user, open_key) pair is what makes a
    second helpful mark on the same reply raise ``count`` on the unread notification
    instead of adding another, even when two jobs deliver at once.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "open_key"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_user_updated", "user_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    # The post it is about; for collapsed replies, the first of them (where reading starts).
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                                index=True)
    # The member who acted most recently (None: another site, by Pingback or Webmention).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # How many collapsed into it: members (helpful, shared, follow...) or replies.
    count: Mapped[int] = mapped_column(default=1)
    open_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # When to consider mailing it (FORUM_MAIL_DELAY_SECONDS after it was made); None once
    # mailed, read or found not to be mailed.
    mail_due_at: Mapped[datetime | None] = mapped_column(index=True)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    thread = relationship("Thread", foreign_keys=[thread_id], lazy="joined")


class Heard(db.Model):
    """That a member has heard of one event already (``mention:p12``, ``helpful:p12:u5``...),
    so a mention is notified once per post, and an unmark and mark again is not news."""

    __tablename__ = "notifications_heard"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThreadWatch(db.Model):
    """A member's level for one thread: ``watching``, ``normal`` or ``muted``."""

    __tablename__ = "thread_watches"
    __table_args__ = (Index("ix_thread_watches_thread_level", "thread_id", "level"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"),
                                           primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CategoryWatch(db.Model):
    """A member's level for a category; its threads follow it unless set on their own."""

    __tablename__ = "category_watches"
    __table_args__ = (Index("ix_category_watches_category_level", "category_id", "level"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"),
                                             primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationSettings(db.Model):
    """A member's choices; a row exists once they changed one. ``None`` is the default
    (see rules.DEFAULT_CHANNELS); each channel is ``off``, ``site`` or ``email``."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    reply_own: Mapped[str | None] = mapped_column(String(8))
    reply: Mapped[str | None] = mapped_column(String(8))
    mention: Mapped[str | None] = mapped_column(String(8))
    helpful: Mapped[str | None] = mapped_column(String(8))
    accepted: Mapped[str | None] = mapped_column(String(8))
    shared: Mapped[str | None] = mapped_column(String(8))
    pingback: Mapped[str | None] = mapped_column(String(8))
    follow: Mapped[str | None] = mapped_column(String(8))
    closed: Mapped[str | None] = mapped_column(String(8))
    new_thread: Mapped[str | None] = mapped_column(String(8))
    digest: Mapped[bool] = mapped_column(default=True)
    # Replying in a thread starts watching it.
    watch_replied: Mapped[bool] = mapped_column(default=True)
    # The ISO week ("2026-W49") of the last digest sent: never two for one week.
    digest_week: Mapped[str | None] = mapped_column(String(10))

