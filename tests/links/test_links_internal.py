"""Internal pingbacks: a post linking to a thread or post of this forum, kept in step with edits."""
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from forum.contribution.models import ContributionEvent
from forum.extensions import db
from forum.links.models import Link
from forum.links.services import internal_target


@pytest.fixture
def cat(make):
    return make.category("general")


def links_to(thread):
    return db.session.scalars(select(Link).where(Link.target_thread_id == thread.id)
                              .order_by(Link.id)).all()


def linked_points(user):
    return db.session.scalars(select(ContributionEvent).where(
        ContributionEvent.beneficiary_id == user.id, ContributionEvent.kind == "linked",
        ContributionEvent.reversed_at.is_(None))).all()


@pytest.mark.parametrize("href, expected", [
    ("/t/3", ("thread", 3)),
    ("/t/3/", ("thread", 3)),
    ("/t/3/some-slug", ("thread", 3)),
    ("/t/3/some-slug?page=2#post-9", ("thread", 3)),
    ("/p/9", ("post", 9)),
    ("http://forum.example/t/3", ("thread", 3)),
    ("HTTPS://Forum.Example/p/9#x", ("post", 9)),
    ("http://other.example/t/3", None),
    ("http://forum.example:8080/t/3", None),
    ("//other.example/t/3", None),
    ("t/3", None),
    ("/t/abc", None),
    ("/t/0", None),
    ("/t/99999999999", None),
    ("/t/3/slug/extra", None),
    ("/c/general", None),
    ("mailto:someone@forum.example", None),
    ("javascript:/t/3", None),
    ("http:/t/3", None),
    ("", None),
])
def test_internal_target(href, expected):
    assert internal_target(href, "forum.example") == expected


@given(st.text(max_size=80))
def test_internal_target_never_fails(href):
    result = internal_target(href, "forum.example")
    assert result is None or (result[0] in ("thread", "post") and result[1] > 0)


def test_a_link_to_a_thread_puts_a_pingback_on_it(app, client, make, cat):
    ada, bob = make.user("ada"), make.user("bob")
    target = make.thread(ada, cat, title="Target thread")
    source = make.thread(bob, cat, title="Source thread",
                         body=f"Before the link, [see this](/t/{target.id}/target-thread) after it.")
    [link] = links_to(target)
    assert (link.kind, link.status) == ("internal", "approved")
    assert link.title == "Source thread"
    assert link.author_name == "bob"
    source_post = source.id and link.source_post
    assert link.source_url == f"http://localhost/p/{source_post.id}"
    assert link.target_url == f"http://localhost/t/{target.id}"
    assert "see this" in link.excerpt
    page = client.get(f"/t/{target.id}").get_data(as_text=True)
    assert "Pingback: <a href=\"http://localhost/p/" in page
    assert "Source thread" in page
    # The target's author gets the points from the linking author.
    [event] = linked_points(ada)
    assert (event.actor_id, event.link_id, event.points) == (bob.id, link.id, 5)


def test_absolute_links_and_post_links_count_once_per_target(app, make, cat):
    ada, bob = make.user("ada"), make.user("bob")
    target = make.thread(ada, cat, title="Target")
    answer = make.reply(target, ada, "An answer.")
    make.thread(bob, cat, title="Source", body=(
        f"[one](http://localhost/t/{target.id}) [two](/t/{target.id}/target) "
        f"[three](/p/{target.id and answer.id}) [four](http://localhost/p/{answer.id}#post-{answer.id})"
    ))
    links = links_to(target)
    assert sorted(link.target_post_id for link in links) == sorted([answer.id - 1, answer.id])
    assert len(linked_points(ada)) == 2


def test_editing_the_link_out_removes_it_and_its_points(app, client, make, login_as, cat):
    ada, bob = make.user("ada"), make.user("bob")
    target = make.thread(ada, cat, title="Target")
    source = make.thread(bob, cat, title="Source", body=f"See [here](/t/{target.id}).")
    post = links_to(target)[0].source_post
    login_as(bob)
    response = client.post(f"/p/{post.id}/edit", data={"body": "No link any more.", "version": 1})
    assert response.status_code == 303
    [link] = links_to(target)
    assert link.status == "removed"
    assert linked_points(ada) == []
    assert "Pingback:" not in client.get(f"/t/{target.id}").get_data(as_text=True)
    # Linking again brings the same link back, with its points.
    client.post(f"/p/{post.id}/edit", data={"body": f"[Back](/t/{target.id})", "version": 2})
    [link] = links_to(target)
    assert link.status == "approved"
    assert len(linked_points(ada)) == 1
    assert source.id


def test_deleting_the_source_removes_the_pingback(app, client, make, login_as, cat):
    ada, bob = make.user("ada"), make.user("bob")
    target = make.thread(ada, cat, title="Target")
    other = make.thread(bob, cat, title="Other")
    reply = make.reply(other, bob, f"Look at [this](/t/{target.id})")
    assert links_to(target)[0].status == "approved"
    login_as(bob)
    assert client.post(f"/p/{reply.id}/delete").status_code == 303
    assert links_to(target)[0].status == "removed"
    assert linked_points(ada) == []


def test_deleting_the_source_thread_removes_its_replies_links(app, client, make, login_as, cat):
    ada, bob = make.user("ada"), make.user("bob")
    target = make.thread(ada, cat, title="Target")
    other = make.thread(bob, cat, title="Other")
    make.reply(other, bob, f"Look at [this](/t/{target.id})")
    opening = db.session.scalar(select(Link).where(Link.target_thread_id == target.id)).source_post
    opening = db.session.get(type(opening), opening.id - 1)
    assert opening.is_opening and opening.thread_id == other.id
    login_as(bob)
    assert client.post(f"/p/{opening.id}/delete").status_code == 303
    assert [link.status for link in links_to(target)] == ["removed"]


def test_same_thread_and_self_links_show_but_earn_nothing(app, make, cat):
    ada, bob = make.user("ada"), make.user("bob")
    thread = make.thread(ada, cat, title="Thread")
    make.reply(thread, bob, f"As said [above](/t/{thread.id})")
    mine = make.thread(ada, cat, title="Mine")
    make.thread(ada, cat, title="Also mine", body=f"See [my thread](/t/{mine.id})")
    assert [link.status for link in links_to(thread)] == ["approved"]
    assert [link.status for link in links_to(mine)] == ["approved"]
    assert linked_points(ada) == []


def test_links_to_missing_or_closed_threads_are_ignored(app, make, cat):
    from datetime import timedelta

    from forum.timeutil import utcnow

    ada, bob = make.user("ada"), make.user("bob")
    closed = make.thread(ada, cat, title="Closed")
    closed.closed_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    make.thread(bob, cat, title="Source", body=f"[a](/t/{closed.id}) [b](/t/999) [c](/p/999)")
    assert db.session.scalars(select(Link)).all() == []


def test_links_to_other_sites_are_not_internal(app, make, cat):
    ada, bob = make.user("ada"), make.user("bob")
    target = make.thread(ada, cat, title="Target")
    make.thread(bob, cat, title="Source", body=f"http://elsewhere.example/t/{target.id}")
    assert links_to(target) == []
