"""Limits on how fast and how much: Flask-Limiter for rates, and the new-member link rule.

Rates (429 with a page saying which limit): login attempts per IP address and failed logins
per account (keyed on the account the typed name or email names, else on the typed text, so
a guesser spreading over addresses still stops and an unknown name answers the same),
registrations per IP address, new threads and replies per member, edits per member (an edit
that adds links sends outbound requests) and previews per member. Each is a ``LIMIT_*`` setting; ``FORUM_RATELIMIT_ENABLED=false``
turns every limit here off, the link rule included. Storage is in memory, or Redis when
``FORUM_REDIS_URL`` is set (see settings.finalize), so many processes share one count.

:func:`init_app` wraps the limited views once the blueprints are registered, so the limits
live here in one place and the routes carry no limiter decorators.
"""
import re
from datetime import timedelta

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import exists, or_, select

from forum.errors import Refused
from forum.extensions import db, limiter
from forum.markup import render_markdown
from forum.permissions import can_moderate
from forum.timeutil import utcnow

LINK_RE = re.compile(r"<a\s[^>]*\bhref=", re.IGNORECASE)


def enabled() -> bool:
    return bool(current_app.config["RATELIMIT_ENABLED"])


def member_or_address() -> str:
    """Posting is limited per member; a request without one falls back to its address."""
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return get_remote_address()


def succeeded(response) -> bool:
    """Registrations and posts count once they are stored (a redirect), not when refused."""
    return response.status_code < 400


def setting(name: str):
    """The limit named by setting ``name``, as a callable: Flask-Limiter reads a callable limit on
    every request, so settings changed per app apply."""
    def limit() -> str:
        return current_app.config[name]

    limit.__name__ = name.lower()
    return limit


login_limit = setting("LIMIT_LOGIN")
register_limit = setting("LIMIT_REGISTER")
post_limit = setting("LIMIT_POST")
login_account_limit = setting("LIMIT_LOGIN_ACCOUNT")
edit_limit = setting("LIMIT_EDIT")
preview_limit = setting("LIMIT_PREVIEW")


def login_account() -> str:
    """The account a login names: its id when the typed username or email is one, else the
    typed text itself (normalized as ``authenticate`` reads it)."""
    from forum.accounts.models import User

    typed = request.form.get("username", "").strip().lower()[:254]
    user_id = db.session.scalar(select(User.id).where(
        or_(User.username_key == typed, User.email == typed)).limit(1)) if typed else None
    return f"login-account:{user_id if user_id is not None else typed}"


def failed(response) -> bool:
    """A login that did not sign anyone in (the form again, 400)."""
    return response.status_code >= 400


def login_account_message() -> str:
    return (f"Too many failed logins for this account: the limit is {login_account_limit()}. "
            "Please wait, or reset the password.")


def edit_message() -> str:
    return (f"You are editing too fast: the limit is {edit_limit()} for each member. "
            "Please wait a little and save again.")


def preview_message() -> str:
    return (f"Too many previews: the limit is {preview_limit()} for each member. "
            "Please wait a little.")


def login_message() -> str:
    return (f"Too many login attempts from your address: the limit is {login_limit()}. "
            "Please wait a little and try again.")


def register_message() -> str:
    return (f"Too many new accounts from your address: the limit is {register_limit()}. "
            "Please try again later.")


def post_message() -> str:
    return (f"You are posting too fast: the limit is {post_limit()} for each member. "
            "Please wait a few seconds and post again.")


# Created once, so that building many apps (tests) does not stack copies of each limit.
LOGIN = limiter.limit(login_limit, methods=["POST"], error_message=login_message)
REGISTER = limiter.limit(register_limit, methods=["POST"], error_message=register_message,
                         deduct_when=succeeded)
POSTING = limiter.shared_limit(post_limit, scope="posting", key_func=member_or_address,
                               methods=["POST"], error_message=post_message,
                               deduct_when=succeeded)

LOGIN_ACCOUNT = limiter.limit(login_account_limit, key_func=login_account, methods=["POST"],
                              error_message=login_account_message, deduct_when=failed)
EDITING = limiter.limit(edit_limit, key_func=member_or_address, methods=["POST"],
                        error_message=edit_message, deduct_when=succeeded)
PREVIEWS = limiter.limit(preview_limit, key_func=member_or_address, methods=["POST"],
                         error_message=preview_message)

LIMITED_VIEWS = {
    "accounts.login": (LOGIN, LOGIN_ACCOUNT),
    "accounts.register": (REGISTER,),
    "threads.new_thread": (POSTING,),
    "threads.reply": (POSTING,),
    "threads.edit_post": (EDITING,),
    "threads.preview": (PREVIEWS,),
}


def init_app(app: Flask) -> None:
    """Put each limit on its view (call after the blueprints are registered)."""
    for endpoint, limits in LIMITED_VIEWS.items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            for limit in limits:
                view = limit(view)
            app.view_functions[endpoint] = view


def count_links(html: str) -> int:
    """How many links rendered post HTML holds."""
    return len(LINK_RE.findall(html or ""))


def is_new_member(user, has_helpful_mark: bool, now, hours: int) -> bool:
    """New: joined less than ``hours`` ago and no helpful mark received yet."""
    return user.created_at > now - timedelta(hours=hours) and not has_helpful_mark


def has_received_helpful_mark(user_id: int) -> bool:
    from forum.contribution.models import HelpfulMark
    from forum.threads.models import Post

    return bool(db.session.scalar(select(exists().where(
        HelpfulMark.post_id == Post.id, Post.author_id == user_id))))


def check_new_member_links(user, body: str) -> None:
    """Refuse (400) a post by a new member holding more links than ``NEW_MEMBER_MAX_LINKS``.

    Moderators are exempt; the rule is off with the rate limits.
    """
    config = current_app.config
    allowed = config["NEW_MEMBER_MAX_LINKS"]
    if not enabled() or allowed is None or can_moderate(user):
        return
    if user.created_at <= utcnow() - timedelta(hours=config["NEW_MEMBER_HOURS"]):
        return  # the cheap test first: most members are not new
    if not is_new_member(user, has_received_helpful_mark(user.id), utcnow(),
                         config["NEW_MEMBER_HOURS"]):
        return
    found = count_links(render_markdown(body, None))
    if found > allowed:
        raise Refused(f"New members can post at most {allowed} links in a post; this one has "
                      f"{found}. Once a day has passed, or someone marks a post of yours "
                      "helpful, the limit goes away.", 400)
