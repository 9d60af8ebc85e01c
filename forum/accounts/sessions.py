"""Revocable sessions: every login is a stored ``AccountSession``, ended by logout, a
password change (the others), a reset or a deletion (all).

Flask-Login keeps the session's token (not the member's id) as the user id in the session
cookie and in the remember cookie, so both name one login: once it is ended, a copied
cookie logs nobody in. Only the token's SHA-256 is stored. ``last_seen_at`` is written at
most once per ``SESSION_TOUCH_SECONDS``, not on every request.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import Flask, current_app, g, request, session
from flask_login import login_user
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from forum.accounts.models import AccountSession, User
from forum.extensions import db, login_manager
from forum.timeutil import utcnow

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_name(user_agent: str | None) -> str:
    """A short description of the browser, from its User-Agent."""
    from werkzeug.user_agent import UserAgent

    raw = (user_agent or "").strip()
    if not raw:
        return "Unknown device"
    agent = UserAgent(raw)
    for browser in ("Firefox", "Edg", "Chrome", "Safari"):
        if browser + "/" in raw:
            name = "Edge" if browser == "Edg" else browser
            break
    else:
        name = agent.browser or raw.split("/")[0]
    for system, label in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                          ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
                          ("Linux", "Linux")):
        if system in raw:
            return f"{name} on {label}"[:200]
    return name[:200]


def start(user: User, remember: bool = True) -> AccountSession:
    """Log ``user`` in on this browser: a new stored session, a fresh CSRF token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    stored = AccountSession(user_id=user.id, token_hash=token_hash(token), created_at=now,
                            last_seen_at=now, device=device_name(request.user_agent.string))
    db.session.add(stored)
    db.session.commit()
    # A new CSRF token for the new login, so one seen before it is worth nothing after.
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    user.session_token = token
    login_user(user, remember=remember)
    return stored


def load(token: str) -> User | None:
    """The member whose live session has this token, else None (Flask-Login's user loader)."""
    if not token or len(token) > 100:
        return None
    # Looked up by the token's hash: the lookup's timing says nothing about the token itself.
    # The session and its member in one query: every page a member sees starts with it.
    found = db.session.execute(
        select(AccountSession, User).join(User, User.id == AccountSession.user_id).where(
            AccountSession.token_hash == token_hash(token), AccountSession.ended_at.is_(None))
    ).first()
    if found is None:
        return None
    stored, user = found
    now = utcnow()
    if now - stored.last_seen_at > timedelta(days=current_app.config["SESSION_DAYS"]) or user.is_deleted:
        return None
    if now - stored.last_seen_at > timedelta(seconds=current_app.config["SESSION_TOUCH_SECONDS"]):
        try:
            db.session.execute(update(AccountSession).where(AccountSession.id == stored.id)
                               .values(last_seen_at=now))
            db.session.commit()
        except OperationalError:  # "last seen" is approximate: a busy database skips it
            db.session.rollback()
    user.session_token = token
    g.account_session_id = stored.id
    return user


def current_session_id() -> int | None:
    return g.get("account_session_id")


def live_sessions(user: User) -> list[AccountSession]:
    return db.session.scalars(select(AccountSession).where(
        AccountSession.user_id == user.id, AccountSession.ended_at.is_(None))
        .order_by(AccountSession.last_seen_at.desc())).all()


def end_where(*conditions) -> int:
    """End every live session matching ``conditions``, in the caller's transaction."""
    result = db.session.execute(update(AccountSession).where(
        AccountSession.ended_at.is_(None), *conditions).values(ended_at=utcnow()))
    return result.rowcount


def end_current() -> None:
    """Logout: this browser's session ends."""
    if (session_id := current_session_id()) is not None:
        end_where(AccountSession.id == session_id)
        db.session.commit()


def end_others(user: User) -> int:
    """Every session of ``user`` but this one ends (in the caller's transaction)."""
    keep = current_session_id()
    conditions = [AccountSession.user_id == user.id]
    if keep is not None:
        conditions.append(AccountSession.id != keep)
    return end_where(*conditions)


def log_out_everywhere_else(user: User) -> int:
    """The member's "log out everywhere else": every other session ends now."""
    ended = end_others(user)
    db.session.commit()
    return ended


def end_all(user: User) -> int:
    """Every session of ``user`` ends (in the caller's transaction)."""
    return end_where(AccountSession.user_id == user.id)


def end_one(user: User, session_id: int) -> bool:
    """End one of the member's own sessions; False when there is no such live session."""
    ended = end_where(AccountSession.user_id == user.id, AccountSession.id == session_id)
    db.session.commit()
    return ended > 0


def init_app(app: Flask) -> None:
    login_manager.user_loader(load)
