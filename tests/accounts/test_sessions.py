"""Revocable sessions: each login is stored; logout, a password change and "log out
everywhere else" end the sessions they should, and a copied cookie then stops working."""
import re

from sqlalchemy import select

from forum.accounts.models import AccountSession
from tests.accounts.conftest import CHROME_ON_ANDROID, copy_cookies, logged_in_as
from tests.conftest import PASSWORD


def test_a_copied_session_cookie_stops_working_after_logout(site):
    ada = site.user("ada")
    browser = site.browser(ada)
    thief = site.browser()
    copy_cookies(browser, thief)
    assert logged_in_as(thief) == "ada"
    browser.post("/logout")
    assert logged_in_as(browser) is None
    assert logged_in_as(thief) is None
    assert thief.get("/settings").status_code == 302


def test_the_remember_cookie_is_per_login_and_ends_with_its_session(site):
    ada = site.user("ada")
    first, second = site.browser(ada), site.browser(ada)
    remembered = first.get_cookie("remember_token").value
    assert remembered != second.get_cookie("remember_token").value
    # It names the login (a random token), not the member.
    assert len(remembered.split("|")[0]) >= 40 and remembered.split("|")[0] != str(ada.id)
    only_remembered = site.browser()
    only_remembered.set_cookie("remember_token", remembered)
    assert logged_in_as(only_remembered) == "ada"  # the cookie works while its session lives
    first.post("/logout")
    stale = site.browser()
    stale.set_cookie("remember_token", remembered)
    assert logged_in_as(stale) is None
    assert logged_in_as(second) == "ada"  # the other login goes on


def test_a_password_change_ends_every_other_session(site):
    ada = site.user("ada")
    phone, laptop = site.browser(ada, CHROME_ON_ANDROID), site.browser(ada)
    stolen = site.browser()
    copy_cookies(phone, stolen)
    response = laptop.post("/settings/password", data={
        "current_password": PASSWORD, "new_password": "a brand new password"})
    assert response.status_code == 303
    assert "1 other session ended" in laptop.get(response.headers["Location"]).get_data(as_text=True)
    assert logged_in_as(laptop) == "ada"
    assert logged_in_as(phone) is None and logged_in_as(stolen) is None
    assert site.browser().post("/login", data={"username": "ada", "password": PASSWORD}).status_code == 400
    site.browser(ada, password="a brand new password")


def test_a_wrong_current_password_changes_nothing(site):
    ada = site.user("ada")
    laptop, phone = site.browser(ada), site.browser(ada, CHROME_ON_ANDROID)
    response = laptop.post("/settings/password", data={
        "current_password": "not my password", "new_password": "a brand new password"})
    assert response.status_code == 400
    assert "current password is not right" in response.get_data(as_text=True)
    assert logged_in_as(phone) == "ada"
    site.browser(ada)


def test_settings_list_sessions_and_log_out_everywhere_else(site):
    ada = site.user("ada")
    phone, laptop = site.browser(ada, CHROME_ON_ANDROID), site.browser(ada)
    page = laptop.get("/settings").get_data(as_text=True)
    assert "Chrome on Android" in page and "Firefox on Linux" in page
    assert page.count("this browser") == 1 and "Log out everywhere else" in page
    response = laptop.post("/settings/sessions/end-others")
    assert response.status_code == 303
    assert logged_in_as(phone) is None and logged_in_as(laptop) == "ada"
    assert "Chrome on Android" not in laptop.get("/settings").get_data(as_text=True)


def test_ending_one_session_from_the_list(site):
    ada, bob = site.user("ada"), site.user("bob")
    phone, laptop = site.browser(ada, CHROME_ON_ANDROID), site.browser(ada)
    bobs = site.browser(bob)
    with site.context() as session:
        phone_session = session.scalar(select(AccountSession.id).where(
            AccountSession.device == "Chrome on Android"))
        bob_session = session.scalar(select(AccountSession.id).where(AccountSession.user_id == bob.id))
    assert laptop.post(f"/settings/sessions/{bob_session}/end").status_code == 404  # not hers
    assert logged_in_as(bobs) == "bob"
    assert laptop.post(f"/settings/sessions/{phone_session}/end").status_code == 303
    assert logged_in_as(phone) is None and logged_in_as(laptop) == "ada"
    assert laptop.post("/settings/sessions/99999999999/end").status_code == 404


def test_the_csrf_token_changes_at_login(site):
    site.app.config["WTF_CSRF_ENABLED"] = True
    site.user("ada")
    client = site.browser()
    login_page = client.get("/login").get_data(as_text=True)
    before = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"username": "ada", "password": PASSWORD,
                                       "csrf_token": before}).status_code == 303
    # A token from before the login (which a page planted in the visitor's browser could
    # know) is worth nothing after it.
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    page = client.get("/settings").get_data(as_text=True)
    after = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": after}).status_code == 303


def test_last_seen_is_written_at_most_once_per_interval(site):
    from sqlalchemy.engine import Engine
    from tests.conftest import counting_queries

    ada = site.user("ada")
    browser = site.browser(ada)

    def session_writes(requests: int) -> int:
        with counting_queries(Engine) as queries:
            for _ in range(requests):
                assert browser.get("/settings").status_code == 200
        return len([q for q in queries if q.lstrip().upper().startswith("UPDATE ACCOUNT_SESSIONS")])

    assert session_writes(3) == 0
    site.app.config["SESSION_TOUCH_SECONDS"] = 0
    assert session_writes(2) == 2


def test_an_old_style_cookie_naming_a_member_id_logs_nobody_in(site):
    ada = site.user("ada")
    client = site.browser()
    with client.session_transaction() as session:
        session["_user_id"] = str(ada.id)
    assert logged_in_as(client) is None
