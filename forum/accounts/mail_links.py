"""Signed links mailed to members: password reset and address confirmation.

Why signed (itsdangerous) rather than stored tokens: each link carries the member's id and a
fingerprint of the state it is allowed to change, signed with the app's secret key and
timestamped. Using the link changes that state (a reset changes the password hash; a
confirmation changes the address), so the fingerprint no longer matches and the link is used
up: single use with no table to clean. Expiry is the signature's age. Signatures and
fingerprints are compared in constant time; an expired, used or forged link changes nothing.
"""
import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from forum.accounts.models import User
from forum.errors import Refused
from forum.extensions import db

RESET_SECONDS = 3600
CONFIRM_SECONDS = 3 * 24 * 3600
MAX_TOKEN_LENGTH = 500


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"forum.accounts.{purpose}")


def fingerprint(value: str | None) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()[:32]


def _load(purpose: str, token: str, max_age: int, what: str) -> dict:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Refused(f"That {what} link is not valid. Please ask for a new one.")
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Refused(f"That {what} link has expired. Please ask for a new one.")
    except BadSignature:
        raise Refused(f"That {what} link is not valid. Please ask for a new one.")
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise Refused(f"That {what} link is not valid. Please ask for a new one.")
    return data


def reset_token(user: User) -> str:
    return _serializer("reset").dumps({"u": user.id, "p": fingerprint(user.password_hash)})


def reset_member(token: str, lock: bool = False) -> User:
    """The member a reset link is for, while it is unexpired and unused; else Refused (400).

    ``lock``: the member's row is locked, so two uses of one link cannot both succeed.
    """
    data = _load("reset", token, RESET_SECONDS, "reset")
    if lock:
        from forum.locking import lock_member

        user = lock_member(data["u"])
    else:
        user = db.session.get(User, data["u"])
    if user is None or user.is_deleted or not hmac.compare_digest(
            str(data.get("p", "")), fingerprint(user.password_hash)):
        raise Refused("That reset link has been used already. Please ask for a new one.")
    return user


def confirm_token(user: User, address: str) -> str:
    """A link that sets ``user``'s address to ``address`` (confirmed), while their address is
    still what it is now."""
    return _serializer("confirm").dumps({"u": user.id, "e": address, "f": fingerprint(user.email)})


def confirm_request(token: str) -> tuple[User, str, bool]:
    """``(member, address, already_done)`` for a confirmation link; Refused (400) when it is
    expired, forged, or was for an address the member no longer has."""
    data = _load("confirm", token, CONFIRM_SECONDS, "confirmation")
    user = db.session.get(User, data["u"])
    address = data.get("e")
    if user is None or user.is_deleted or not isinstance(address, str):
        raise Refused("That confirmation link is not valid. Please ask for a new one.")
    if user.email == address and getattr(user, "email_confirmed_at", None) is not None:
        return user, address, True
    if not hmac.compare_digest(str(data.get("f", "")), fingerprint(user.email)) and user.email != address:
        raise Refused("That confirmation link is out of date: your address has changed since. "
                      "Please ask for a new one.")
    return user, address, False
