"""Commands: ``flask --app forum <command>`` or the ``forum`` script."""
import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from sqlalchemy import select

from forum.database import needs_database
from forum.errors import Refused
from forum.extensions import db


@click.command("create-user")
@click.argument("name")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["member", "moderator", "admin"]), default="member")
@needs_database
def create_user(name, email, password, role):
    """Create a member (or moderator, or admin)."""
    from forum.accounts.services import create_user as create

    try:
        user = create(name, email, password, role)
    except Refused as refused:
        raise click.ClickException(refused.message)
    click.echo(f"Created {user.role} {user.username}.")


@click.command("create-category")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--description", default="")
@click.option("--auto-close-days", type=click.IntRange(min=1), default=None,
              help="Close a thread this many days after its last reply.")
@needs_database
def create_category(slug, name, description, auto_close_days):
    """Create a category."""
    from forum.threads.models import Category

    if not slug.replace("-", "").isalnum() or slug != slug.lower():
        raise click.ClickException("A slug is lower-case letters, digits and dashes.")
    if db.session.scalar(select(Category).where(Category.slug == slug)):
        raise click.ClickException(f"A category “{slug}” exists already.")
    db.session.add(Category(slug=slug, name=name, description=description,
                            auto_close_days=auto_close_days))
    db.session.commit()
    click.echo(f"Created category {slug}.")


@click.command("rerender")
@needs_database
def rerender():
    """Render every post's stored HTML again, after a change to the renderer."""
    from forum.threads.services import rerender_all

    with current_app.test_request_context(base_url=current_app.config["BASE_URL"] or None):
        click.echo(f"Re-rendered {rerender_all()} posts.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Say nothing when the forum has members already.")
@needs_database
def seed_demo(if_empty):
    """Fill an empty forum with a small, believable community to look at."""
    from forum.demo import seed

    if not seed():
        if not if_empty:
            click.echo("The forum already has members; nothing seeded.")
        return
    click.echo("Seeded the demo community. Log in as ada / demo-password (moderator) "
               "or any demo member with demo-password.")


@click.command("close-stale")
@needs_database
def close_stale():
    """Record auto-closes that have come due (for listings); safe to run from cron."""
    from forum.moderation.services import close_stale as close

    count = close()
    click.echo(f"Closed {count} stale {'thread' if count == 1 else 'threads'}.")


@click.command("send-digests")
def send_digests():
    """Queue the weekly digest; safe to run more than once a week (one per member per week)."""
    from forum.notifications.digest import send_digests as send

    count = send()
    backend = current_app.extensions["forum.jobs"]
    if not hasattr(backend, "work"):
        # No Redis: the mail jobs run on this process's own thread; let them finish.
        from forum import jobs

        jobs.drain(current_app)
    click.echo(f"Queued {count} weekly {'digest' if count == 1 else 'digests'}.")


@click.command("worker")
def worker():
    """Process background jobs from Redis (needs FORUM_REDIS_URL)."""
    backend = current_app.extensions["forum.jobs"]
    if not hasattr(backend, "work"):
        raise click.ClickException("Set FORUM_REDIS_URL: without Redis, jobs run inside the "
                                   "web process and need no worker.")
    click.echo("Working on background jobs; Ctrl-C stops.")
    backend.work()


COMMANDS = [create_user, create_category, rerender, seed_demo, worker, close_stale, send_digests]


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def main():
    """The ``forum`` console script: the same commands as ``flask --app forum``."""
    from forum import create_app

    FlaskGroup(create_app=create_app)()
