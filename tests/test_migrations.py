"""The Alembic migrations build exactly the schema the models describe, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from forum import create_app
from forum.extensions import db
from forum.threads import search


def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(empty_database_url, db_backend):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database_url, "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": search.include_object})
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        assert differences == []
        assert {"users", "threads", "posts", "contribution_events", "links"} <= tables
        if db_backend == "sqlite":
            assert {"posts_fts", "threads_fts"} <= tables
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def head() -> str:
    """The newest revision in migrations/versions (one linear chain, one head)."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def test_the_embedded_default_creates_and_migrates_itself_on_first_run(tmp_path, monkeypatch):
    for name in ("FORUM_DATABASE_URL", "FORUM_SECRET_KEY", "FORUM_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert (tmp_path / "forum.sqlite3").exists()
    assert len((tmp_path / "secret_key").read_text().strip()) == 64
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head()
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        db.engine.dispose()
    # A second start finds it migrated and keeps the same secret key.
    again = create_app(instance_path=str(tmp_path))
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
