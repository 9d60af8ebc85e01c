"""Optional two-factor login: a TOTP code (RFC 6238, pyotp) after the password, or one of ten
single-use recovery codes. Offered to everyone; recommended to moderators and admins.

A code's time step is remembered once used, so the same code never logs in twice.
"""
import hashlib
import secrets
from datetime import datetime, timezone

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from forum.accounts.models import RecoveryCode, User
from forum.errors import Refused
from forum.extensions import db
from forum.timeutil import utcnow

RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username,
                                               issuer_name=current_app.config["SITE_NAME"])


def qr_svg(uri: str) -> str:
    """The setup link as an inline SVG QR code, for authenticator apps to scan."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, omitsize=True)


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose code ``code`` is (now, or one step either side), else None."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(timezone.utc))
    for step in (now, now - 1, now + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)) for code in codes)
    return codes


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn two-factor login on once the app shows the right code; returns the recovery codes."""
    code = code.strip().replace(" ", "")
    if not secret or len(secret) != 32:
        raise Refused("The setup has expired; please start again.")
    step = _matching_step(secret, code) if code.isascii() and code.isdigit() else None
    if step is None:
        raise Refused("That code is not the one your app shows now; please try again.")
    user.totp_secret = secret
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.commit()


def recovery_codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def verify(user_id: int, code: str) -> User | None:
    """The member, when ``code`` is their current TOTP code or an unused recovery code; the
    code is then used up. None otherwise (and nothing changes)."""
    from forum.locking import lock_member

    code = (code or "").strip().replace(" ", "")
    # Locked, so one code raced from two browsers logs in once.
    user = lock_member(user_id)
    if user is None or user.is_deleted or user.totp_secret is None or not code.isascii():
        db.session.rollback()
        return None
    if code.isdigit() and len(code) == 6:
        step = _matching_step(user.totp_secret, code)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            db.session.rollback()
            return None
        user.totp_last_step = step
        db.session.commit()
        return user
    recovery = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(code),
        RecoveryCode.used_at.is_(None)).with_for_update())
    if recovery is None:
        db.session.rollback()
        return None
    recovery.used_at = utcnow()
    db.session.commit()
    return user
