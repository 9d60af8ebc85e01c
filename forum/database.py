"""Engine set-up shared by every backend: SQLite pragmas and transaction mode.

SQLite runs in WAL mode with a busy timeout. Transactions of requests that write (POST and
the like) start with ``BEGIN IMMEDIATE``: such a request takes the write lock when it begins,
so concurrent writers queue for it instead of failing when a read tries to upgrade. Everything
else (GETs, jobs, commands) begins deferred, so a job that reads and then fetches a URL holds
no lock meanwhile.
"""
from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 15_000


def is_write_request() -> bool:
    return has_request_context() and request.method not in READ_METHODS


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


def upgrade_on_first_run(app) -> None:
    """Bring the embedded database to the newest migration (a no-op once it is there)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def create_schema() -> None:
    """The whole schema from the models, with the search objects (tests and benchmarks)."""
    from forum import models  # noqa: F401  (registers every table)
    from forum.extensions import db
    from forum.threads import search

    db.create_all()
    with db.engine.begin() as connection:
        search.install(connection)
