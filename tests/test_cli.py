"""The commands: create-category, seed-demo, rerender; and the settings they run under."""
from sqlalchemy import func, select

from forum import settings
from forum.accounts.models import User
from forum.extensions import db
from forum.links.models import Link
from forum.threads.models import Category, Post, Thread


def test_create_category_with_auto_close(runner):
    result = runner.invoke(args=["create-category", "news", "--name", "News", "--auto-close-days", "14"])
    assert result.exit_code == 0, result.output
    category = db.session.scalar(select(Category))
    assert (category.slug, category.name, category.auto_close_days) == ("news", "News", 14)
    assert runner.invoke(args=["create-category", "news", "--name", "Again"]).exit_code != 0
    assert runner.invoke(args=["create-category", "Bad Slug", "--name", "x"]).exit_code != 0
    assert runner.invoke(args=["create-category", "x", "--name", "x", "--auto-close-days", "0"]).exit_code != 0


def test_seed_demo_builds_a_community_once(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(User)) >= 6
    assert db.session.scalar(select(func.count()).select_from(Thread)) >= 4
    assert db.session.scalar(select(func.count()).select_from(Post)) >= 10
    links = db.session.scalars(select(Link).where(Link.kind == "internal")).all()
    assert links and all(link.created_at == link.source_post.created_at for link in links)
    home = client.get("/").get_data(as_text=True)
    assert "Why rank people by helpfulness" in home
    again = runner.invoke(args=["seed-demo"])
    assert "nothing seeded" in again.output


def test_rerender_rewrites_stored_html_without_touching_versions(runner, make):
    make.thread(body="**bold**")
    post = db.session.scalar(select(Post))
    post_id = post.id
    db.session.execute(Post.__table__.update().values(html="<p>stale</p>"))
    db.session.commit()
    result = runner.invoke(args=["rerender"])
    assert result.exit_code == 0 and "Re-rendered 1 posts" in result.output
    db.session.expire_all()
    post = db.session.get(Post, post_id)
    assert post.html == "<p><strong>bold</strong></p>" and post.version == 1


def test_database_urls_from_hosting_platforms_use_psycopg3():
    assert settings.database_uri("postgres://u:p@h/db", "/i") == "postgresql+psycopg://u:p@h/db"
    assert settings.database_uri("postgresql://u@h:5433/db", "/i") == "postgresql+psycopg://u@h:5433/db"
    assert settings.database_uri(None, "/inst") == "sqlite:////inst/forum.sqlite3"
    assert settings.database_uri("sqlite:///x.db", "/i") == "sqlite:///x.db"


def test_outbound_allow_hosts_setting():
    assert settings.allow_hosts(" Example.org, 127.0.0.1:8001 ,,") == {"example.org", "127.0.0.1:8001"}
    assert settings.allow_hosts("") == frozenset()


def test_settings_come_from_forum_environment_variables(monkeypatch, tmp_path):
    from forum import create_app

    monkeypatch.setenv("FORUM_SITE_NAME", "Env Forum")
    monkeypatch.setenv("FORUM_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("FORUM_LINKS_AUTO_APPROVE", "true")
    monkeypatch.setenv("FORUM_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SITE_NAME"] == "Env Forum"
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["LINKS_AUTO_APPROVE"] is True
    assert app.config["AUTO_MIGRATE"] is False  # an explicit database is migrated with `db upgrade`
