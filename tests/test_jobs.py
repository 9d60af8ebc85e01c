"""The one job queue, for real: a background thread by default, RQ on Redis when configured."""
import threading
from datetime import timedelta

from sqlalchemy import select

from forum import jobs
from forum.contribution import ledger
from forum.contribution.models import ContributionEvent, MemberScore
from forum.extensions import db


def aged_event(make, days=8):
    author, reader = make.user("author"), make.user("reader")
    ledger.record("helpful", author.id, reader.id)
    db.session.commit()
    event = db.session.scalar(select(ContributionEvent))
    event.created_at -= timedelta(days=days)
    db.session.commit()
    return author


def week_score(user) -> int:
    db.session.rollback()  # a fresh read: jobs write in sessions of their own
    return db.session.get(MemberScore, user.id).week


def test_jobs_run_on_a_background_thread_in_an_app_context(app, make):
    author = aged_event(make)
    assert type(app.extensions["forum.jobs"]) is jobs.ThreadQueue
    jobs.enqueue(ledger.sweep_job)
    jobs.drain(app)
    assert week_score(author) == 0


def failing_then_ok(state):
    state["calls"] += 1
    if state["calls"] < 3:
        raise RuntimeError("temporary failure")
    state["done"].set()


def test_a_failed_job_is_retried_after_its_delays(app):
    state = {"calls": 0, "done": threading.Event()}
    jobs.enqueue(failing_then_ok, state, retry_delays=(0.05, 0.05, 0.05))
    assert state["done"].wait(5)
    assert state["calls"] == 3


def test_jobs_run_through_rq_on_redis(app_factory, redis_settings, make):
    author = aged_event(make)
    app = app_factory(**redis_settings)
    with app.app_context():
        backend = app.extensions["forum.jobs"]
        assert type(backend) is jobs.RedisQueue
        jobs.enqueue(ledger.sweep_job)
        assert backend.queue.count == 1  # waiting in Redis until a worker takes it
        assert week_score(author) == 10
        jobs.drain(app)
        assert backend.queue.count == 0
        assert week_score(author) == 0
