"""Rate limits (429 saying which limit) and the new-member link rule (400)."""
from datetime import timedelta

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import func, select

from forum import create_app
from forum.contribution.models import HelpfulMark
from forum.extensions import db
from forum.markup import render_markdown
from forum.moderation.limits import count_links, is_new_member
from forum.threads.models import Post
from forum.timeutil import utcnow
from tests.conftest import Auth


@pytest.fixture
def app(app_factory):
    """This module's app has the limits on (the test default is off)."""
    app = app_factory(RATELIMIT_ENABLED=True)
    with app.app_context():
        yield app


@pytest.fixture
def limited(client):
    return client


def posts() -> int:
    return db.session.scalar(select(func.count(Post.id)))


def test_login_is_limited_to_ten_attempts_a_minute_per_address(limited, make):
    make.user("ada")
    for _ in range(10):
        assert limited.post("/login", data={"username": "ada", "password": "wrong"}).status_code == 400
    response = limited.post("/login", data={"username": "ada", "password": "wrong"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many login attempts" in page and "10 per minute" in page
    assert int(response.headers["Retry-After"]) > 0
    assert limited.get("/login").status_code == 200  # reading the form is not an attempt
    # Another address is not held back by this one's count (ada's own account now is: below).
    other_address = limited.post("/login", data={"username": "grace", "password": "wrong"},
                                 environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other_address.status_code == 400


def test_limits_are_configurable(app_factory):
    client = app_factory(RATELIMIT_ENABLED=True, LIMIT_LOGIN="2 per hour").test_client()
    for _ in range(2):
        client.post("/login", data={"username": "x", "password": "y"})
    response = client.post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 429 and "2 per hour" in response.get_data(as_text=True)


def test_registration_is_limited_to_five_new_accounts_an_hour_per_address(limited):
    assert limited.post("/register", data={"username": "", "email": "", "password": ""}
                        ).status_code == 400  # refused forms do not count
    for i in range(5):
        response = limited.post("/register", data={
            "username": f"newbie{i}", "email": f"newbie{i}@example.org",
            "password": "a long enough password"})
        assert response.status_code == 303, response.get_data(as_text=True)
    response = limited.post("/register", data={
        "username": "newbie5", "email": "newbie5@example.org", "password": "a long enough password"})
    assert response.status_code == 429
    assert "5 per hour" in response.get_data(as_text=True)


def test_a_member_posts_at_most_once_in_ten_seconds(limited, make):
    thread = make.thread()
    make.category("general")
    auth = Auth(limited)
    auth.login(make.user("rita"))
    assert limited.post(f"/t/{thread.id}/reply", data={"body": ""}).status_code == 400
    assert limited.post(f"/t/{thread.id}/reply", data={"body": "first"}).status_code == 303
    response = limited.post(f"/t/{thread.id}/reply", data={"body": "second"})
    assert response.status_code == 429
    assert "posting too fast" in response.get_data(as_text=True)
    assert "1 per 10 second" in response.get_data(as_text=True)
    response = limited.post("/c/general/new", data={"title": "New", "body": "thread"})
    assert response.status_code == 429  # threads and replies share the limit
    assert posts() == 2
    auth.logout()
    auth.login(make.user("otto"))  # the limit is per member, not per address
    assert limited.post(f"/t/{thread.id}/reply", data={"body": "mine"}).status_code == 303


def test_limits_are_off_when_ratelimit_enabled_is_false(app_factory, make, monkeypatch):
    thread_id = make.thread().id
    make.user("rita")
    db.session.remove()  # on SQLite, an open transaction here would hold the write lock
    client = app_factory(RATELIMIT_ENABLED=False, LIMIT_LOGIN="2 per minute").test_client()
    for _ in range(4):
        assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 400
    Auth(client).login("rita")
    for i in range(3):
        body = f"[a](https://a.example/) [b](https://b.example/) [c](https://c.example/) {i}"
        assert client.post(f"/t/{thread_id}/reply", data={"body": body}).status_code == 303
    monkeypatch.setenv("FORUM_RATELIMIT_ENABLED", "false")
    assert create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"}
                      ).config["RATELIMIT_ENABLED"] is False


def test_limits_are_counted_in_redis_when_it_is_configured(app_factory, redis_settings):
    import redis

    client = app_factory(RATELIMIT_ENABLED=True, LIMIT_LOGIN="2 per minute",
                         **redis_settings).test_client()
    connection = redis.Redis.from_url(redis_settings["REDIS_URL"])
    # Only this test's keys: its twin on the other database runs at the same time, in another
    # process, on the same server (redis_settings deletes them afterwards).
    ours = f"*{redis_settings['RATELIMIT_KEY_PREFIX']}*"
    assert not list(connection.scan_iter(ours))
    for _ in range(2):
        client.post("/login", data={"username": "x", "password": "y"})
    assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 429
    assert list(connection.scan_iter(ours))
    connection.close()


THREE_LINKS = "See [one](https://one.example/), [two](https://two.example/) and https://three.example.org/"


def test_new_member_may_post_at_most_two_links(limited, make):
    thread = make.thread()
    auth = Auth(limited)
    auth.login(make.user("newbie"))
    response = limited.post(f"/t/{thread.id}/reply", data={"body": THREE_LINKS})
    assert response.status_code == 400
    assert "New members can post at most 2 links" in response.get_data(as_text=True)
    assert posts() == 1
    two = "[one](https://one.example/) and https://two.example.org/"
    assert limited.post(f"/t/{thread.id}/reply", data={"body": two}).status_code == 303
    reply = db.session.scalar(select(Post).where(Post.position == 2))
    edit = limited.post(f"/p/{reply.id}/edit", data={"body": THREE_LINKS, "version": reply.version})
    assert edit.status_code == 400 and "at most 2 links" in edit.get_data(as_text=True)


def test_members_past_their_first_day_or_with_a_helpful_mark_may_post_more_links(limited, make):
    thread = make.thread()
    veteran = make.user("veteran")
    veteran.created_at = utcnow() - timedelta(hours=25)
    helped = make.user("helped")
    marked = make.reply(thread, helped, "useful")
    db.session.add(HelpfulMark(post_id=marked.id, user_id=thread.author_id))
    db.session.commit()
    moderator = make.user("mona", role="moderator")
    auth = Auth(limited)
    for member in (veteran, helped, moderator):
        auth.login(member)
        assert limited.post(f"/t/{thread.id}/reply", data={"body": THREE_LINKS}).status_code == 303
        auth.logout()


@given(st.lists(st.sampled_from(["[x](https://x.example/a)", "https://y.example.org/b",
                                 "<https://z.example/>", "[m](mailto:a@b.example)"]),
                max_size=6),
       st.sampled_from(["", "plain words ", "**bold** "]))
def test_count_links_counts_every_rendered_link(links, filler):
    body = " ".join(filler + link for link in links) or "no links"
    assert count_links(render_markdown(body)) == len(links)


@pytest.mark.parametrize("html, expected", [
    ("", 0), ("<p>no links</p>", 0), ('<a href="x">x</a>', 1),
    ('<A HREF="x">x</A> <a rel="nofollow" href="y">y</a>', 2), ("<abbr title=a>a</abbr>", 0),
])
def test_count_links_on_html(html, expected):
    assert count_links(html) == expected


class Member:
    def __init__(self, hours_old):
        self.created_at = NOW - timedelta(hours=hours_old)


NOW = utcnow()


@pytest.mark.parametrize("hours_old, marked, new", [
    (0, False, True), (23.9, False, True), (24.1, False, False), (1, True, False),
    (100, True, False),
])
def test_who_is_a_new_member(hours_old, marked, new):
    assert is_new_member(Member(hours_old), marked, NOW, 24) is new


def test_behind_a_trusted_proxy_limits_key_on_the_client_address(app_factory, make):
    app = app_factory(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1, LIMIT_LOGIN="2 per minute")
    client = app.test_client()
    with app.app_context():
        make.user("ada")
    proxy = {"REMOTE_ADDR": "127.0.0.1"}  # every request arrives from the reverse proxy

    def attempt(client_address):
        return client.post("/login", data={"username": "ada", "password": "wrong"},
                           environ_base=proxy, headers={"X-Forwarded-For": client_address})

    assert [attempt("203.0.113.7").status_code for _ in range(3)] == [400, 400, 429]
    assert attempt("198.51.100.9").status_code == 400  # another visitor is not locked out


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(app_factory, make):
    app = app_factory(RATELIMIT_ENABLED=True, LIMIT_LOGIN="2 per minute")
    client = app.test_client()
    with app.app_context():
        make.user("ada")

    def attempt(forged):
        return client.post("/login", data={"username": "ada", "password": "wrong"},
                           environ_base={"REMOTE_ADDR": "192.0.2.44"},
                           headers={"X-Forwarded-For": forged})

    assert [attempt(f"203.0.113.{i}").status_code for i in range(3)] == [400, 400, 429]


def test_failed_logins_are_limited_per_account_across_addresses(app_factory, make):
    client = app_factory(RATELIMIT_ENABLED=True, LIMIT_LOGIN_ACCOUNT="3 per hour").test_client()
    make.user("ada")
    typed = ["ada", "ADA ", "ada@example.org"]  # one account, however it is typed
    for number, name in enumerate(typed):
        response = client.post("/login", data={"username": name, "password": "wrong"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{number + 1}"})
        assert response.status_code == 400
    blocked = client.post("/login", data={"username": "ada", "password": "correct horse battery"},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert blocked.status_code == 429
    assert "Too many failed logins for this account" in blocked.get_data(as_text=True)
    make.user("bob")
    other = client.post("/login", data={"username": "bob", "password": "correct horse battery"},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303


def test_successful_logins_do_not_count_against_the_account(app_factory, make):
    client = app_factory(RATELIMIT_ENABLED=True, LIMIT_LOGIN_ACCOUNT="2 per hour").test_client()
    make.user("ada")
    for _ in range(4):
        response = client.post("/login", data={"username": "ada", "password": "correct horse battery"})
        assert response.status_code == 303


def test_edits_are_limited_per_member_keeping_the_text(app_factory, make):
    app = app_factory(RATELIMIT_ENABLED=True, LIMIT_EDIT="2 per minute")
    client = app.test_client()
    ada = make.user("ada")
    thread = make.thread(author=ada)
    Auth(client).login(ada)
    post = db.session.scalars(select(Post)).one()
    for number in range(2):
        db.session.rollback()
        version = db.session.get(Post, post.id).version
        response = client.post(f"/p/{post.id}/edit", data={"body": f"Edit {number}", "version": version})
        assert response.status_code == 303
    db.session.rollback()
    version = db.session.get(Post, post.id).version
    response = client.post(f"/p/{post.id}/edit", data={"body": "Third edit words", "version": version})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "editing too fast" in page and "Third edit words" in page
    db.session.rollback()
    assert db.session.get(Post, post.id).body == "Edit 1"
    assert thread.id


def test_previews_are_limited_per_member_with_a_json_answer(app_factory, make):
    client = app_factory(RATELIMIT_ENABLED=True, LIMIT_PREVIEW="2 per minute").test_client()
    Auth(client).login(make.user("ada"))
    for _ in range(2):
        assert client.post("/preview", data={"body": "hi"},
                           headers={"Accept": "application/json"}).status_code == 200
    response = client.post("/preview", data={"body": "hi"}, headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert "Too many previews" in response.get_json()["error"]["message"]
