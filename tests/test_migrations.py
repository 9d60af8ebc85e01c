"""The Alembic migrations build exactly the schema the models describe, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

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


def head_revision(app) -> str:
    from alembic.script import ScriptDirectory

    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        return ScriptDirectory.from_config(config).get_current_head()


def test_the_embedded_default_creates_and_migrates_itself_on_first_use(tmp_path, monkeypatch, caplog):
    for name in ("FORUM_DATABASE_URL", "FORUM_SECRET_KEY", "FORUM_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(instance_path=str(tmp_path))
    # Building the app touches no database: `forum --help` and imports stay read-only.
    assert not (tmp_path / "forum.sqlite3").exists()
    assert len((tmp_path / "secret_key").read_text().strip()) == 64
    assert app.test_client().get("/").status_code == 200
    assert "Created the database at sqlite:///" in caplog.text
    with app.app_context():
        with db.engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            assert version == head_revision(app)
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        db.engine.dispose()
    # A second start finds it migrated, says nothing, and keeps the same secret key.
    caplog.clear()
    again = create_app(instance_path=str(tmp_path))
    assert again.test_client().get("/").status_code == 200
    assert "migrated" not in caplog.text.lower()
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    with again.app_context():
        db.engine.dispose()


def test_a_command_migrates_the_embedded_database_before_it_runs(tmp_path, monkeypatch):
    for name in ("FORUM_DATABASE_URL", "FORUM_SECRET_KEY", "FORUM_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(instance_path=str(tmp_path))
    with app.app_context():  # as `forum` and `flask` push it
        result = app.test_cli_runner().invoke(args=["create-category", "news", "--name", "News"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM categories")).scalar() == "news"
        db.engine.dispose()
