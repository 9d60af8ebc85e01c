"""Engine set-up shared by every backend: SQLite pragmas and transactions, conflict errors.

SQLite runs in WAL mode with a busy timeout. Every transaction begins deferred (``BEGIN``),
so a request that reads holds no lock. The write lock is taken only when the transaction
first needs it: at a lock helper of ``forum.locking`` (:func:`begin_write`) or at its first
write statement. Then the read transaction is ended and ``BEGIN IMMEDIATE`` begins a new one:
the writer queues for the lock (up to the busy timeout) instead of failing because another
writer committed since it read. What was read before stays as read: like READ COMMITTED on
PostgreSQL, decide on what a lock returns (see ``forum/locking.py`` for the lock order).
A lock that still cannot be had is a :func:`is_lock_timeout` error: a 503 for a request
(``forum.errors``), a retry for a job (``forum.jobs``).
"""
import fcntl
import functools
import logging
import os
import re
import threading
import time

from flask import Flask, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

log = logging.getLogger(__name__)
# Validators read lately in this process: (database, statement, params) -> (until, rows).
_recent_validators: dict = {}
RECENT_VALIDATORS_MAX = 20_000
_MIGRATE_LOCK = threading.Lock()
SQLITE_BUSY_TIMEOUT_MS = 15_000
# Kept in the DBAPI connection's info: whether its SQLite transaction holds the write lock.
WRITING = "forum.sqlite_writing"
WRITE_STATEMENT = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.I)


