"""A member takes their data (JSON) and deletes their account: they can no longer log in,
their profile is gone, their posts stay under "deleted member", others' scores stay."""
import re

from sqlalchemy import func, select

from forum.accounts.models import User
from forum.contribution.models import ContributionEvent, MemberScore
from tests.accounts.conftest import copy_cookies, logged_in_as
from tests.conftest import PASSWORD


def story(site):
    """Ada opens a thread, Bob replies; each marks the other helpful; Ada follows Bob and
    shares his reply."""
    ada, bob = site.user("ada"), site.user("bob")
    thread = site.thread(ada, title="Decay of scores", body="How do **scores** decay?")
    reply = site.reply(thread.id, bob, body="With a half-life of 90 days.")
    ada_browser, bob_browser = site.browser(ada), site.browser(bob)
    with site.context() as session:
        from forum.threads.models import Post
        opening = session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.position == 1))
    assert ada_browser.post(f"/p/{reply.id}/helpful").status_code in (200, 303)
    assert bob_browser.post(f"/p/{opening}/helpful").status_code in (200, 303)
    assert ada_browser.post(f"/p/{reply.id}/share").status_code in (200, 303)
    assert ada_browser.post("/u/bob/follow").status_code in (200, 303)
    return ada, bob, thread, ada_browser


def scores(site):
    with site.context() as session:
        return {row.user_id: row.all_time for row in session.scalars(select(MemberScore))}


def test_export_gives_the_members_own_data_as_json(site):
    ada, bob, thread, browser = story(site)
    response = browser.get("/settings/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.json
    assert data["member"]["username"] == "ada" and data["member"]["email"] == "ada@example.org"
    assert [p["markdown"] for p in data["posts"]] == ["How do **scores** decay?"]
    assert len(data["helpful_marks"]) == 1 and len(data["shares"]) == 1
    assert [f["username"] for f in data["following"]] == ["bob"]
    directions = sorted(e["direction"] for e in data["ledger_events"])
    assert "given" in directions and "received" in directions
    assert site.browser().get("/settings/export").status_code == 302  # only your own


def test_deleting_an_account(site):
    ada, bob, thread, browser = story(site)
    browser.post("/settings/tokens", data={"name": "script"})
    stolen = site.browser()
    copy_cookies(browser, stolen)
    before = scores(site)
    with site.context() as session:
        events_before = session.scalar(select(func.count()).select_from(ContributionEvent))
    wrong = browser.post("/settings/delete", data={"password": "not it"})
    assert wrong.status_code == 400 and "still here" in wrong.get_data(as_text=True)
    assert logged_in_as(browser) == "ada"
    done = browser.post("/settings/delete", data={"password": PASSWORD})
    assert done.status_code == 303
    # They can no longer log in; every session ended.
    assert logged_in_as(browser) is None and logged_in_as(stolen) is None
    for login in ("ada", "ada@example.org"):
        assert site.browser().post("/login", data={"username": login, "password": PASSWORD}).status_code == 400
    assert site.browser().get("/u/ada").status_code == 404
    assert site.browser().get("/api/v1/users/ada").status_code == 404
    # The thread still reads right: the text stays, under "deleted member".
    page = site.browser().get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "How do <strong>scores</strong> decay?" in page and "With a half-life of 90 days." in page
    assert "deleted member" in page and ">ada<" not in page
    # The ledger keeps its events; nobody's score changes.
    assert scores(site) == before
    with site.context() as session:
        assert session.scalar(select(func.count()).select_from(ContributionEvent)) == events_before
        gone = session.get(User, ada.id)
        assert gone.email is None and gone.username == "deleted member" and gone.bio == ""
    assert "0 followers" in site.browser().get("/u/bob").get_data(as_text=True)
    # The leaderboard keeps the points, under "deleted member", with no link to a profile
    # that is gone; ties sort by the new name.
    board = site.browser().get("/leaderboard?period=all").get_data(as_text=True)
    assert 'deleted-member">' in board and "/u/deleted" not in board and 'href="/u/bob"' in board
    members = site.browser().get("/api/v1/leaderboard?period=all").get_json()["members"]
    assert {m["username"]: m["url"] is None for m in members} == {"deleted member": True,
                                                                  "bob": False}
    with site.context() as session:
        assert session.get(MemberScore, ada.id).username_key == f"deleted:{ada.id}"
    # The name is free again, for somebody new.
    assert site.browser().post("/register", data={"username": "ada", "email": "ada2@example.org",
                                                  "password": "a long password"}).status_code == 303


def test_a_deleted_members_api_token_stops_working(site):
    ada = site.user("ada")
    browser = site.browser(ada)
    created = browser.post("/settings/tokens", data={"name": "script"}).get_data(as_text=True)
    plain = re.search(r'<code class="new-token">([^<]+)</code>', created).group(1)
    assert browser.post("/settings/delete", data={"password": PASSWORD}).status_code == 303
    assert site.browser().get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_delete_needs_the_password_and_a_form(site):
    ada = site.user("ada")
    browser = site.browser(ada)
    assert "cannot be undone" in browser.get("/settings/delete").get_data(as_text=True)
    for form in ({}, {"password": ""}, {"password": "x" * 300}):
        assert browser.post("/settings/delete", data=form).status_code == 400
    assert logged_in_as(browser) == "ada"


def test_packages_hear_of_a_deletion_inside_its_transaction(site):
    from forum.signals import account_deleting

    ada = site.user("ada")
    heard = []

    def receiver(member):
        heard.append((member.id, member.username, member.email))

    account_deleting.connect(receiver)
    try:
        assert site.browser(ada).post("/settings/delete", data={"password": PASSWORD}).status_code == 303
    finally:
        account_deleting.disconnect(receiver)
    assert heard == [(ada.id, "ada", "ada@example.org")]
