"""Notifications: members hear of replies, mentions, recognition and follows, on the site
and by mail; watching threads and categories; the weekly digest."""
from flask import Flask
from flask_login import current_user

from forum.signals import account_deleting, post_committed, recognized, thread_closed


def init_app(app: Flask) -> None:
    from forum.notifications import queries, receivers
    from forum.notifications.rules import PREFERENCES

    from forum.accounts.settings_routes import register_section_context
    from forum.notifications.services import current_choices

    register_section_context(app, lambda member: {"notification_choices": current_choices(member)})
    post_committed.connect(receivers.on_post_committed)
    recognized.connect(receivers.on_recognized)
    thread_closed.connect(receivers.on_thread_closed)
    account_deleting.connect(receivers.on_account_deleting)

    @app.context_processor
    def notifications_context():
        def unread_notifications() -> int:
            return queries.unread_count(current_user.id) if current_user.is_authenticated else 0

        def watch_level(thread=None, category=None) -> tuple[str, str]:
            if not current_user.is_authenticated:
                return "normal", "default"
            if thread is not None:
                return queries.thread_level(current_user.id, thread)
            return queries.category_level(current_user.id, category.id), "category"

        return {"unread_notifications": unread_notifications, "watch_level": watch_level,
                "notification_preferences": PREFERENCES}