def configure_engine(engine: Engine, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, say when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN")
        connection.info[WRITING] = False

    @event.listens_for(engine, "before_cursor_execute")
    def before_write(connection, _cursor, statement, _parameters, _context, _executemany):
        if connection.info.get(WRITING) is False and WRITE_STATEMENT.match(statement):
            _take_write_lock(connection)


def _take_write_lock(connection) -> None:
    connection.info[WRITING] = True
    connection.exec_driver_sql("ROLLBACK")
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def begin_write(session=None) -> None:
    """Make sure this transaction may write: on SQLite, take the database's write lock now
    (ending a read-only transaction first); on PostgreSQL nothing (row locks do the work)."""
    from forum.extensions import db

    connection = (session or db.session).connection()
    if connection.dialect.name == "sqlite" and connection.info.get(WRITING) is False:
        _take_write_lock(connection)


def insert_ignore(table, **values):
    """``INSERT`` that does nothing when a unique key already holds the row (both backends);
    without ``values``, for ``.from_select()`` or many rows."""
    from forum.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    return (statement.values(**values) if values else statement).on_conflict_do_nothing()


# --- conflicts between simultaneous writers --------------------------------------------------

def sqlstate(error: BaseException) -> str | None:
    original = getattr(error, "orig", None)
    return getattr(original, "sqlstate", None) or getattr(getattr(original, "diag", None),
                                                             "sqlstate", None)


def is_lock_timeout(error: BaseException) -> bool:
    """SQLite could not get its write lock within the busy timeout."""
    return isinstance(error, OperationalError) and "locked" in str(getattr(error, "orig", error))


def is_write_conflict(error: BaseException) -> bool:
    """A deadlock or serialization failure: nothing was stored, and trying again may succeed."""
    return isinstance(error, DBAPIError) and sqlstate(error) in ("40P01", "40001")


def is_unique_violation(error: BaseException) -> bool:
    return isinstance(error, IntegrityError) and (
        sqlstate(error) == "23505" or "UNIQUE constraint failed" in str(error.orig))


def is_transient(error: BaseException) -> bool:
    """Whether running the same work again may succeed (retried by jobs and services)."""
    return is_lock_timeout(error) or is_write_conflict(error)


def migrate_before_first_use(app: Flask) -> None:
    """Migrate the embedded database when it is first used: before the first request a
    process serves, and before the forum's own commands (see :func:`needs_database`).

    Never at import or start-up, so ``forum --help`` and ``import forum`` leave the disk alone.
    """
    app.extensions["forum.migrated"] = False
    app.before_request(lambda: ensure_migrated(app))


def ensure_migrated(app: Flask) -> None:
    """Bring the database to the newest migration once per process, and say so when it did."""
    if app.extensions.get("forum.migrated", True):
        return
    with _MIGRATE_LOCK:
        if app.extensions["forum.migrated"]:
            return
        from alembic import command
        from alembic.migration import MigrationContext
        from alembic.script import ScriptDirectory

        from forum.extensions import db

        with app.app_context():
            config = app.extensions["migrate"].migrate.get_config()
            head = ScriptDirectory.from_config(config).get_current_head()
            # Several processes may start at once on one SQLite file: one migrates, the
            # others wait for it and then find nothing to do.
            with open(os.path.join(app.instance_path, "migrate.lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                with db.engine.connect() as connection:
                    current = MigrationContext.configure(connection).get_current_revision()
                if current != head:
                    command.upgrade(config, "head")
                    where = db.engine.url.render_as_string(hide_password=True)
                    message = (f"Created the database at {where} and migrated it to {head}."
                               if current is None else
                               f"Migrated the database at {where} from {current} to {head}.")
                    log.warning(message)
        app.extensions["forum.migrated"] = True


def needs_database(command):
    """For CLI commands: migrate the embedded database first, as a request would."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        ensure_migrated(current_app._get_current_object())
        return command(*args, **kwargs)

    return run


def create_schema() -> None:
    """The whole schema from the models, with the search objects (tests and benchmarks)."""
    from forum import models  # noqa: F401  (registers every table)
    from forum.extensions import db
    from forum.threads import search

    db.create_all()
    with db.engine.begin() as connection:
        search.install(connection)


def read_validator(statement, params=None, remember: bool = True) -> list:
    """The rows of a validator query, in as few round trips to the database as it takes.

    A validator read in this process within the last ``VALIDATOR_SECONDS`` (default 1) is
    answered from memory: a busy page is then served from the cache without the database at
    all. Every new revision forgets what was remembered here (:func:`forget_validators`, called
    by ``new_revision``), so this process sees its own writes at once; another process's write
    is seen within ``VALIDATOR_SECONDS``. (A Redis round trip would cost about what the query
    costs, so the memory is the process's own.)

    On PostgreSQL it runs on an engine of its own in autocommit, without a ping before each
    checkout: one round trip instead of four (ping, BEGIN, SELECT, ROLLBACK), and a cache hit
    never opens the request's session. A connection that turns out to be dead (the database
    restarted) is dropped with its pool and the query tried once more, as a ping would have.
    SQLite has no round trips to save. Used by the page cache and the feeds' 304 path.
    ``remember=False`` reads afresh every time (a row whose writers mint no revision).
    """
    from forum.extensions import db

    seconds = current_app.config["VALIDATOR_SECONDS"]
    if not seconds or not remember:
        return _read_validator(db.engine, statement, params)
    key = (db.engine.url, statement, tuple(sorted((params or {}).items())))
    now = time.monotonic()
    remembered = _recent_validators.get(key)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    rows = _read_validator(db.engine, statement, params)
    if len(_recent_validators) >= RECENT_VALIDATORS_MAX:
        _recent_validators.clear()
    _recent_validators[key] = (now + seconds, rows)
    return rows


def forget_validators() -> None:
    """Forget the validators this process remembers: something they describe has changed."""
    _recent_validators.clear()


def _read_validator(engine: Engine, statement, params) -> list:
    if engine.dialect.name != "postgresql":
        with engine.connect() as connection:
            return list(connection.execute(statement, params).all())
    engine = validator_engine()
    try:
        with engine.connect() as connection:
            return list(connection.execute(statement, params).all())
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        with engine.connect() as connection:
            return list(connection.execute(statement, params).all())


def validator_engine() -> Engine:
    from forum.extensions import db

    engine = current_app.extensions.get("forum.validator_engine")
    if engine is None:
        # Created on first use, so each process (gunicorn forks) builds its own pool.
        engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False,
                               pool_size=4,
                               max_overflow=8)
        current_app.extensions["forum.validator_engine"] = engine
        # It lives and ends with the app's own engine.
        event.listen(db.engine, "engine_disposed", lambda _engine: engine.dispose())
    return engine


CONFLICT_TRIES = 3


def retrying(service):
    """Run ``service`` again, up to :data:`CONFLICT_TRIES` times, when it meets a deadlock or a
    serialization failure (rolled back: nothing of it was stored).

    Safe for services that commit once, at their end, and do nothing after that could fail:
    the recognition and moderation acts. What still fails is answered 409 by ``forum.errors``.
    """

    @functools.wraps(service)
    def run(*args, **kwargs):
        from forum.extensions import db

        for attempt in range(1, CONFLICT_TRIES + 1):
            try:
                return service(*args, **kwargs)
            except DBAPIError as error:
                db.session.rollback()
                if attempt == CONFLICT_TRIES or not is_write_conflict(error):
                    raise
        raise AssertionError("unreachable")

    return run
