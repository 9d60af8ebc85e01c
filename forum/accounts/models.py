from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.timeutil import utcnow

ROLES = ("member", "moderator", "admin")


class AccountState:
    """Suspended or deleted, read from ``suspended_at`` and ``deleted_at``: for a member's row
    and for the plain rows pages read of other members (forum.threads.queries.AuthorRow)."""

    suspended_at: datetime | None
    deleted_at: datetime | None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class User(AccountState, UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    # Lower-cased username: "Ada" and "ada" are one member.
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    # None once the account is deleted, and until a registration's address is confirmed.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # When the member proved they read ``email`` (/verify/<token>); no notification mail before.
    email_confirmed_at: Mapped[datetime | None]
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="member")
    bio: Mapped[str] = mapped_column(Text, default="")
    # The bio rendered and sanitized once, when written (forum/markup.py), like posts.
    bio_html: Mapped[str] = mapped_column(Text, default="")
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
    # A deleted account keeps its row, so its posts and ledger events stay, anonymized.
    deleted_at: Mapped[datetime | None]
    # Two-factor login (forum/accounts/twofactor.py): the TOTP secret, and the last time step
    # used, so one code never logs in twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    # The stored session this request runs in (set by the session loader, not a column):
    # Flask-Login keeps its token as the user's id in the session and remember cookies.
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_trusted(self) -> bool:
        """Moderators and admins are; a member once trusted (the stored flag)."""
        return self.is_moderator or self.trusted_at is not None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

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


class AccountSession(db.Model):
    """One login: what the session and remember cookies name, so it can be ended.

    The cookies carry ``token``; only its SHA-256 is stored, so the table alone logs nobody in.
    """

    __tablename__ = "account_sessions"
    __table_args__ = (Index("ix_account_sessions_user", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A personal API token: ``Authorization: Bearer <token>`` on ``/api/v1/me/...``.

    Shown once when created; only its SHA-256 is stored.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class RecoveryCode(db.Model):
    """A single-use code that logs in in place of a two-factor code (stored as SHA-256)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
