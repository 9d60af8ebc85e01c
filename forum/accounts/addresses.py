"""Members' email addresses: confirmed from the address itself before they count.

Registering and changing the address both mail a confirmation link to the new address; the
account's address (if any) stays until the link is opened. Neither ever tells the person at
the keyboard whether the address belongs to an account: when it does, its owner gets a note
instead, and the answer on screen is the same.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.accounts import mail_links
from forum.accounts.models import User
from forum.errors import Refused
from forum.extensions import db
from forum.web import absolute_url
from forum.timeutil import utcnow


def owner_of(address: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == address))


def send_confirmation(user: User, address: str, reason: str) -> None:
    """Mail ``address`` a link that makes it ``user``'s; if it is another account's, mail its
    owner that someone tried to use it."""
    from forum.mail import send_mail

    owner = owner_of(address)
    if owner is not None and owner.id != user.id:
        send_mail(address, "Someone tried to use your address", "accounts_address_in_use",
                  reason=reason, username=owner.username,
                  reset_url=absolute_url("accounts.reset_request"))
        return
    link = absolute_url("accounts.verify", token=mail_links.confirm_token(user, address))
    send_mail(address, "Confirm your email address", "accounts_confirm", reason=reason,
              username=user.username, confirm_url=link)


def request_change(user: User, password: str, address: str) -> None:
    """Ask to change the member's address to ``address`` (their password proves it is them)."""
    from forum.accounts.services import check_password

    address = address.strip().lower()
    if not check_password(user, password):
        raise Refused("Your password is not right, so your address is unchanged.")
    if address == user.email:
        raise Refused("That is your address already.")
    send_confirmation(user, address, "change")


def confirm(token: str) -> tuple[User, bool]:
    """Apply a confirmation link: the address becomes the member's, confirmed.

    Returns ``(member, already_done)``; Refused (400) for a bad link, or (409) when another
    account has confirmed that address in the meantime.
    """
    user, address, already = mail_links.confirm_request(token)
    if already:
        return user, True
    if (owner := owner_of(address)) is not None and owner.id != user.id:
        raise Refused("That address belongs to another account now, so it was not changed.", 409)
    user.email = address
    user.email_confirmed_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # another account confirmed it a moment ago
        db.session.rollback()
        raise Refused("That address belongs to another account now, so it was not changed.", 409)
    return user, False
