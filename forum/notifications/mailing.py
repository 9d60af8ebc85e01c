"""Mail of notifications still unread ``FORUM_MAIL_DELAY_SECONDS`` after they were made.

Only kinds the member chose to get by mail, only to a confirmed address, several in one
message. The sweep claims the due notifications (``mail_due_at`` set to None, in one
statement, so two sweeps never mail one twice) and, when a send fails, gives them back so a
later try mails them: a failed send loses nothing. Every message carries ``List-Unsubscribe``
with RFC 8058 one-click ``List-Unsubscribe-Post``; that link stops the kinds it names at once.
"""
import logging
import math
import time
from collections import defaultdict

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from forum import jobs
from forum.accounts.models import User
from forum.extensions import cache, db
from forum.notifications.models import Notification, NotificationSettings
from forum.notifications.rules import PREFERENCES, channel, preference_key
from forum.timeutil import utcnow

log = logging.getLogger(__name__)

BATCH = 2000


def schedule() -> None:
    """Make sure a sweep runs once the notifications just made are due: at most one sweep
    per minute is scheduled, at the end of the minute they fall due in."""
    delay = int(current_app.config["MAIL_DELAY_SECONDS"])
    if delay <= 0:
        jobs.enqueue(send_due, retry_delays=mail_retry_delays())
        return
    due = time.time() + delay
    minute = math.ceil(due / 60) * 60
    if cache.add(f"notifications:mail-sweep:{minute}", 1, timeout=delay + 120):
        jobs.enqueue(send_due, retry_delays=mail_retry_delays(), delay=minute - time.time() + 1)


def mail_retry_delays() -> tuple[int, ...]:
    from forum.mail import retry_delays

    return retry_delays()


def send_due() -> int:
    """The sweep (a job): mail every member their due notifications; returns messages sent.

    Raises after trying everyone if a send failed, so the job queue tries again later.
    """
    from forum.mail import deliver_now, mail_base_url

    sent, failed = 0, 0
    # Links in the messages are absolute, under the forum's base URL, request or not.
    with current_app.test_request_context(base_url=mail_base_url()):
        sent, failed = send_claimed(deliver_now)
    if failed:
        raise RuntimeError(f"{failed} notification mails failed; they will be tried again")
    return sent


def send_claimed(deliver_now) -> tuple[int, int]:
    sent, failed = 0, 0
    while True:
        claimed = claim_due()
        if not claimed:
            break
        for user_id, notification_ids in claimed.items():
            message = compose(user_id, notification_ids)
            if message is None:
                continue
            try:
                deliver_now(**message)
            except Exception:
                log.exception("notification mail to member %s failed; kept for a retry", user_id)
                give_back(notification_ids)
                failed += 1
                continue
            sent += 1
        if failed:
            break
    return sent, failed


def claim_due() -> dict[int, list[int]]:
    """Take the due, unread notifications (at most :data:`BATCH`) off the schedule: by member."""
    now = utcnow()
    ids = db.session.scalars(select(Notification.id).where(
        Notification.mail_due_at <= now, Notification.read_at.is_(None))
        .order_by(Notification.mail_due_at).limit(BATCH)).all()
    if not ids:
        db.session.commit()
        return {}
    claimed = db.session.execute(
        update(Notification).where(Notification.id.in_(ids), Notification.mail_due_at.is_not(None))
        .values(mail_due_at=None).returning(Notification.id, Notification.user_id)).all()
    db.session.commit()
    by_member: dict[int, list[int]] = defaultdict(list)
    for notification_id, user_id in claimed:
        by_member[user_id].append(notification_id)
    return dict(by_member)


def give_back(notification_ids: list[int]) -> None:
    db.session.execute(update(Notification).where(Notification.id.in_(notification_ids))
                       .values(mail_due_at=utcnow()))
    db.session.commit()


def compose(user_id: int, notification_ids: list[int]) -> dict | None:
    """The message for a member's claimed notifications: those of kinds they get by mail."""
    from forum.notifications.queries import entries

    user = db.session.get(User, user_id)
    if user is None or user.email_confirmed_at is None or user.is_suspended:
        return None
    settings = db.session.get(NotificationSettings, user_id)
    notifications = db.session.scalars(select(Notification).where(
        Notification.id.in_(notification_ids), Notification.read_at.is_(None))
        .order_by(Notification.updated_at.desc())).all()
    chosen, keys = [], []
    for notification in notifications:
        thread_author = notification.thread.author_id if notification.thread else None
        key = preference_key(notification.kind, thread_author, user_id)
        if channel(settings, key) == "email":
            chosen.append(notification)
            if key not in keys:
                keys.append(key)
    if not chosen:
        return None
    items = entries(chosen, user)
    subject = (items[0].text if len(items) == 1
               else f"{len(items)} things you have not seen yet")
    unsubscribe = url_for("notifications.unsubscribe", token=unsubscribe_token(user_id, keys),
                          _external=True)
    return {
        "to": user.email,
        "subject": f"[{current_app.config['SITE_NAME']}] {subject}",
        "template": "notifications",
        "headers": one_click_headers(unsubscribe),
        "context": {"member": user, "items": items, "unsubscribe_url": unsubscribe,
                    "kinds": [PREFERENCES[key] for key in keys]},
    }


def one_click_headers(unsubscribe_url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- unsubscribing ------------------------------------------------------------------------------


def serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="forum.unsubscribe")


def unsubscribe_token(user_id: int, keys: list[str]) -> str:
    """A link that stops these kinds of mail (``digest`` for the weekly digest) for a member."""
    return serializer().dumps([user_id, keys])


def read_token(token: str) -> tuple[User, list[str]] | None:
    """The member and kinds a token names, or None when it is not one of ours."""
    try:
        user_id, keys = serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(keys, list) or not keys or not all(
            key == "digest" or key in PREFERENCES for key in keys):
        return None
    user = db.session.get(User, user_id)
    return (user, keys) if user is not None else None
