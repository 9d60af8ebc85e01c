"""What members do with notifications: read them, watch, choose, unsubscribe.

Each function commits a whole change or raises :class:`Refused` having stored nothing.
"""
from sqlalchemy import select, update

from forum.errors import Refused
from forum.extensions import db
from forum.notifications.fanout import insert_ignoring
from forum.notifications.models import CategoryWatch, Notification, NotificationSettings, ThreadWatch
from forum.notifications.rules import CHANNELS, DEFAULT_CHANNELS, LEVELS, PREFERENCES, channel
from forum.timeutil import utcnow


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one notification (or, without an id, all) read; returns how many changed.

    A read notification stops collapsing (its ``open_key`` goes) and is no longer mailed."""
    where = [Notification.user_id == user.id, Notification.read_at.is_(None)]
    if notification_id is not None:
        exists = db.session.scalar(select(Notification.id).where(
            Notification.id == notification_id, Notification.user_id == user.id))
        if exists is None:
            raise Refused("There is no such notification.", 404)
        where.append(Notification.id == notification_id)
    changed = db.session.execute(update(Notification).where(*where).values(
        read_at=utcnow(), open_key=None, mail_due_at=None)).rowcount
    db.session.commit()
    return changed


def check_level(level: str | None) -> str:
    if level not in LEVELS:
        raise Refused("A watch level is watching, normal or muted.", 400)
    return level


def set_thread_level(user, thread, level: str | None) -> str:
    """Watch, follow normally or mute a thread."""
    level = check_level(level)
    save_level(ThreadWatch, {"user_id": user.id, "thread_id": thread.id}, level)
    return level


def set_category_level(user, category, level: str | None) -> str:
    """Watch, follow normally or mute a category (its threads follow unless set on their own)."""
    level = check_level(level)
    save_level(CategoryWatch, {"user_id": user.id, "category_id": category.id}, level)
    return level


def save_level(model, key: dict, level: str) -> None:
    now = utcnow()
    db.session.execute(insert_ignoring(model, [key | {"level": level, "updated_at": now}]))
    db.session.execute(update(model).filter_by(**key).values(level=level, updated_at=now))
    db.session.commit()


def settings_row(user_id: int) -> NotificationSettings:
    """The member's settings row, created with the defaults if missing. No commit."""
    db.session.execute(insert_ignoring(NotificationSettings, [{"user_id": user_id}]))
    return db.session.get(NotificationSettings, user_id, populate_existing=True)


def save_preferences(user, form) -> None:
    """Store the member's choices from the preferences form: a channel per kind (``off``,
    ``site`` or ``email``; a missing field keeps the current choice), the weekly digest and
    whether replying watches a thread."""
    chosen = {}
    for key in PREFERENCES:
        value = form.get(key)
        if value is None:
            continue
        if value not in CHANNELS:
            raise Refused(f"“{value[:20]}” is not a choice: off, site or email.", 400)
        chosen[key] = value
    settings = settings_row(user.id)
    for key, value in chosen.items():
        setattr(settings, key, value)
    settings.digest = form.get("digest") == "on"
    settings.watch_replied = form.get("watch_replied") == "on"
    db.session.commit()


def current_choices(user) -> dict:
    settings = db.session.get(NotificationSettings, user.id)
    choices = {key: (getattr(settings, key, None) or DEFAULT_CHANNELS[key]) for key in PREFERENCES}
    choices["digest"] = settings.digest if settings is not None else True
    choices["watch_replied"] = settings.watch_replied if settings is not None else True
    return choices


def unsubscribe(user, keys: list[str]) -> None:
    """Stop mail of these kinds at once (they stay on the site); ``digest`` stops the digest."""
    settings = settings_row(user.id)
    for key in keys:
        if key == "digest":
            settings.digest = False
        elif channel(settings, key) == "email":
            setattr(settings, key, "site")
    db.session.commit()
