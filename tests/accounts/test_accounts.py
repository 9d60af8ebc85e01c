"""Registering, logging in and out, as a visitor does it."""
import pytest
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.extensions import db


def members() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_register_logs_the_new_member_in(client):
    response = client.post("/register", data={
        "username": "Grace", "email": "Grace@Example.org", "password": "a long password"})
    assert response.status_code == 303
    user = db.session.scalar(select(User))
    # The address counts once its link is opened (tests/accounts/test_addresses.py).
    assert (user.username, user.email, user.role) == ("Grace", None, "member")
    assert user.password_hash.startswith("pbkdf2:")  # the tests' cheap setting; see below
    page = client.get("/").get_data(as_text=True)
    assert "Grace" in page and "grace@example.org: open it to confirm" in page


def test_passwords_use_a_slow_hash_by_default(app_factory):
    app = app_factory(PASSWORD_HASH_METHOD="scrypt")
    with app.app_context():
        from forum.accounts.services import create_user
        assert create_user("slow", "slow@example.org", "a long password").password_hash.startswith("scrypt:")


@pytest.mark.parametrize("form, message", [
    ({"username": "ab", "email": "a@example.org", "password": "a long password"}, "3 to 32"),
    ({"username": "bad name!", "email": "a@example.org", "password": "a long password"}, "3 to 32"),
    ({"username": "x" * 33, "email": "a@example.org", "password": "a long password"}, "3 to 32"),
    ({"username": "someone", "email": "not-an-email", "password": "a long password"}, "not an email"),
    ({"username": "someone", "email": "a@example.org", "password": "short"}, "8 to 200"),
    ({"username": "someone", "email": "a@example.org"}, "Choose a password"),
    ({}, "Choose a username"),
])
def test_bad_registrations_are_400_with_a_message_and_store_nothing(client, form, message):
    response = client.post("/register", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert members() == 0


def test_usernames_and_emails_are_unique_regardless_of_case(client, make):
    make.user("grace")
    taken = client.post("/register", data={"username": "GRACE", "email": "new@example.org",
                                           "password": "a long password"})
    assert taken.status_code == 400 and "is taken" in taken.get_data(as_text=True)
    assert members() == 1
    # A taken address is answered as a new one (its owner is mailed instead), and the new
    # account gets it only if a link mailed to it is opened: test_addresses.py.


def test_login_by_username_or_email_and_logout(client, make):
    make.user("linus", password="a long password")
    bad = client.post("/login", data={"username": "linus", "password": "wrong password"})
    assert bad.status_code == 400 and "do not match" in bad.get_data(as_text=True)
    ok = client.post("/login", data={"username": "LINUS@example.org", "password": "a long password"})
    assert ok.status_code == 303
    assert "Log out" in client.get("/").get_data(as_text=True)
    assert client.post("/logout").status_code == 303
    assert "Log out" not in client.get("/").get_data(as_text=True)


def test_login_follows_next_only_within_the_site(client, make):
    make.user("ada", password="a long password")
    inside = client.post("/login?next=/search", data={"username": "ada", "password": "a long password"})
    assert inside.headers["Location"] == "/search"
    client.post("/logout")
    outside = client.post("/login?next=https://evil.example/", data={"username": "ada",
                                                                      "password": "a long password"})
    assert outside.headers["Location"] == "/"


def test_session_cookie_is_httponly_and_samesite_lax(client, make):
    make.user("ada", password="a long password")
    response = client.post("/login", data={"username": "ada", "password": "a long password"})
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session


def test_every_form_needs_its_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/register", data={"username": "mallory", "email": "m@example.org",
                                              "password": "a long password"})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    with app.app_context():
        assert members() == 0
    page = client.get("/register").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_create_user_command(runner):
    result = runner.invoke(args=["create-user", "mod", "--email", "mod@example.org",
                                 "--password", "a long password", "--role", "moderator"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "mod")) == "moderator"
    again = runner.invoke(args=["create-user", "MOD", "--email", "x@example.org", "--password", "pw"])
    assert again.exit_code != 0 and "is taken" in again.output


def test_profile_page_shows_the_member(client, make):
    member = make.user("margaret")
    make.thread(author=member, title="Decay of scores")
    page = client.get("/u/margaret").get_data(as_text=True)
    assert "margaret" in page and "Decay of scores" in page
    assert client.get("/u/nobody").status_code == 404
