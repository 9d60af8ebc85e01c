"""The one job queue, for real: a background thread by default, RQ on Redis when configured."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from forum import jobs
from forum.contribution import ledger
from forum.contribution.models import ContributionEvent, MemberScore
from forum.accounts.models import User
from forum.extensions import db
from forum.threads.models import Category


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
    assert state["done"].wait(30)
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


def test_drain_waits_for_retries(app):
    state = {"calls": 0, "done": threading.Event()}
    jobs.enqueue(failing_then_ok, state, retry_delays=(0.05, 0.05, 0.05))
    jobs.drain(app)
    assert state["calls"] == 3 and state["done"].is_set()


def waits_for(event):
    assert event.wait(30)


def test_drain_keeps_its_timeout_and_shutdown_stops_the_thread(app):
    release = threading.Event()
    jobs.enqueue(waits_for, release)
    with pytest.raises(TimeoutError):
        jobs.drain(app, timeout=0.1)
    release.set()
    jobs.drain(app)
    backend = app.extensions["forum.jobs"]
    assert backend.thread.is_alive()
    jobs.shutdown(app)
    assert not backend.thread.is_alive()


def reads_and_returns():
    db.session.scalar(select(func.count()).select_from(User))


def fails_to_flush():
    db.session.add(Category(slug="general", name="A second general"))  # the slug is taken
    db.session.flush()


def adds_a_category(slug):
    db.session.add(Category(slug=slug, name=slug.title()))
    db.session.commit()


def idle_in_transaction() -> int:
    return db.session.scalar(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'idle in transaction' AND pid <> pg_backend_pid()"))


def test_each_rq_job_runs_in_a_session_of_its_own(app_factory, redis_settings, make, db_backend):
    """The worker used to run every job in one app context and session: a job that returned
    early left its transaction open, and a failed flush failed the next job too."""
    make.category("general")
    app = app_factory(**redis_settings)
    with app.app_context():
        jobs.enqueue(reads_and_returns)
        jobs.enqueue(fails_to_flush)
        jobs.enqueue(adds_a_category, "after")
        jobs.drain(app)
        db.session.rollback()
        assert db.session.scalar(select(Category.name).where(Category.slug == "after")) == "After"
        if db_backend == "postgresql":
            assert idle_in_transaction() == 0
