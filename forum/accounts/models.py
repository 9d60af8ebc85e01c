from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.timeutil import utcnow

ROLES = ("member", "moderator", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    # Lower-cased username: "Ada" and "ada" are one member.
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # When the member proved they read ``email`` (/verify/<token>); no notification mail before.
    email_confirmed_at: Mapped[datetime | None]
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="member")
    bio: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(String(500))
    # A suspension for abuse also reverses the points this member gave.
    suspended_for_abuse: Mapped[bool] = mapped_column(default=False)
    # Trust (forum/contribution/trust.py): since when this member's recognition counts, who
    # made it so (the moderator, or the trusted member whose recognition did) and how
    # ("moderator", or the kind of that recognition: "helpful", "accepted", "shared").
    trusted_at: Mapped[datetime | None]
    trusted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    trusted_via: Mapped[str | None] = mapped_column(String(16))

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_trusted(self) -> bool:
        """Moderators and admins are; a member once trusted (the stored flag)."""
        return self.is_moderator or self.trusted_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def initials(self) -> str:
        return self.username[:2].upper()

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class Follow(db.Model):
    """One member following another: shown on profiles, never ranked on."""

    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    followed_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
