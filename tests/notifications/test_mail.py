"""Notification mail: what is still unread after the delay, to confirmed addresses, by choice;
one-click unsubscribe (RFC 8058). A real SMTP server receives it; the tests follow its links."""
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from forum.accounts.models import User
from forum.extensions import db
from forum.notifications import mailing
from forum.notifications.models import Notification, NotificationSettings
from forum.timeutil import utcnow


@pytest.fixture
def mail_app(app_factory, smtp_server):
    app = app_factory(MAIL_DELAY_SECONDS=0, MAIL_RETRY_DELAYS="0,0",
                      BASE_URL="https://forum.example", **smtp_server.settings)
    with app.app_context():
        yield app


def confirmed(user):
    db.session.execute(update(User).where(User.id == user.id).values(email_confirmed_at=utcnow()))
    db.session.commit()
    return user


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def text_of(message):
    return message.get_body(("plain",)).get_content()


def test_a_mention_is_mailed_with_both_parts_and_links_that_work(mail_app, smtp_server):
    from tests.conftest import Auth, Make

    make = Make(mail_app)
    client = mail_app.test_client()
    ada = confirmed(make.user("ada"))
    thread = make.thread(author=make.user("op"), title="Bridges")
    make.reply(thread, make.user("bob"), "What do you think, @ada?")
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ada@example.org"
    assert "bob mentioned you in “Bridges”" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://forum.example/unsubscribe/")
    text = text_of(message)
    html = message.get_body(("html",)).get_content()
    link = next(line.strip() for line in text.splitlines() if "/p/" in line)
    assert link.startswith("https://forum.example/p/") and f'href="{link}"' in html
    Auth(client).login(ada)
    answer = client.get(path(link))
    assert answer.status_code == 303 and "#post-" in answer.headers["Location"]
    # One click, as a mail provider sends it: no cookie, no CSRF token.
    anonymous = mail_app.test_client()
    assert anonymous.post(path(unsubscribe), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    settings = db.session.get(NotificationSettings, ada.id)
    assert settings.mention == "site"
    make.reply(thread, make.user("cyd"), "And again, @ada")
    mailing.send_due()
    assert len(smtp_server.messages) == 1  # no more mention mail; still on the site
    assert db.session.scalar(select(Notification.count).where(
        Notification.user_id == ada.id, Notification.kind == "mention").limit(1)) == 1


def test_several_notifications_go_in_one_message_only_when_chosen_and_confirmed(app_factory, smtp_server):
    from tests.conftest import Make

    app = app_factory(MAIL_DELAY_SECONDS=3600, **smtp_server.settings)
    with app.app_context():
        make = Make(app)
        ada = confirmed(make.user("ada"))
        unconfirmed = make.user("una")
        thread = make.thread(author=ada, title="Bridges")
        other = make.thread(author=unconfirmed, title="Tunnels")
        make.reply(thread, make.user("bob"), "Reply to ada, and @una")
        make.reply(make.thread(author=make.user("op")), make.user("cyd"), "Hi @ada")
        make.reply(other, make.user("dee"), "Reply to una")
        from forum import jobs
        jobs.drain(app)
        assert mailing.send_due() == 0  # nothing is due before the delay
        db.session.execute(update(Notification).values(mail_due_at=utcnow()))
        db.session.commit()
        assert mailing.send_due() == 1  # una's address is not confirmed
        [message] = smtp_server.wait_for(1)
        assert message["To"] == "ada@example.org"
        assert message["Subject"].endswith("2 things you have not seen yet")
        text = text_of(message)
        assert "bob replied in “Bridges”" in text and "cyd mentioned you" in text
        assert mailing.send_due() == 0  # never twice


def test_read_notifications_and_site_only_kinds_are_not_mailed(mail_app, smtp_server):
    from tests.conftest import Make

    make = Make(mail_app)
    ada = confirmed(make.user("ada"))
    post = make.reply(make.thread(author=make.user("op")), ada, "An answer")
    from forum import jobs
    jobs.drain(mail_app)
    from forum.notifications.services import mark_read
    mark_read(ada)
    from forum.contribution.services import toggle_helpful
    toggle_helpful(post.id, make.user("bob"))  # helpful: on the site by default
    from forum import jobs
    jobs.drain(mail_app)
    mailing.send_due()
    assert smtp_server.messages == []
    assert [n.kind for n in db.session.scalars(select(Notification).where(
        Notification.user_id == ada.id))] == ["helpful"]


def test_a_failing_smtp_server_loses_no_notification(mail_app, smtp_server):
    from tests.conftest import Make

    make = Make(mail_app)
    confirmed(make.user("ada"))
    smtp_server.fail_next(2)
    make.reply(make.thread(author=make.user("op")), make.user("bob"), "@ada look")
    [message] = smtp_server.wait_for(1)
    assert "mentioned you" in message["Subject"]


def test_unknown_or_forged_unsubscribe_links_are_404_and_change_nothing(client, make):
    ada = make.user("ada")
    good = mailing.unsubscribe_token(ada.id, ["mention"])
    for token in ("nope", good[:-2] + "xx", mailing.serializer().dumps([ada.id, ["nonsense"]]),
                  mailing.serializer().dumps([999999, ["mention"]]), "x" * 3000):
        assert client.get(f"/unsubscribe/{token}").status_code == 404
        response = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 404
        assert "not valid" in response.get_data(as_text=True)
    assert db.session.get(NotificationSettings, ada.id) is None
    page = client.get(f"/unsubscribe/{good}")
    assert page.status_code == 200 and "mentions of you" in page.get_data(as_text=True)
    assert db.session.get(NotificationSettings, ada.id) is None  # GET changes nothing


def test_preferences_page_saves_choices_and_refuses_bad_ones(client, make, login_as):
    ada = make.user("ada")
    login_as(ada)
    assert client.get("/settings/notifications").headers["Location"].endswith(
        "/settings#notification-preferences")
    page = client.get("/settings").get_data(as_text=True)
    assert 'name="mention" value="email" aria-label="Mentions of you (@name): by email" checked' in page
    response = client.post("/settings/notifications", data={"mention": "off", "helpful": "email",
                                                            "watch_replied": "on"})
    assert response.status_code == 303
    assert "notification choices are saved" in client.get("/settings").get_data(as_text=True)
    settings = db.session.get(NotificationSettings, ada.id)
    assert (settings.mention, settings.helpful, settings.digest, settings.watch_replied) == \
        ("off", "email", False, True)
    bad = client.post("/settings/notifications", data={"mention": "loud", "digest": "on"})
    assert bad.status_code == 400 and "is not a choice" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(NotificationSettings, ada.id).digest is False


def test_a_member_who_turned_mentions_off_hears_nothing(client, make, login_as, bell):
    ada = make.user("ada")
    login_as(ada)
    client.post("/settings/notifications", data={"mention": "off", "digest": "on"})
    make.reply(make.thread(author=make.user("op")), make.user("bob"), "@ada hello")
    assert bell.kinds(ada) == []
