"""Visitors get cached pages, and never a page older than what it shows."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from forum.contribution import services as recognition
from forum.database import forget_validators
from forum.extensions import db
from forum.links.models import Link
from forum.links.services import approve_link, reject_link
from forum.moderation import services as moderation
from forum.threads import services
from forum.threads.models import Thread
from forum.timeutil import utcnow


def visitor_sees(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_repeat_visit_is_one_query_and_the_same_page(client, make, count_queries):
    url = f"/t/{make.thread(title='Cached', body='The opening words.').id}"
    first = visitor_sees(client, url)
    db.session.expire_all()
    with count_queries() as queries:
        again = visitor_sees(client, url)
    assert again == first and len(queries) == 1


def test_a_busy_page_needs_no_query_while_its_validator_is_remembered(app, client, make, count_queries):
    app.config["VALIDATOR_SECONDS"] = 60
    thread = make.thread(title="Busy", body="Read by many.")
    for url in (f"/t/{thread.id}", "/", f"/c/{thread.category.slug}"):
        first = visitor_sees(client, url)
        with count_queries() as queries:
            assert visitor_sees(client, url) == first
        assert queries == [], url
    poll = client.get("/feed.atom")
    with count_queries() as queries:
        assert client.get("/feed.atom", headers={"If-None-Match": poll.headers["ETag"]}).status_code == 304
    assert queries == []


def test_another_process_write_shows_once_the_remembered_validator_expires(app, client, make):
    """A write this process did not make (another gunicorn worker's: here, a bare UPDATE) is
    seen within VALIDATOR_SECONDS, never later."""
    thread = make.thread(title="Shared", body="Before.")
    url = f"/t/{thread.id}"
    app.config["VALIDATOR_SECONDS"] = 60
    visitor_sees(client, url)
    behind_its_back = (update(Thread).where(Thread.id == thread.id)
                       .values(title="Renamed elsewhere", revision=Thread.revision + 1))
    db.session.execute(behind_its_back)
    db.session.commit()
    assert "Renamed elsewhere" not in visitor_sees(client, url)  # remembered for 60 s
    forget_validators()  # as a write of this process's own would
    app.config["VALIDATOR_SECONDS"] = 0.2
    assert "Renamed elsewhere" in visitor_sees(client, url)  # remembered for 0.2 s from now
    db.session.execute(update(Thread).where(Thread.id == thread.id)
                       .values(title="Renamed again", revision=Thread.revision + 1))
    db.session.commit()
    time.sleep(0.25)  # past the 0.2 s: however slow the machine, the memory has expired
    assert "Renamed again" in visitor_sees(client, url)


@pytest.mark.parametrize("validator_seconds", [0, 60], ids=["validators-read", "validators-remembered"])
def test_every_change_to_what_the_page_shows_refreshes_it(client, app, make, site_link, validator_seconds):
    """Each service that writes what a thread page shows raises its revision (an explicit step
    of the service, forum/locking.py), so a visitor never gets the page from before: also when
    the process remembers validators (a new revision forgets them)."""
    app.config["VALIDATOR_SECONDS"] = validator_seconds
    op, other = make.user("op"), make.user("other")
    mod = make.user("mod", role="moderator")
    thread = make.thread(op, title="Changing", body="Opening.")
    url = f"/t/{thread.id}"
    visitor_sees(client, url)

    reply = make.reply(thread, other, "A first reply.")
    assert "A first reply." in visitor_sees(client, url)

    with app.test_request_context():
        services.edit_post(reply, other, "An edited reply.", reply.version)
    assert "An edited reply." in visitor_sees(client, url)

    recognition.toggle_helpful(reply.id, op)
    assert "1 helpful" in visitor_sees(client, url)

    recognition.share(reply.id, op)
    assert "1 share" in visitor_sees(client, url)

    recognition.toggle_accept(reply.id, op)
    assert "Accepted" in visitor_sees(client, url)

    link = site_link(thread)
    approve_link(link, mod)
    assert "Pingback: " in visitor_sees(client, url)
    reject_link(link, mod)
    assert "Pingback: " not in visitor_sees(client, url)

    moderation.hide_post(reply.id, mod, "spam")
    page = visitor_sees(client, url)
    assert "An edited reply." not in page and "hidden by a moderator" in page
    moderation.restore_post(reply.id, mod)
    assert "An edited reply." in visitor_sees(client, url)

    moderation.toggle_pin(thread.id, mod)
    moderation.close_thread(thread.id, mod, "Answered.")
    assert "Comments are closed." in visitor_sees(client, url)
    moderation.reopen_thread(thread.id, mod)
    assert "Comments are closed." not in visitor_sees(client, url)

    with app.test_request_context():
        services.delete_post(reply, other)
    assert "An edited reply." not in visitor_sees(client, url)


def test_an_internal_link_refreshes_the_page_it_lands_on(client, app, make):
    target = make.thread(title="Linked to", body="The target.")
    url = f"/t/{target.id}"
    assert "Pingback: " not in visitor_sees(client, url)
    source = make.thread(title="Linking", body=f"See [this](/t/{target.id}).")
    assert "Pingback: " in visitor_sees(client, url)
    with app.test_request_context():
        services.delete_post(source_opening(source), source.author)
    assert "Pingback: " not in visitor_sees(client, url)


def source_opening(thread):
    from sqlalchemy import select

    from forum.threads.models import Post

    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == 1))


@pytest.fixture
def site_link():
    """An external pingback waiting for a moderator on ``thread``."""

    def make_link(thread):
        link = Link(kind="pingback", status="pending", source_url="https://blog.example/x",
                    target_url=f"https://forum.example/t/{thread.id}", target_thread_id=thread.id,
                    target_post_id=source_opening(thread).id, title="A blog that linked here")
        db.session.add(link)
        db.session.commit()
        return link

    return make_link


def test_auto_close_shows_as_time_passes_without_any_write(client, make):
    category = make.category("support", auto_close_days=3)
    thread = make.thread(category=category, title="Going quiet")
    url = f"/t/{thread.id}"
    assert "Comments are closed." not in visitor_sees(client, url)
    # The calendar moves on: nothing is written through the app (a bulk UPDATE stands in).
    db.session.execute(update(Thread).where(Thread.id == thread.id)
                       .values(last_activity_at=utcnow() - timedelta(days=4)))
    db.session.commit()
    page = visitor_sees(client, url)
    assert "Comments are closed." in page and "after 3 days" in page


def test_members_get_a_fresh_page_of_their_own(client, make, login_as):
    member = make.user("member")
    thread = make.thread(title="For members")
    assert "Post reply" not in visitor_sees(client, f"/t/{thread.id}")
    login_as(member)
    page = visitor_sees(client, f"/t/{thread.id}")
    assert "Post reply" in page and "member" in page
    client.post("/logout")
    assert "Post reply" not in visitor_sees(client, f"/t/{thread.id}")


def test_listings_show_new_threads_and_replies(client, make):
    category = make.category("general")
    make.thread(category=category, title="Old news")
    assert "Old news" in visitor_sees(client, "/")
    visitor_sees(client, "/c/general")
    thread = make.thread(category=category, title="Fresh news")
    assert "Fresh news" in visitor_sees(client, "/")
    assert "Fresh news" in visitor_sees(client, "/c/general")
    make.reply(thread)
    assert "1 reply" in visitor_sees(client, "/c/general")


def test_a_missing_thread_or_page_is_a_404_not_a_cached_page(client, make):
    thread = make.thread()
    assert client.get("/t/999999").status_code == 404
    assert client.get(f"/t/{thread.id}?page=7").status_code == 404
    assert client.get(f"/t/{thread.id}?page=x").status_code == 400
    thread.deleted_at = utcnow()
    db.session.commit()
    assert client.get(f"/t/{thread.id}").status_code == 404


def test_the_cache_can_be_switched_off(app_factory, count_queries):
    app = app_factory(PAGE_CACHE_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        assert client.get("/").status_code == 200
        with count_queries() as queries:
            assert client.get("/").status_code == 200
    assert len(queries) > 1  # rendered again: the categories and the threads were read


def test_a_visitors_cached_page_is_answered_in_front_of_the_app(app, client, make, count_queries):
    """pagecache.AnswerVisitors: no request handling of the app's (sessions, log-in, hooks),
    no query while the validator is remembered; the same page with the same headers."""
    app.config["VALIDATOR_SECONDS"] = 60
    thread = make.thread(title="In front", body="Served early.")
    handled = []
    app.before_request_funcs.setdefault(None, []).append(lambda: handled.append(1))
    url = f"/t/{thread.id}"
    first = client.get(url)
    assert first.status_code == 200 and handled == [1]
    with count_queries() as queries:
        again = client.get(url)
    assert (again.status_code, again.get_data(), queries, handled) == (200, first.get_data(), [], [1])
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Content-Type", "Link"):
        assert again.headers.get(name) == first.headers.get(name), name
    head = client.head(url)
    assert head.status_code == 200 and head.get_data() == b"" and handled == [1]
    assert int(head.headers["Content-Length"]) == len(first.get_data())


def test_what_the_app_must_judge_still_reaches_it(app, client, make, login_as):
    app.config["VALIDATOR_SECONDS"] = 60
    thread = make.thread(title="Judged", body="By the app.")
    url = f"/t/{thread.id}"
    assert client.get(url).status_code == 200  # cached now
    handled = []  # requests that reach the app's request handling (first of its hooks)
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: handled.append(1))
    assert client.get(f"{url}?page=1&x=%00").status_code == 400  # NUL: refused, not cached
    assert len(handled) == 1
    assert client.get(f"{url}?page=%D9%A3").status_code == 400  # an Arabic-Indic 3
    assert len(handled) == 2
    assert client.get(f"{url}?sort=new").status_code == 200  # other arguments: the app
    assert len(handled) == 3
    assert client.get("/t/999999").status_code == 404
    assert len(handled) == 4
    login_as(make.user("member"))  # a session cookie: the app decides who it is
    assert len(handled) == 5  # the log-in itself
    assert "Log in</a> or" not in client.get(url).get_data(as_text=True)
    assert len(handled) == 6
