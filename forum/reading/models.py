from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.timeutil import utcnow


class ReadState(db.Model):
    """How far a member has read a thread: the highest post position they have seen.

    Only ever raised (see forum/reading/state.py), so writes from two pages of the same
    thread, in any order, leave the furthest one.
    """

    __tablename__ = "read_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"),
                                           primary_key=True)
    position: Mapped[int]


class FeedToken(db.Model):
    """The secret in a member's private feed URL (feed readers cannot log in).

    Stored as a SHA-256 digest: the URL is shown once, when it is made; the member can
    revoke it or make a new one, which ends the old one.
    """

    __tablename__ = "feed_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
