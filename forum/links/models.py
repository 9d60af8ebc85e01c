from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.timeutil import utcnow

KINDS = ("internal", "pingback", "webmention")
# verifying: an incoming ping whose source is being fetched; pending: verified, waiting in
# /mod/queue; failed: the source could not be verified; removed: the source stopped linking
# (edited, deleted, 410): kept, not deleted, because ledger events point at it.
STATUSES = ("verifying", "pending", "approved", "rejected", "failed", "removed")
MENTION_PROTOCOLS = ("webmention", "pingback")
# queued: waiting for its job; retrying: a transient failure, tried again later; sent: the
# target's endpoint accepted it; unsupported: the target advertises no endpoint; failed: the
# endpoint refused it, or every retry failed.
MENTION_STATUSES = ("queued", "retrying", "sent", "unsupported", "failed")


class Link(db.Model):
    """A page that links to a thread: shown there as "Pingback: <title>" once approved.

    Internal links (a post of this forum linking to another thread) are worked out in-process
    and approved at once; external ones arrive by Pingback or Webmention and are verified in a
    background job first.
    """

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("source_url", "target_url"),
        Index("ix_links_target_thread", "target_thread_id", "status"),
        # The moderation queue: pending links, oldest first.
        Index("ix_links_status", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    source_url: Mapped[str] = mapped_column(String(2048))
    target_url: Mapped[str] = mapped_column(String(2048))
    target_thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    target_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    source_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    # Why the status is what it is ("the source does not link to the target"), for the status page.
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    source_post = relationship("Post", foreign_keys=[source_post_id])
    target_post = relationship("Post", foreign_keys=[target_post_id])


class OutgoingMention(db.Model):
    """A Webmention or Pingback this forum sends for a link in one of its posts.

    One row per post and linked page; the post's author sees its status under the post.
    """

    __tablename__ = "outgoing_mentions"
    __table_args__ = (UniqueConstraint("post_id", "target_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    source_url: Mapped[str] = mapped_column(String(2048))
    target_url: Mapped[str] = mapped_column(String(2048))
    # False once the post no longer links there: the target still hears of it (Webmention
    # lets it delete its copy), but the row is not shown as a current link.
    linked: Mapped[bool] = mapped_column(default=True)
    endpoint: Mapped[str | None] = mapped_column(String(2048))
    protocol: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
