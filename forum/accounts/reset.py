"""Forgotten passwords: a single-use link, valid one hour, that ends every session.

Asking gives the same page and status whether or not the address has an account; only an
account's own address is mailed. (Rates: forum/accounts/limits.py.)
"""

from forum.accounts import mail_links, sessions
from forum.accounts.addresses import owner_of
from forum.accounts.models import User
from forum.extensions import db
from forum.web import absolute_url


def request_reset(address: str) -> None:
    """Mail the account with this address a reset link; nothing when there is none."""
    from forum.mail import send_mail

    user = owner_of(address.strip().lower())
    if user is None or user.is_deleted:
        return
    link = absolute_url("accounts.reset_password", token=mail_links.reset_token(user))
    send_mail(user.email, "Reset your password", "accounts_reset", username=user.username,
              reset_url=link, minutes=mail_links.RESET_SECONDS // 60)


def reset_password(token: str, password: str) -> User:
    """Set the password from a reset link (Refused when the link is bad); every session ends."""
    from forum.accounts.services import hash_password

    user = mail_links.reset_member(token, lock=True)
    user.password_hash = hash_password(password)
    sessions.end_all(user)
    db.session.commit()
    return user
