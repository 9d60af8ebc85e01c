"""Personal API tokens: created with a name, shown once, stored as SHA-256, revocable.

``Authorization: Bearer <token>`` names the member on ``/api/v1/me/...``. Tokens are 256
random bits, so a plain SHA-256 (not a slow password hash) keeps a copy of the table from
being usable, and looking a token up by its hash reveals nothing through timing.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import request
from sqlalchemy import select, update

from forum.accounts.models import ApiToken, User
from forum.errors import Refused
from forum.extensions import db
from forum.timeutil import utcnow

PREFIX = "forum_"
MAX_TOKENS = 20
# "Last used" is written at most this often, not on every call.
TOUCH = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the plain token is returned this once and never stored."""
    name = (name or "").strip()
    if not name:
        raise Refused("Give the token a name, such as the program that will use it.")
    if len(name) > 80:
        raise Refused("A token name is at most 80 characters.")
    if len(live(user)) >= MAX_TOKENS:
        raise Refused(f"You have {MAX_TOKENS} tokens already; revoke one you no longer use first.")
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_hash(plain), created_at=utcnow())
    db.session.add(token)
    db.session.commit()
    return token, plain


def live(user: User) -> list[ApiToken]:
    return db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


def revoke(user: User, token_id: int) -> None:
    """Revoke one of the member's own tokens (404 when there is no such live token)."""
    result = db.session.execute(update(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    if not result.rowcount:
        db.session.rollback()
        raise Refused("You have no such token.", 404)
    db.session.commit()


def bearer_member() -> User | None:
    """The member named by this request's ``Authorization: Bearer`` token, else None."""
    scheme, _, plain = request.headers.get("Authorization", "").partition(" ")
    plain = plain.strip()
    if scheme.lower() != "bearer" or not plain.startswith(PREFIX) or len(plain) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(plain),
                                                      ApiToken.revoked_at.is_(None)))
    if token is None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or user.is_deleted:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return user
