"""What the notifications package hears from the others (connected in ``init_app``).

Every receiver runs after the commit of the act and only enqueues a job: the request that
replied, marked or closed never waits for the fan-out.
"""
from forum import jobs
from forum.notifications import fanout

RETRY_DELAYS = (5, 60, 600)


def on_post_committed(post, action: str, **_extra) -> None:
    if action in ("created", "edited"):
        jobs.enqueue(fanout.post_written, post.id, action, retry_delays=RETRY_DELAYS)
    elif action in ("deleted", "hidden"):
        jobs.enqueue(fanout.forget_post, post.id, post.thread_id, post.is_opening and action == "deleted",
                     retry_delays=RETRY_DELAYS)


def on_recognized(kind: str, *, post_id, beneficiary_id, actor_id, link_id=None, **_extra) -> None:
    jobs.enqueue(fanout.recognition, kind, beneficiary_id, actor_id, post_id, link_id,
                 retry_delays=RETRY_DELAYS)


def on_thread_closed(thread_id: int, *, actor_id, **_extra) -> None:
    jobs.enqueue(fanout.thread_was_closed, thread_id, actor_id, retry_delays=RETRY_DELAYS)


def on_account_deleting(member, **_extra) -> None:
    """In the deleting transaction: what this package keeps about the member alone goes."""
    from sqlalchemy import delete

    from forum.extensions import db
    from forum.notifications.models import (
        CategoryWatch,
        Heard,
        Notification,
        NotificationSettings,
        ThreadWatch,
    )

    for model in (Notification, Heard, ThreadWatch, CategoryWatch, NotificationSettings):
        db.session.execute(delete(model).where(model.user_id == member.id))
