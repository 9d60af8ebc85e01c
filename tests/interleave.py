"""Two requests interleaved at their locks, on PostgreSQL and SQLite alike.

``interleave(first, second)`` runs ``first()`` on a thread of its own until just after its
first locking statement (``SELECT ... FOR NO KEY UPDATE``, an ``INSERT``/``UPDATE``/``DELETE``,
or SQLite's ``BEGIN IMMEDIATE``), holding that lock. Then ``second()`` starts on another thread
and runs until it reaches its own first locking statement. On PostgreSQL the first goes on only
once the second is waiting for a lock (or, if the second never has to wait, once it is past its
own locking statements): the moment where a wrong lock order deadlocks. On SQLite, whose one
write lock the first holds, the first goes on once the second asks for it.

Every wait is on an event or a condition of the database, bounded by ``TIMEOUT``; nothing
depends on how fast the machine is.
"""
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event, text

from forum.extensions import db

TIMEOUT = 20
DEBUG = False
LOCKING = re.compile(r"^\s*(INSERT|UPDATE|DELETE|BEGIN IMMEDIATE)\b|\bFOR (NO KEY )?UPDATE\b",
                     re.I)


@dataclass
class Outcome:
    """What each side returned (or raised), and whether the interleaving happened as planned."""

    first: object = None
    second: object = None
    errors: dict = field(default_factory=dict)
    second_arrived: bool = False


def waiting_for_a_lock(engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'")))


def interleave(first, second, *, pause_before_lock: bool = False) -> Outcome:
    """Run ``first`` and ``second`` as described above; their results in an :class:`Outcome`.

    With ``pause_before_lock`` the first instead stops just *before* its first locking
    statement (having done its reads) and goes on once the second has finished: a write that
    commits between another request's reads and its lock.
    """
    engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    db.session.remove()  # the test's own transaction holds nothing while the two run
    first_ready, second_arrived, second_done = (threading.Event(), threading.Event(),
                                                threading.Event())
    sides: dict[str, threading.Thread] = {}
    outcome = Outcome()

    def before(_connection, _cursor, statement, *_args):
        me = threading.current_thread()
        if DEBUG and me in sides.values():
            print(me.name, "before", statement[:70].replace("\n", " "), flush=True)
        if not LOCKING.search(statement):
            return
        if me is sides.get("second"):
            second_arrived.set()
        elif me is sides.get("first") and pause_before_lock and not first_ready.is_set():
            first_ready.set()
            second_done.wait(TIMEOUT)

    def after(_connection, _cursor, statement, *_args):
        me = threading.current_thread()
        if pause_before_lock or me is not sides.get("first") or first_ready.is_set():
            return
        if not LOCKING.search(statement):
            return
        first_ready.set()
        if not second_arrived.wait(TIMEOUT):
            return
        if postgres:
            deadline = time.monotonic() + TIMEOUT
            while (not waiting_for_a_lock(engine) and not second_done.is_set()
                   and time.monotonic() < deadline):
                second_done.wait(0.01)

    def run(name, call):
        try:
            setattr(outcome, name, call())
        except Exception as error:  # the test looks at it
            outcome.errors[name] = error
        finally:
            if name == "second":
                second_done.set()

    event.listen(engine, "before_cursor_execute", before, insert=True)
    event.listen(engine, "after_cursor_execute", after)
    try:
        sides["first"] = threading.Thread(target=run, args=("first", first))
        sides["first"].start()
        assert first_ready.wait(TIMEOUT), "the first request never reached a lock"
        sides["second"] = threading.Thread(target=run, args=("second", second))
        sides["second"].start()
        for side in sides.values():
            side.join(3 * TIMEOUT)
        assert not any(side.is_alive() for side in sides.values()), "a request never finished"
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    outcome.second_arrived = second_arrived.is_set()
    return outcome


def member_client(app, user, password: str | None = None):
    """A test client of its own, logged in as ``user`` (a User or a username) through the
    login form."""
    from tests.conftest import PASSWORD

    client = app.test_client()
    response = client.post("/login", data={"username": getattr(user, "username", user),
                                           "password": password or PASSWORD})
    assert response.status_code == 303, response.data
    return client


@contextmanager
def write_lock_held():
    """The database's write lock, held by another connection until the block ends."""
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()
