from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.timeutil import utcnow

KINDS = ("internal", "pingback", "webmention")
STATUSES = ("pending", "approved", "rejected")  # pending: waiting in /mod/queue


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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    source_post = relationship("Post", foreign_keys=[source_post_id])
