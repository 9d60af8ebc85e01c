"""The weekly digest: only what others found valuable, once a week, through a real SMTP server."""
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from forum import jobs
from forum.accounts.models import User
from forum.extensions import db
from forum.notifications.digest import send_digests
from forum.notifications.models import NotificationSettings
from forum.timeutil import utcnow


@pytest.fixture
def digest_app(app_factory, smtp_server):
    app = app_factory(BASE_URL="https://forum.example", MAIL_DELAY_SECONDS=3600,
                      **smtp_server.settings)
    with app.app_context():
        yield app


def confirm_all():
    db.session.execute(update(User).values(email_confirmed_at=utcnow()))
    db.session.commit()


def test_the_digest_holds_the_weeks_valuable_replies_and_comes_once_a_week(digest_app, smtp_server):
    from forum.contribution.services import toggle_accept, toggle_helpful
    from tests.conftest import Make

    make = Make(digest_app)
    reader, op, ann, ben = (make.user(name) for name in ("reader", "op", "ann", "ben"))
    watched = make.thread(author=op, title="Watched thread")
    elsewhere = make.thread(author=op, title="Elsewhere")
    answer = make.reply(watched, ann, "The accepted answer")
    useful = make.reply(elsewhere, ben, "A helpful reply")
    make.reply(elsewhere, ben, "Nobody found this one valuable")
    toggle_accept(answer.id, op)
    toggle_helpful(useful.id, op)
    from forum.notifications.services import set_thread_level
    set_thread_level(reader, watched, "watching")
    confirm_all()
    jobs.drain(digest_app)
    assert send_digests() == 4  # reader, op, ann and ben each have something valuable to read
    messages = smtp_server.wait_for(4)
    [mail] = [m for m in messages if m["To"] == "reader@example.org"]
    text = mail.get_body(("plain",)).get_content()
    assert text.index("From what you watch and follow") < text.index("Watched thread") \
        < text.index("Across the forum") < text.index("Elsewhere")
    assert "ann, accepted" in text and "ben, 1 helpful mark" in text
    assert "Nobody found this one valuable" not in text
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert send_digests() == 0  # never two for one week
    jobs.drain(digest_app)
    assert len(smtp_server.messages) == 4
    # One click stops the digest.
    client = digest_app.test_client()
    unsubscribe = urlsplit(mail["List-Unsubscribe"].strip("<>")).path
    assert client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert db.session.get(NotificationSettings, reader.id).digest is False


def test_nothing_is_sent_when_nothing_was_valuable(digest_app, smtp_server):
    from tests.conftest import Make

    make = Make(digest_app)
    thread = make.thread(author=make.user("op"))
    make.reply(thread, make.user("ann"), "Just talk")
    confirm_all()
    assert send_digests() == 0
    jobs.drain(digest_app)
    assert smtp_server.messages == []


def test_the_command_runs(digest_app):
    result = digest_app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0 and "Queued 0 weekly digests." in result.output
