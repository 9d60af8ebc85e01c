"""Engine set-up shared by every backend: SQLite pragmas and transaction mode.

SQLite runs in WAL mode with a busy timeout. Transactions of requests that write (POST and
the like) start with ``BEGIN IMMEDIATE``: such a request takes the write lock when it begins,
so concurrent writers queue for it instead of failing when a read tries to upgrade. Everything
else (GETs, jobs, commands) begins deferred, so a job that reads and then fetches a URL holds
no lock meanwhile.
"""
import fcntl
import functools
import logging
import os
import threading
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
_MIGRATE_LOCK = threading.Lock()
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 15_000
_writing: ContextVar[bool] = ContextVar("forum_writing", default=False)


def is_write_request() -> bool:
    return _writing.get() or (has_request_context() and request.method not in READ_METHODS)


@contextmanager
def writing(on: bool = True):
    """Transactions begun inside this block write (``BEGIN IMMEDIATE`` on SQLite), as a POST's
    do: for jobs that read and then write, which a deferred transaction could not do while
    another connection writes (SQLite answers "database is locked" at once)."""
    token = _writing.set(on)
    try:
        yield
    finally:
        _writing.reset(token)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, say when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_write_request() else "BEGIN")


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


def read_validator(statement, params=None) -> list:
    """The rows of a validator query, in as few round trips to the database as it takes.

    On PostgreSQL it runs on an engine of its own in autocommit, without a ping before each
    checkout: one round trip instead of four (ping, BEGIN, SELECT, ROLLBACK), and a cache hit
    never opens the request's session. A connection that turns out to be dead (the database
    restarted) is dropped with its pool and the query tried once more, as a ping would have.
    SQLite has no round trips to save. Used by the page cache and the feeds' 304 path.
    """
    from forum.extensions import db

    if db.engine.dialect.name != "postgresql":
        with db.engine.connect() as connection:
            return connection.execute(statement, params).all()
    engine = validator_engine()
    try:
        with engine.connect() as connection:
            return connection.execute(statement, params).all()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        with engine.connect() as connection:
            return connection.execute(statement, params).all()


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
