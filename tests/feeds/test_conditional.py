"""Readers poll cheaply: ETag and Last-Modified, and a 304 after one small query."""
from datetime import timedelta

import pytest

from forum.contribution.models import Share
from forum.extensions import db
from forum.links.models import Link
from forum.threads import services
from forum.timeutil import utcnow


@pytest.fixture
def thread(make):
    ada = make.user("ada")
    thread = make.thread(ada, make.category("help"), "Polled", "Opening.", "rss")
    make.reply(thread, make.user("bob"), "First.")
    return thread


URLS = ["/feed.atom", "/feed.rss", "/c/help/feed.atom", "/tag/rss/feed.rss", "/t/1/feed.atom",
        "/u/bob/feed.atom", "/c/help/helpful.atom", "/tag/rss/helpful.rss?min=2"]


@pytest.mark.parametrize("url", URLS)
def test_every_feed_answers_304_after_one_query(client, thread, count_queries, url):
    first = client.get(url)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    with count_queries() as queries:
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert len(queries) == 1
    assert again.headers["ETag"] == etag  # (RFC 9110 leaves Last-Modified out of a 304)
    assert again.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in again.headers
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f'W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_same_data_same_bytes_and_formats_differ(client, thread):
    atom, again = client.get("/t/1/feed.atom"), client.get("/t/1/feed.atom")
    assert atom.data == again.data and atom.headers["ETag"] == again.headers["ETag"]
    assert client.get("/t/1/feed.rss").headers["ETag"] != atom.headers["ETag"]
    assert client.get("/c/help/helpful.atom?min=2").headers["ETag"] != client.get(
        "/c/help/helpful.atom").headers["ETag"]


def test_an_etag_from_another_host_is_not_honoured(client, thread):
    etag = client.get("/t/1/feed.atom").headers["ETag"]
    other = client.get("/t/1/feed.atom", headers={"If-None-Match": etag},
                       base_url="http://mirror.example")
    assert other.status_code == 200 and b"http://mirror.example/p/1" in other.data


def test_if_none_match_wins_over_if_modified_since(client, thread):
    response = client.get("/t/1/feed.atom")
    later = "Fri, 01 Jan 2100 00:00:00 GMT"
    assert client.get("/t/1/feed.atom", headers={"If-None-Match": '"stale"',
                                                 "If-Modified-Since": later}).status_code == 200
    assert client.get("/t/1/feed.atom", headers={"If-Modified-Since": later}).status_code == 304
    assert response.status_code == 200


def post(position: int):
    from sqlalchemy import select

    from forum.threads.models import Post

    return db.session.scalar(select(Post).where(Post.position == position))


def edit(thread, make):
    reply = post(2)
    author = reply.author
    services.edit_post(reply, author, "First, edited.", reply.version)


def hide(thread, make):
    post(2).hidden_at = utcnow()
    db.session.commit()


def unhide(thread, make):
    post(2).hidden_at = None
    db.session.commit()


unhide.before = hide


def delete(thread, make):
    services.delete_post(post(2), post(2).author)


def reply(thread, make):
    make.reply(thread, body="Second.")


def approve_link(thread, make):
    link = Link(kind="pingback", status="pending", source_url="https://a.example/",
                target_url="http://localhost/t/1", target_thread_id=thread.id, title="A")
    db.session.add(link)
    db.session.commit()
    link.status, link.updated_at = "approved", utcnow() + timedelta(seconds=1)
    db.session.commit()


def share(thread, make):
    db.session.add(Share(post_id=post(1).id, user_id=post(2).author_id))
    db.session.commit()


def accept(thread, make):
    thread.accepted_post_id = post(2).id
    db.session.commit()


CHANGES = {
    "/t/1/feed.atom": [reply, edit, hide, unhide, delete, approve_link],
    "/feed.rss": [reply, edit, hide, delete],
    "/c/help/feed.atom": [reply, edit, hide, delete],
    "/tag/rss/feed.atom": [reply, edit, hide, delete],
    "/u/bob/feed.atom": [edit, hide, delete, share],
    "/c/help/helpful.atom": [accept],
}


@pytest.mark.parametrize("url,change", [(url, change) for url, changes in CHANGES.items()
                                        for change in changes],
                         ids=lambda value: getattr(value, "__name__", value))
def test_every_change_a_reader_should_see_changes_the_etag(app, client, make, thread, url,
                                                           change):
    if hasattr(change, "before"):
        with app.test_request_context():
            change.before(thread, make)
    before = client.get(url)
    with app.test_request_context():
        change(thread, make)
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.data != before.data
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_change_elsewhere_keeps_the_304(app, client, make, thread):
    etag = client.get("/t/1/feed.atom").headers["ETag"]
    make.reply(make.thread(title="Elsewhere"), body="Not here.")
    assert client.get("/t/1/feed.atom", headers={"If-None-Match": etag}).status_code == 304


def test_last_modified_moves_with_a_new_reply(client, make, thread):
    from email.utils import parsedate_to_datetime

    before = parsedate_to_datetime(client.get("/t/1/feed.atom").headers["Last-Modified"])
    make.reply(thread, body="Later.")
    after = parsedate_to_datetime(client.get("/t/1/feed.atom").headers["Last-Modified"])
    assert after >= before
