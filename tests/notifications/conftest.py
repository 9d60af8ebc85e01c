"""Helpers for the notification tests: run the queued jobs, read a member's notifications."""
import pytest
from sqlalchemy import select

from forum import jobs
from forum.extensions import db
from forum.notifications.models import Notification


class Bell:
    def __init__(self, app):
        self.app = app

    def settle(self):
        """Every queued job (fan-out, mail) run to the end."""
        jobs.drain(self.app)

    def of(self, user, unread_only: bool = False) -> list[Notification]:
        self.settle()
        query = select(Notification).where(Notification.user_id == user.id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        db.session.expire_all()
        return db.session.scalars(query.order_by(Notification.id)).all()

    def kinds(self, user) -> list[str]:
        return [n.kind for n in self.of(user)]


@pytest.fixture
def bell(app):
    return Bell(app)
