"""Hostile input through the app, on both databases, with the CSRF check on (as in production):
NUL bytes and invalid UTF-8 anywhere in a request are a 400 that stores nothing, numbers in the
query are read by one parser, and ``next`` never leads off the site."""
import re

import pytest
from flask import abort
from sqlalchemy import func, select, text

from forum.extensions import db
from forum.moderation.models import Flag, ModerationAction
from forum.threads.models import Post, Thread
from tests.conftest import PASSWORD


def counts() -> tuple[int, ...]:
    db.session.rollback()  # a fresh read: SQLite keeps a snapshot per open transaction
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Thread, Post, Flag, ModerationAction))


class Browser:
    """A test client that logs in through the form and sends each form's CSRF token."""

    def __init__(self, client):
        self.client = client

    def token(self) -> str:
        page = self.client.get("/login").get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def login(self, user):
        response = self.client.post("/login", data={"username": user.username, "password": PASSWORD,
                                                    "csrf_token": self.token()})
        assert response.status_code == 303

    def post_raw(self, url: str, fields: bytes, content_type="application/x-www-form-urlencoded"):
        body = b"csrf_token=" + self.token().encode() + b"&" + fields
        return self.client.post(url, data=body, content_type=content_type)


@pytest.fixture
def csrf_app(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


@pytest.fixture
def browser(csrf_app):
    return Browser(csrf_app.test_client())


@pytest.fixture
def forum(csrf_app, make, browser):
    """A thread by a moderator, logged in."""
    moderator = make.user("mod", role="moderator")
    thread = make.thread(author=moderator)
    browser.login(moderator)
    return thread


def write_forms(thread) -> dict[str, str]:
    post_id = thread.posts[0].id if hasattr(thread, "posts") else None
    post_id = post_id or db.session.scalar(select(Post.id).where(Post.thread_id == thread.id))
    return {
        "reply": (f"/t/{thread.id}/reply", "body"),
        "new thread": (f"/c/{thread.category.slug}/new", "body"),
        "edit": (f"/p/{post_id}/edit", "body"),
        "close reason": (f"/t/{thread.id}/close", "reason"),
        "flag": (f"/p/{post_id}/flag", "reason"),
        "login": ("/login", "username"),
    }


FORMS = ["reply", "new thread", "edit", "close reason", "flag", "login"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("value, problem", [
    (b"before%00after", "NUL"), (b"before\x00after", "NUL"),
    (b"%ff%fe", "not valid UTF-8"), (b"\xff\xfe", "not valid UTF-8"),
    (b"%C0%AF", "not valid UTF-8"), (b"%ED%A0%80", "not valid UTF-8"),  # overlong, surrogate
])
def test_nul_and_invalid_utf8_in_a_form_are_400_and_store_nothing(forum, browser, form, value,
                                                                   problem):
    before = counts()
    url, field = write_forms(forum)[form]
    response = browser.post_raw(url, b"title=T&version=1&" + field.encode() + b"=" + value)
    assert response.status_code == 400
    assert problem in response.get_data(as_text=True)
    assert counts() == before
    assert db.session.scalar(select(Post.body).where(Post.position == 1)) == "Opening post."


@pytest.mark.parametrize("value, problem", [(b"a\x00b", "NUL"), (b"\xff\xfe", "not valid UTF-8")])
def test_nul_and_invalid_utf8_in_a_multipart_form_are_400(forum, browser, value, problem):
    before = counts()
    token = browser.token().encode()
    body = (b"--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token +
            b"\r\n--B\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n" + value +
            b"\r\n--B--\r\n")
    response = browser.client.post(f"/t/{forum.id}/reply", data=body,
                                   content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400 and problem in response.get_data(as_text=True)
    assert counts() == before


def test_a_multipart_reply_that_is_fine_is_stored(forum, browser):
    response = browser.client.post(f"/t/{forum.id}/reply", data={
        "csrf_token": browser.token(), "body": "Ünïcode is fine"}, content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(Post.body).where(Post.position == 2)) == "Ünïcode is fine"


@pytest.mark.parametrize("url", ["/search?q=%ff", "/search?q=a%00", "/u/%ff", "/c/%C0%AF",
                                 "/tag/%ff/feed.atom", "/?page=%ff", "/api/v1/users/%ff"])
def test_invalid_utf8_in_the_address_is_400(client, url):
    assert client.get(url).status_code == 400
    assert client.get(url, headers={"If-None-Match": '"x"'}).status_code == 400


def test_the_error_page_works_after_a_failed_statement(app, client, make, login_as):
    """On PostgreSQL a failed statement aborts the transaction: the error page (which loads
    the member) must roll it back first, not fail itself."""

    @app.get("/failed-statement-for-test")
    def failed_statement():
        try:
            db.session.execute(text("SELECT * FROM no_such_table"))
        except Exception:
            pass  # a careless route carries on with the broken transaction
        abort(409, "Conflict for the test.")

    login_as(make.user("grace"))
    response = client.get("/failed-statement-for-test")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Conflict for the test." in page and "grace" in page


NOT_NUMBERS = ["²", "٣", "-1", "0", "1e9", " 1", "1 ", "+1", "1_0", "0x10", "99999999999999999999",
               "", "1.0", "١٢"]


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_a_page_number_that_is_not_plain_digits_is_400(client, make, raw):
    thread = make.thread()
    for url in ["/", f"/c/{thread.category.slug}", f"/t/{thread.id}", "/leaderboard",
                "/api/v1/threads", f"/c/{thread.category.slug}/helpful.atom?min"]:
        separator = "&" if "?" in url else "?"
        target = f"{url}={raw}" if url.endswith("?min") else f"{url}{separator}page={raw}"
        response = client.get(target)
        assert response.status_code == 400, (target, response.status_code)
        polled = client.get(target, headers={"If-None-Match": '"x"'})
        assert polled.status_code == 400, target


def test_plain_page_numbers_still_work(client, make):
    thread = make.thread()
    assert client.get("/?page=1").status_code == 200
    assert client.get(f"/t/{thread.id}?page=01").status_code == 200
    assert client.get(f"/c/{thread.category.slug}/helpful.atom?min=3").status_code == 200


OFF_SITE = ["http:evil.example", "http:/evil.example", "HTTP:evil.example", "//evil.example",
            "https://evil.example/", "/\\evil.example", "\\/evil.example", "/\t/evil.example",
            "/%09/evil.example", "javascript:alert(1)", " //evil.example", "/\r\n/evil.example",
            "http://localhost/", "///evil.example", "evil.example", "/%5Cevil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_the_site(client, make, target):
    user = make.user("grace")
    response = client.post("/login", query_string={"next": target},
                           data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location == "/" or (location == target and target.startswith("/%")), location


def test_login_follows_a_path_of_this_site(client, make):
    user = make.user("grace")
    response = client.post("/login", query_string={"next": "/t/1/slug?page=2#post-3"},
                           data={"username": user.username, "password": PASSWORD})
    assert response.headers["Location"] == "/t/1/slug?page=2#post-3"


@pytest.mark.parametrize("target", OFF_SITE[:8])
def test_a_moderator_form_never_redirects_off_the_site(client, make, login_as, target):
    thread = make.thread()
    post = make.reply(thread)
    login_as(make.user("mod", role="moderator"))
    response = client.post(f"/p/{post.id}/hide", data={"reason": "spam", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/t/{thread.id}")


@pytest.mark.parametrize("version", ["٣", "²", "-1", " 1", "1_0", "99999999999999999999"])
def test_an_edit_whose_version_is_not_plain_digits_is_400_keeping_the_text(client, make, login_as,
                                                                            version):
    member = make.user()
    thread = make.thread(author=member)
    login_as(member)
    post_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id))
    response = client.post(f"/p/{post_id}/edit", data={"body": "My new words", "version": version})
    assert response.status_code == 400
    assert "My new words" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Post.body).where(Post.id == post_id)) == "Opening post."
