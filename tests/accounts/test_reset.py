"""Forgotten passwords, from the mail a real SMTP server received: single use, one hour,
every session ends; the same answer for known and unknown addresses; rate-limited."""
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from forum.accounts.models import User
from tests.accounts.conftest import copy_cookies, logged_in_as, mailed_link


def test_a_member_resets_a_forgotten_password_from_the_mailed_link(site, smtp_server):
    ada = site.user("ada")
    phone, laptop = site.browser(ada), site.browser(ada)
    stolen = site.browser()
    copy_cookies(phone, stolen)
    visitor = site.browser()
    asked = visitor.post("/reset", data={"email": "ADA@example.org"})
    assert asked.status_code == 200 and "Check your inbox" in asked.get_data(as_text=True)
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ada@example.org" and mail["Subject"] == "Reset your password"
    link = mailed_link(mail, "/reset/")
    assert "choose a new password" in visitor.get(link).get_data(as_text=True).lower()
    done = visitor.post(link, data={"password": "my new password"})
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    # Every session ended, the stolen copy with them.
    assert logged_in_as(phone) is None and logged_in_as(laptop) is None and logged_in_as(stolen) is None
    assert visitor.post("/login", data={"username": "ada", "password": "correct horse battery"}
                        ).status_code == 400
    site.browser(ada, password="my new password")
    # The link is used up: a second use changes nothing.
    again = site.browser().post(link, data={"password": "an attacker's password"})
    assert again.status_code == 400 and "used already" in again.get_data(as_text=True)
    site.browser(ada, password="my new password")


def test_unknown_and_known_addresses_get_the_same_page_and_status(site, smtp_server):
    site.user("ada")
    known = site.browser().post("/reset", data={"email": "ada@example.org"})
    unknown = site.browser().post("/reset", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda page, address: page.get_data(as_text=True).replace(address, "ADDRESS")  # noqa: E731
    assert strip(known, "ada@example.org") == strip(unknown, "nobody@example.org")
    smtp_server.wait_for(1)
    site.app.extensions["forum.jobs"].drain(10)
    assert [m["To"] for m in smtp_server.messages] == ["ada@example.org"]


def test_expired_and_forged_links_are_a_clear_page_that_changes_nothing(site, monkeypatch):
    ada = site.user("ada")
    with site.context() as session:
        user = session.get(User, ada.id)
        from forum.accounts import mail_links
        with site.app.test_request_context():
            token = mail_links.reset_token(user)
        old_hash = user.password_hash
    client = site.browser()
    forged = URLSafeTimedSerializer("not the key", salt="forum.accounts.reset").dumps(
        {"u": ada.id, "p": "x"})
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x" * 600, "%00"):
        response = client.post(f"/reset/{bad}", data={"password": "an attacker's password"})
        assert response.status_code in (400, 404)
        if response.status_code == 400:
            assert "link" in response.get_data(as_text=True)
    # An hour later the real link has expired.
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3601)
    expired = client.post(f"/reset/{token}", data={"password": "a new password"})
    monkeypatch.undo()
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    with site.context() as session:
        assert session.get(User, ada.id).password_hash == old_hash


@pytest.mark.parametrize("form", [{}, {"email": "not an address"}, {"email": "a" * 300 + "@x.org"}])
def test_bad_reset_requests_are_400(site, form):
    assert site.browser().post("/reset", data=form).status_code == 400


def test_a_short_new_password_is_refused_and_the_link_still_works(site, smtp_server):
    site.user("ada")
    client = site.browser()
    client.post("/reset", data={"email": "ada@example.org"})
    link = mailed_link(smtp_server.wait_for(1)[0], "/reset/")
    assert client.post(link, data={"password": "short"}).status_code == 400
    assert client.post(link, data={"password": "long enough now"}).status_code == 303


def test_reset_requests_are_limited_per_address_and_per_ip(app_factory, smtp_server):
    from tests.accounts.conftest import Site

    site = Site(app_factory(RATELIMIT_ENABLED=True, LIMIT_RESET_ADDRESS="2 per hour",
                            LIMIT_RESET_IP="6 per hour", **smtp_server.settings))
    site.user("ada")
    client = site.browser()
    statuses = [client.post("/reset", data={"email": "ada@example.org"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # Unknown addresses are limited alike, so the limit tells nothing either.
    statuses = [client.post("/reset", data={"email": "who@example.org"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # Every request counts toward its IP's limit (6): a third address is refused too.
    assert client.post("/reset", data={"email": "third@example.org"}).status_code == 429
    other_ip = site.app.test_client()
    other_ip.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert other_ip.post("/reset", data={"email": "ada@example.org"}).status_code == 429
    assert other_ip.post("/reset", data={"email": "third@example.org"}).status_code == 200


def test_one_link_used_twice_at_once_changes_the_password_once(site, smtp_server):
    import threading

    ada = site.user("ada")
    site.browser().post("/reset", data={"email": "ada@example.org"})
    link = mailed_link(smtp_server.wait_for(1)[0], "/reset/")
    barrier = threading.Barrier(2)
    answers = {}

    def use(password):
        client = site.app.test_client()
        barrier.wait()
        answers[password] = client.post(link, data={"password": password}).status_code

    threads = [threading.Thread(target=use, args=(p,)) for p in ("first new password", "second new password")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers.values()) == [303, 400], answers
    [winner] = [p for p, status in answers.items() if status == 303]
    site.browser(ada, password=winner)
