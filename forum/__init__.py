"""The forum: a Flask app that ranks members by the value they give others."""
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from forum import settings


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, commands.

    Works as ``flask --app forum``, ``gunicorn "forum:create_app()"`` and the ``forum`` script.
    """
    # FORUM_INSTANCE_PATH: where the embedded database, the secret key and mail files live
    # (default: ./instance beside a source checkout, <prefix>/var/forum-instance when installed).
    instance_path = instance_path or os.environ.get("FORUM_INSTANCE_PATH") or None
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path,
        template_folder=resource_dir("templates"),
        static_folder=resource_dir("static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_prefixed_env("FORUM")
    if test_config:
        app.config.from_mapping(test_config)
    settings.finalize(app.config, app.instance_path)

    from forum import (contribution, database, errors, headers, jobs, links,  # noqa: F401 (models)
                       mail, models, pagecache, permissions, templating)
    from forum.extensions import cache, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        database.configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    from forum.threads import search

    migrate.init_app(app, db, directory=resource_dir("migrations"),
                     render_as_batch=True, compare_type=True,
                     include_object=search.include_object)
    login_manager.init_app(app)
    csrf.init_app(app)
    # One Limiter per process, but each app counts under its own RATELIMIT_KEY_PREFIX:
    # Flask-Limiter keeps the first app's prefix otherwise (tests build many apps).
    limiter._key_prefix = app.config.get("RATELIMIT_KEY_PREFIX", "")
    limiter.init_app(app)
    cache.init_app(app)
    jobs.init_app(app)
    mail.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    templating.init_app(app)
    permissions.init_app(app)
    contribution.init_app(app)
    links.init_app(app)
    from forum.web import IdConverter

    app.url_map.converters["int"] = IdConverter
    register_blueprints(app)
    from forum.moderation import limits

    limits.init_app(app)
    from forum import accounts, reading

    accounts.init_app(app)
    reading.init_app(app)
    from forum import notifications

    notifications.init_app(app)

    from forum import cli

    cli.init_app(app)
    pagecache.init_app(app)
    if app.config["AUTO_MIGRATE"]:
        # Not now: importing the app, or `forum --help`, must never touch the database.
        database.migrate_before_first_use(app)
    if proxies := int(app.config["TRUSTED_PROXIES"]):
        # Outermost, so every layer (the feeds' 304 path included) sees the client's request.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    return app


def resource_dir(name: str) -> str:
    """Where ``templates``, ``static`` or ``migrations`` is: inside the package when installed
    from a wheel, beside it in a source checkout (the project's own layout)."""
    package = Path(__file__).resolve().parent
    installed = package / name
    return str(installed if installed.is_dir() else package.parent / name)


def register_blueprints(app: Flask) -> None:
    from forum.accounts.routes import bp as accounts
    from forum.accounts.settings_routes import bp as settings
    from forum.api.routes import bp as api
    from forum.contribution.routes import bp as contribution
    from forum.feeds.routes import bp as feeds
    from forum.links.routes import bp as links
    from forum.moderation.routes import bp as moderation
    from forum.notifications.routes import bp as notifications
    from forum.threads.routes import bp as threads

    for blueprint in (accounts, settings, threads, api, links, feeds, contribution, moderation,
                      notifications):
        app.register_blueprint(blueprint)
