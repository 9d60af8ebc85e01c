"""Fixtures: a fresh app and database per test, on SQLite and on PostgreSQL.

Every test that uses ``app`` (or ``client``) runs once per database backend named in
``FORUM_TEST_DATABASES`` (default ``sqlite,postgresql``) or by ``--db``. PostgreSQL tests
get a database of their own per test session (created on the server named by
``FORUM_TEST_POSTGRES_URL``, dropped at the end) and start each test from empty tables.
"""
import os
import socket
import threading
import uuid
from contextlib import contextmanager
from email import message_from_bytes
from email import policy as email_policy

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from forum import create_app, jobs
from forum.database import create_schema
from forum.extensions import db

# CI runs each property test on the same examples every time (and without the per-example
# deadline, which a loaded machine can trip); local runs keep exploring new inputs.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

POSTGRES_SERVER = os.environ.get("FORUM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("FORUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"


def pytest_addoption(parser):
    parser.addoption("--db", action="append", choices=["sqlite", "postgresql"],
                     help="database backend(s) to run on (default: FORUM_TEST_DATABASES or both)")


def selected_backends(config) -> list[str]:
    chosen = config.getoption("--db")
    if chosen:
        return chosen
    return os.environ.get("FORUM_TEST_DATABASES", "sqlite,postgresql").split(",")


def pytest_generate_tests(metafunc):
    if "db_backend" in metafunc.fixturenames:
        metafunc.parametrize("db_backend", selected_backends(metafunc.config), scope="session")


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this test session's own on the PostgreSQL server, schema created once."""
    name = f"forum_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sqlalchemy_url(POSTGRES_SERVER), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + name
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        create_schema()
        db.engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_database_url(db_backend, tmp_path):
    """The URL of a database with nothing in it (no schema), dropped after the test."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"forum_empty_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sqlalchemy_url(POSTGRES_SERVER), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_config(db_backend, tmp_path, request) -> dict:
    if db_backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # tests make many members; keep it cheap
        "SCORE_SWEEP_SECONDS": 0,
        # Validators are read on every request (tests write rows directly); the memory that
        # spares the query has tests of its own (tests/perf/test_page_cache.py).
        "VALIDATOR_SECONDS": 0,
        "SERVER_NAME": None,
        "MAIL_FOLDER": str(tmp_path / "mail"),  # .eml files stay out of the source tree
    }


def reset_postgres() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_factory(db_backend, tmp_path, request):
    """Build an app over this test's database; extra settings override the test defaults."""
    made = []

    def build(**overrides):
        config = test_config(db_backend, tmp_path, request)
        config.update(overrides)
        app = create_app(config)
        with app.app_context():
            if not made:
                if db_backend == "sqlite":
                    create_schema()
                else:
                    reset_postgres()
        made.append(app)
        return app

    yield build
    for app in made:
        # Stop the app's job thread first: a job still running would hold its connection
        # (on PostgreSQL the next test's TRUNCATE would wait for it for ever).
        jobs.shutdown(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def sqlite_app(app_factory, db_backend):
    """An app on SQLite (skipped on PostgreSQL) whose writes wait at most 200 ms for the
    database's write lock, not 15 s: for tests of what happens when it cannot be had."""
    if db_backend != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    app = app_factory(SQLITE_BUSY_TIMEOUT_MS=200)
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Make:
    """Builds the forum's things through its own services, so tests read like stories."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.default_category = None

    def user(self, name: str | None = None, role: str = "member", password: str = PASSWORD,
             trusted: bool = True):
        """A member; trusted unless ``trusted=False`` (a fresh account, whose recognition is
        held while FORUM_TRUST_GATE is on), so stories about other rules need no moderator."""
        from forum.accounts.services import create_user
        from forum.timeutil import utcnow

        self.count += 1
        name = name or f"member{self.count}"
        user = create_user(name, f"{name}@example.org", password, role)
        if trusted and role == "member":
            user.trusted_at, user.trusted_via = utcnow(), "moderator"
            db.session.commit()
        return user

    def category(self, slug: str = "general", name: str | None = None, auto_close_days=None):
        from forum.threads.models import Category

        category = Category(slug=slug, name=name or slug.title(), auto_close_days=auto_close_days)
        db.session.add(category)
        db.session.commit()
        return category

    def thread(self, author=None, category=None, title: str = "A thread", body: str = "Opening post.",
               tags: str = ""):
        from forum.threads.services import create_thread

        author = author or self.user()
        if category is None:
            self.default_category = self.default_category or self.category("default", "Default")
            category = self.default_category
        with self.app.test_request_context():
            return create_thread(author, category, title, body, tags)

    def reply(self, thread, author=None, body: str = "A reply."):
        from forum.threads.services import reply

        author = author or self.user()
        with self.app.test_request_context():
            return reply(thread.id, author, body)

    def mark(self, post, member):
        """``member`` marks ``post`` helpful, as the Helpful button does."""
        from forum.contribution.services import toggle_helpful

        with self.app.test_request_context():
            assert toggle_helpful(post.id, member).state


@pytest.fixture
def make(app):
    return Make(app)


class Auth:
    """Logs the test client in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_name, password: str = PASSWORD):
        name = getattr(user_or_name, "username", user_or_name)
        response = self.client.post("/login", data={"username": name, "password": password})
        assert response.status_code == 303, response.data
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def login_as(auth):
    """``login_as(user)``: the test client is that member from now on."""
    return auth.login


@contextmanager
def counting_queries(engine):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if threading.current_thread().name == "forum-jobs":
            return  # background jobs (a ledger sweep a page queued) are not the page's queries
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                      "RELEASE", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as queries: ...``: the SQL statements run inside the block,
    on any engine (the validators of the page cache and feeds have one of their own)."""
    return lambda: counting_queries(Engine)


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP on 127.0.0.1 (threaded), for browsers and races."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(5)


@pytest.fixture
def redis_settings():
    """Settings that put jobs, limits and caches on the real Redis, under keys of this test's own."""
    import redis

    prefix = f"forum-test-{uuid.uuid4().hex[:8]}"
    connection = redis.Redis.from_url(REDIS_URL)
    connection.ping()
    yield {
        "REDIS_URL": REDIS_URL,
        "JOB_QUEUE_NAME": prefix,
        "RATELIMIT_KEY_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix + ":",
    }
    keys = list(connection.scan_iter(f"*{prefix}*"))
    if keys:
        connection.delete(*keys)
    connection.close()


class SMTPServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives.

    ``settings`` go to ``app_factory(**smtp_server.settings)``; ``messages`` are the received
    messages parsed by Python's ``email`` parser (``email.message.EmailMessage``);
    ``wait_for(n)`` blocks until ``n`` have arrived; ``fail_next(n)`` answers the next ``n``
    messages with a temporary failure (451), as a server in trouble does.
    """

    def __init__(self):
        self.messages: list = []
        self.envelopes: list = []
        self.failures_left = 0
        self.condition = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.condition:
            if self.failures_left:
                self.failures_left -= 1
                return "451 4.3.0 Try again later"
            self.envelopes.append(envelope)
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content,
                                                    policy=email_policy.default))
            self.condition.notify_all()
        return "250 OK"

    def fail_next(self, count: int) -> None:
        with self.condition:
            self.failures_left = count

    def wait_for(self, count: int, timeout: float = 15) -> list:
        """The first ``count`` messages, once they have arrived (fails after ``timeout``)."""
        with self.condition:
            arrived = self.condition.wait_for(lambda: len(self.messages) >= count, timeout)
            assert arrived, f"{len(self.messages)} of {count} messages arrived in {timeout} s"
            return self.messages[:count]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback for this test (see :class:`SMTPServer`)."""
    from aiosmtpd.controller import Controller

    handler = SMTPServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port,
                        "MAIL_DEFAULT_SENDER": "Forum <forum@example.org>"}
    yield handler
    controller.stop()
