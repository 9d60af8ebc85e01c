"""/following: the timeline of the members one follows, on the site and in a feed reader."""
import re

import feedparser
import pytest

from forum.extensions import db
from forum.reading import queries
from forum.threads import services
from forum.threads.models import Post


@pytest.fixture
def people(make, client):
    """``reader`` follows ``ada`` and ``bo``, not ``cy``."""
    reader, ada, bo, cy = (make.user(name) for name in ("reader", "ada", "bo", "cy"))
    client.post("/login", data={"username": "reader", "password": "correct horse battery"})
    for followed in (ada, bo):
        assert client.post(f"/u/{followed.username}/follow").status_code == 303
    client.post("/logout")
    return type("People", (), dict(reader=reader, ada=ada, bo=bo, cy=cy))


def test_the_timeline_shows_what_followed_members_wrote_newest_first(client, login_as, make,
                                                                     people, app):
    question = make.thread(people.ada, title="Ada asks", body="What is a WAL?")
    make.reply(question, people.cy, "Cy answers, but is not followed.")
    bo_reply = make.reply(question, people.bo, "Bo replies about checkpoints.")
    elsewhere = make.thread(people.cy, title="Cy's own thread")
    hidden = make.reply(elsewhere, people.ada, "A reply a moderator hid.")
    db.session.get(Post, hidden.id).hidden_at = db.func.now()
    gone = make.reply(elsewhere, people.bo, "A reply Bo deleted.")
    with app.test_request_context():
        services.delete_post(db.session.get(Post, gone.id), people.bo)
    db.session.commit()

    login_as(people.reader)
    page = client.get("/following").get_data(as_text=True)
    assert "Bo replies about checkpoints." in page and "What is a WAL?" in page
    assert page.index("bo replied in “Ada asks”") < page.index("ada started “Ada asks”")
    for absent in ("Cy answers", "A reply a moderator hid.", "A reply Bo deleted."):
        assert absent not in page
    assert f'href="/p/{bo_reply.id}"' in page
    # The thread's read state rides along: never opened, so it is new.
    assert "badge-new" in page
    client.get(f"/t/{question.id}")
    make.reply(question, people.ada, "Ada follows up.")
    assert "1 new" in client.get("/following").get_data(as_text=True)


def test_the_timeline_is_paged(client, login_as, make, people):
    thread = make.thread(people.ada, title="Long")
    for i in range(queries.TIMELINE_PER_PAGE + 1):
        make.reply(thread, people.bo, f"Reply number {i}.")
    login_as(people.reader)
    first = client.get("/following").get_data(as_text=True)
    assert f"Reply number {queries.TIMELINE_PER_PAGE}." in first and "Page 1 of 2" in first
    second = client.get("/following?page=2").get_data(as_text=True)
    assert "Reply number 0." in second and f"Reply number {queries.TIMELINE_PER_PAGE}." not in second
    assert "ada started “Long”" in second
    assert client.get("/following?page=3").status_code == 404
    assert client.get("/following?page=x").status_code == 400


def test_following_is_for_members(client):
    response = client.get("/following")
    assert response.status_code == 302 and "/login" in response.location


def test_nobody_followed_yet(client, login_as, make):
    login_as(make.user("loner"))
    page = client.get("/following").get_data(as_text=True)
    assert "Follow members from their profiles" in page


def feed_url_from(page: str) -> str:
    return re.search(r'<code class="feed-url">([^<]+)</code>', page).group(1)


def test_the_private_feed_reads_in_a_feed_reader_until_revoked(client, login_as, make, people):
    thread = make.thread(people.ada, title="Ada asks", body="What is a WAL?")
    make.reply(thread, people.bo, "Bo replies.")
    make.thread(people.cy, title="Not followed")
    login_as(people.reader)
    assert 'href="/settings#private-feed"' in client.get("/following").get_data(as_text=True)
    settings = client.get("/settings").get_data(as_text=True)
    assert 'id="private-feed"' in settings and "You have no private feed address." in settings
    made = client.post("/following/feed")
    assert made.status_code == 200
    url = feed_url_from(made.get_data(as_text=True))
    assert url.startswith("http://localhost/following/") and url.endswith(".atom")
    path = url.removeprefix("http://localhost")
    # Shown once: the next visit says one exists, without showing it.
    again = client.get("/settings").get_data(as_text=True)
    assert path not in again and "You made a private feed address" in again

    client.post("/logout")  # a feed reader has no session
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    assert "private" in response.headers["Cache-Control"]
    feed = feedparser.parse(response.data)
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == ["Re: Ada asks", "Ada asks"]
    assert feed.entries[1].author == "ada" and "What is a WAL?" in feed.entries[1].summary
    assert feed.feed.title.startswith("Following · reader")
    # Polling again costs the reader nothing new.
    assert client.get(path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304

    login_as(people.reader)
    replaced = feed_url_from(client.post("/following/feed").get_data(as_text=True))
    assert client.get(path).status_code == 404  # a new address ends the old one
    new_path = replaced.removeprefix("http://localhost")
    assert client.get(new_path).status_code == 200
    revoked = client.post("/following/feed/revoke")
    assert revoked.status_code == 303 and revoked.location == "/settings#private-feed"
    assert client.get(new_path).status_code == 404
    assert "You have no private feed address." in client.get("/settings").get_data(as_text=True)


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00", "²"])
def test_unknown_feed_tokens_are_404(client, token):
    assert client.get(f"/following/{token}.atom").status_code in (404, 400)


def test_feed_token_forms_need_their_csrf_token(app_factory, make):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make.user("reader")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": "reader", "password": "correct horse battery",
                                    "csrf_token": token})
        # Logging in rotates the CSRF token: the pages now carry the new one.
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          client.get("/following").get_data(as_text=True)).group(1)
        assert client.post("/following/feed").status_code == 400
        assert client.post("/following/feed/revoke").status_code == 400
        page = client.get("/settings").get_data(as_text=True)  # the session's token now
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post("/following/feed", data={"csrf_token": token}).status_code == 200


def test_the_timeline_costs_a_fixed_number_of_queries(client, login_as, make, people,
                                                      count_queries):
    def cost():
        client.get("/following")
        with count_queries() as statements:
            assert client.get("/following").status_code == 200
        return len(statements)

    login_as(people.reader)
    make.thread(people.ada)
    few = cost()
    for i in range(10):
        make.reply(make.thread(people.bo, title=f"T{i}"), people.ada, f"R{i}")
    assert cost() == few


def test_a_deleted_members_feed_is_gone(client, login_as, make, people):
    from forum.accounts.services import delete_account

    login_as(people.reader)
    path = feed_url_from(client.post("/following/feed").get_data(as_text=True)).removeprefix(
        "http://localhost")
    assert client.get(path).status_code == 200
    client.get(f"/t/{make.thread(people.ada).id}")  # some read state to forget
    from forum.reading.models import FeedToken, ReadState

    delete_account(db.session.get(type(people.reader), people.reader.id), "correct horse battery")
    assert client.get(path).status_code == 404
    for model in (ReadState, FeedToken):
        assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0
