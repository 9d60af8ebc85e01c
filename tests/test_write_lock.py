"""SQLite's one write lock: held briefly, waited for, and never a 500 when it cannot be had.

Another process holds the lock here (a plain sqlite3 connection in ``BEGIN IMMEDIATE``), as a
long write elsewhere would. The busy timeout is short so the tests do not wait 15 s.
"""
import logging
import sqlite3
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.extensions import db
from forum.links.jobs import verify_link
from forum.links.models import Link
from forum.links.services import receive_ping
from forum.threads.models import Post
from tests.conftest import Make
from tests.interleave import member_client
from tests.links.conftest import Site


@pytest.fixture
def site():
    made = Site()
    yield made
    made.close()


@pytest.fixture
def sqlite_app(app_factory, db_backend):
    if db_backend != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    app = app_factory(SQLITE_BUSY_TIMEOUT_MS=200)
    with app.app_context():
        yield app


@contextmanager
def write_lock_held(app):
    """The database's write lock, held by another connection until the block ends."""
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_write_that_cannot_get_the_lock_is_a_503_with_retry_after(sqlite_app):
    make = Make(sqlite_app)
    thread_id = make.thread(title="Busy").id
    make.user("ada")
    ada = member_client(sqlite_app, "ada")
    db.session.commit()  # the test's own read ends
    with write_lock_held(sqlite_app):
        assert ada.get(f"/t/{thread_id}").status_code == 200  # reading needs no lock
        busy = ada.post(f"/t/{thread_id}/reply", data={"body": "Now?"})
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "2"
    assert "busy" in busy.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1  # nothing stored
    assert ada.post(f"/t/{thread_id}/reply", data={"body": "Now?"}).status_code == 303


class Heard(logging.Handler):
    """Sets ``event`` when a log record's message contains ``words``."""

    def __init__(self, words: str):
        super().__init__()
        self.words = words
        self.event = threading.Event()

    def emit(self, record):
        if self.words in record.getMessage():
            self.event.set()


def test_a_job_that_meets_the_lock_runs_again_and_no_link_stays_verifying(sqlite_app, site):
    make = Make(sqlite_app)
    sqlite_app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}))
    thread = make.thread(title="Target", body="Hello.")
    target = f"http://localhost/t/{thread.id}"
    site.page("/post", f"<html><body><a href='{target}'>this</a></body></html>")
    with sqlite_app.test_request_context():
        link_id, _ = receive_ping("webmention", site.url + "/post", target)
    db.session.commit()
    heard = Heard("running it again")
    logging.getLogger("forum.jobs").addHandler(heard)
    try:
        with write_lock_held(sqlite_app):
            jobs.enqueue(verify_link, link_id)
            assert heard.event.wait(20), "the job never met the lock"
        jobs.drain(sqlite_app)
    finally:
        logging.getLogger("forum.jobs").removeHandler(heard)
    db.session.commit()
    assert db.session.get(Link, link_id).status == "pending"
