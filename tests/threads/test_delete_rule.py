"""Deleting: an author deletes their thread only while nobody else has replied; after that only
a moderator does, and points others earned stay unless a moderator removes their post."""
from sqlalchemy import select

from forum.contribution.models import MemberScore
from forum.extensions import db
from forum.threads.models import Post, Thread
from tests.contribution.test_concurrency import all_at_once, browser, post


def all_time(user) -> int:
    db.session.expire_all()
    score = db.session.get(MemberScore, user.id)
    return score.all_time if score else 0


def opening_of(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.position == 1))


def test_an_author_deletes_their_thread_while_only_they_have_written_in_it(
        client, make, login_as):
    author = make.user("author")
    thread = make.thread(author, title="Mine alone")
    make.reply(thread, author, "A note to myself.")
    login_as(author)
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f'action="/p/{opening_of(thread).id}/delete"' in page
    assert client.post(f"/p/{opening_of(thread).id}/delete").status_code == 303
    assert db.session.get(Thread, thread.id).deleted_at is not None


def test_after_someone_else_replies_the_author_keeps_the_thread_and_its_points_stay(
        client, make, login_as):
    author, helper, reader = make.user("author"), make.user("helper"), make.user("reader")
    thread = make.thread(author, title="Asked")
    answer = make.reply(thread, helper, "The answer.")
    login_as(reader)
    client.post(f"/p/{answer.id}/helpful")
    client.post("/logout")
    login_as(author)
    client.post(f"/p/{answer.id}/accept")
    assert all_time(helper) == 25
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f'action="/p/{opening_of(thread).id}/delete"' not in page
    response = client.post(f"/p/{opening_of(thread).id}/delete")
    assert response.status_code == 403
    assert "only a moderator can delete it" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).deleted_at is None and all_time(helper) == 25
    # The author still deletes their own replies.
    mine = make.reply(thread, author, "Thanks!")
    assert client.post(f"/p/{mine.id}/delete").status_code == 303
    assert all_time(helper) == 25


def test_a_suspended_author_deletes_nothing(client, make, login_as):
    from forum.moderation.services import suspend_member

    author, moderator = make.user("author"), make.user("mod", role="moderator")
    thread = make.thread(author, title="Alone")
    login_as(author)
    suspend_member(author, moderator, "spam", abuse=False)
    response = client.post(f"/p/{opening_of(thread).id}/delete")
    assert response.status_code == 403 and "suspended" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).deleted_at is None


def test_a_reply_racing_the_authors_delete_lands_first_or_finds_no_thread(live_server, make):
    author = make.user("author")
    make.user("replier")
    thread_ids = [make.thread(author, title=f"Race {i}").id for i in range(3)]
    opening_ids = [opening_of(db.session.get(Thread, t)).id for t in thread_ids]
    db.session.rollback()
    deleter, replier = browser(live_server.url, "author"), browser(live_server.url, "replier")
    for thread_id, opening_id in zip(thread_ids, opening_ids):
        statuses = all_at_once([
            lambda o=opening_id: post(deleter, f"{live_server.url}/p/{o}/delete"),
            lambda t=thread_id: post(replier, f"{live_server.url}/t/{t}/reply",
                                     {"body": "Me too"})])
        deleted_at = db.session.get(Thread, thread_id).deleted_at
        replies = db.session.scalars(select(Post.id).where(
            Post.thread_id == thread_id, Post.position > 1)).all()
        db.session.rollback()  # end the read: the next round must see what it does
        assert sorted(statuses) in ([303, 403], [303, 404])
        if deleted_at is None:  # the reply landed first: the author may not delete
            assert len(replies) == 1
        else:  # the thread went first: the reply found nothing to join
            assert replies == []
