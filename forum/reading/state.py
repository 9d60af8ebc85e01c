"""Storing how far a member has read a thread, without ever holding up the page.

A member's GET of a thread page calls :func:`saw` with the highest post position the page
showed (the thread's last position on its last page). After the page is rendered, the
``after_request`` hook stores it with one statement: an upsert that only ever raises the
position (``INSERT .. ON CONFLICT DO UPDATE .. WHERE position < excluded.position``), so two
pages read in any order, by two tabs or two processes, leave the furthest one and need no lock
taken first.

- PostgreSQL: the statement runs alone in autocommit on the validator engine (one round
  trip, no BEGIN/COMMIT), after the request's own reads have ended. It touches one row of the
  member's own, so it waits on nobody else's reading.
- SQLite: one writer at a time, so read-state writes must never wait in line for the write
  lock. The statement is tried once with no busy wait; if another write holds the lock, the
  position is *deferred* to the job queue (:func:`save_positions`, jobs run one at a time)
  instead of making the page wait. Deferring rather than batching keeps the common case
  (nobody writing) exact and immediate: the listing the member opens next already counts
  what they read.
"""
from flask import Flask, current_app, g, request
from sqlalchemy.exc import OperationalError

from forum import jobs
from forum.database import SQLITE_BUSY_TIMEOUT_MS, validator_engine
from forum.extensions import db
from forum.reading.models import ReadState

RETRY_DELAYS = (1, 10, 60)


def saw(user_id: int, thread_id: int, position: int) -> None:
    """Note that the member has now seen ``thread_id`` up to ``position`` (stored after the page)."""
    g.read_position = (user_id, thread_id, position)


def dialect_insert(dialect: str):
    """The ``insert`` with ``ON CONFLICT`` of the database in use."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def raise_positions(rows: list[dict], dialect: str):
    """One upsert for ``rows`` ({user_id, thread_id, position}) that never lowers a position."""
    table = ReadState.__table__
    statement = dialect_insert(dialect)(table).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.thread_id],
        set_={"position": statement.excluded.position},
        where=table.c.position < statement.excluded.position,
    )


def store(user_id: int, thread_id: int, position: int) -> None:
    """Store the position now if that costs no wait; else hand it to the job queue."""
    row = {"user_id": user_id, "thread_id": thread_id, "position": position}
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        # A connection of its own: the request's read transaction blocks no writer (MVCC).
        with validator_engine().connect() as connection:
            connection.execute(raise_positions([row], dialect))
        return
    # SQLite: end the request's read transaction first (the page is rendered), so the write
    # starts from a fresh snapshot and waits only if another write holds the lock right now.
    session = db.session()
    commit_keeping_loaded(session)
    sqlite = session.connection().connection.dbapi_connection
    sqlite.execute("PRAGMA busy_timeout=0")  # not transactional: applies to the next statement
    try:
        session.execute(raise_positions([row], dialect))
        commit_keeping_loaded(session)
    except OperationalError:
        session.rollback()
        jobs.enqueue(save_positions, [row], retry_delays=RETRY_DELAYS)
    finally:
        sqlite.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def commit_keeping_loaded(session) -> None:
    """Commit without expiring what the request loaded (its templates may still read it)."""
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def save_positions(rows: list[dict]) -> None:
    """The job: store deferred positions in one transaction, waiting for the lock as jobs may."""
    db.session.execute(raise_positions(rows, db.engine.dialect.name))
    db.session.commit()


def store_after_request(response):
    seen = g.pop("read_position", None)
    if seen is not None and response.status_code == 200 and request.method == "GET":
        try:
            store(*seen)
        except OperationalError:
            # Never fail a page someone has already been served over its read state.
            current_app.logger.warning("read state not stored", exc_info=True)
            db.session.rollback()
    return response


def init_app(app: Flask) -> None:
    app.after_request(store_after_request)
