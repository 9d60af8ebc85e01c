"""Two requests at once on the same thing: each race of issue 11, interleaved at its locks.

Every test runs on PostgreSQL and on SQLite. ``interleave`` (tests/interleave.py) lets the
first request take its first lock and holds it there until the second request reaches (and,
on PostgreSQL, waits for) a lock of its own: the moment where a wrong lock order deadlocks,
an unlocked read-then-write counts twice, or an unguarded insert hits a unique key. No answer
may be a 500, and what is stored must be what one request after the other would store.
"""
import pytest
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.contribution.models import ContributionEvent, HelpfulMark, MemberScore
from forum.extensions import db
from forum.moderation.models import Flag
from forum.threads.models import Post, Tag, Thread
from tests.interleave import interleave, member_client


def fresh(model, key):
    db.session.remove()
    return db.session.get(model, key)


def count(model, *where) -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def score(user_id: int) -> int:
    row = fresh(MemberScore, user_id)
    return row.all_time if row else 0


def statuses(outcome) -> tuple[int, int]:
    assert not outcome.errors, outcome.errors
    return outcome.first.status_code, outcome.second.status_code


@pytest.fixture
def reply(make):
    """A thread by ``op`` with a reply by ``author``, and a moderator ``mona``."""
    op, author = make.user("op"), make.user("author")
    make.user("mona", role="moderator")
    thread = make.thread(op, title="A question", body="How?")
    return make.reply(thread, author, "Like this.")


def test_a_helpful_mark_and_an_accept_of_one_reply_both_land(app, make, reply):
    """The mark used to lock the post and then the thread (the page-cache hook); the accept
    locks the thread, then the post: a deadlock, and a 500 for one of them."""
    reply_id, author_id, thread_id = reply.id, reply.author_id, reply.thread_id
    make.user("reader")
    marker, op = member_client(app, "reader"), member_client(app, "op")
    outcome = interleave(lambda: marker.post(f"/p/{reply_id}/helpful"),
                         lambda: op.post(f"/p/{reply_id}/accept"))
    assert outcome.second_arrived
    assert statuses(outcome) == (303, 303)
    assert count(HelpfulMark) == 1
    assert fresh(Thread, thread_id).accepted_post_id == reply_id
    assert score(author_id) == 10 + 15


def test_marks_given_and_taken_back_at_once_keep_the_stored_count_true(app, make, reply):
    """``Post.helpful_count`` is kept under the post's lock: two marks at once count two, and
    a mark taken back while another is given leaves one."""
    reply_id = reply.id
    make.user("reader"), make.user("other")
    reader, other = member_client(app, "reader"), member_client(app, "other")
    outcome = interleave(lambda: reader.post(f"/p/{reply_id}/helpful"),
                         lambda: other.post(f"/p/{reply_id}/helpful"))
    assert outcome.second_arrived and statuses(outcome) == (303, 303)
    assert fresh(Post, reply_id).helpful_count == count(HelpfulMark) == 2
    outcome = interleave(lambda: reader.post(f"/p/{reply_id}/helpful"),  # takes it back
                         lambda: other.post(f"/p/{reply_id}/helpful"))  # takes it back too
    assert statuses(outcome) == (303, 303)
    assert fresh(Post, reply_id).helpful_count == count(HelpfulMark) == 0


def test_a_helpful_mark_and_a_delete_of_one_reply(app, make, reply):
    reply_id, author_id = reply.id, reply.author_id
    make.user("reader")
    marker, author = member_client(app, "reader"), member_client(app, "author")
    outcome = interleave(lambda: author.post(f"/p/{reply_id}/delete"),
                         lambda: marker.post(f"/p/{reply_id}/helpful"))
    assert statuses(outcome) == (303, 404)  # the mark finds the reply gone
    assert count(HelpfulMark) == 0 and score(author_id) == 0


def test_two_moderators_lifting_one_abuse_suspension_credit_the_points_once(app, make, reply):
    """``unsuspend_member`` read the member without a lock: both restored the points (20)."""
    from forum.moderation.services import suspend_member

    giver = make.user("giver")
    other_mod = make.user("otto", role="moderator")
    from forum.contribution.services import toggle_helpful

    toggle_helpful(reply.id, giver)
    author_id, giver_id = reply.author_id, giver.id
    suspend_member(giver, other_mod, "Voting ring.", abuse=True)
    assert score(author_id) == 0
    mona, otto = member_client(app, "mona"), member_client(app, "otto")
    outcome = interleave(lambda: mona.post("/u/giver/unsuspend", data={"reason": "Sorted."}),
                         lambda: otto.post("/u/giver/unsuspend", data={"reason": "Sorted."}))
    first, second = statuses(outcome)
    assert first == 303 and second == 409  # the second is told it is lifted already
    assert "is not suspended" in outcome.second.get_data(as_text=True)
    assert score(author_id) == 10
    assert count(ContributionEvent, ContributionEvent.actor_id == giver_id,
                 ContributionEvent.reversed_at.is_(None)) == 1
    assert not fresh(User, giver_id).is_suspended


def edit_form(post):
    return {"body": "Edited at the same moment.", "version": post.version}


def test_deleting_a_reply_while_it_is_edited(app, make, reply):
    """The delete loaded the post, then locked only the thread: the edit's commit raised the
    version under it, and its UPDATE failed with StaleDataError (a 500)."""
    reply_id, form = reply.id, edit_form(reply)
    author, mona = member_client(app, "author"), member_client(app, "mona")
    # The edit first, the delete second...
    outcome = interleave(lambda: author.post(f"/p/{reply_id}/edit", data=form),
                         lambda: mona.post(f"/p/{reply_id}/delete"))
    assert statuses(outcome) == (303, 303)
    post = fresh(Post, reply_id)
    assert post.deleted_at is not None and post.body == "Edited at the same moment."


def test_editing_a_reply_while_it_is_deleted(app, make, reply):
    reply_id, form = reply.id, edit_form(reply)
    author, mona = member_client(app, "author"), member_client(app, "mona")
    outcome = interleave(lambda: mona.post(f"/p/{reply_id}/delete"),
                         lambda: author.post(f"/p/{reply_id}/edit", data=form))
    assert statuses(outcome) == (303, 404)  # the edit is told the reply is gone
    post = fresh(Post, reply_id)
    assert post.deleted_at is not None and post.body == "Like this."


def test_hiding_a_reply_while_it_is_edited(app, make, reply):
    reply_id, form = reply.id, edit_form(reply)
    author, mona = member_client(app, "author"), member_client(app, "mona")
    outcome = interleave(lambda: author.post(f"/p/{reply_id}/edit", data=form),
                         lambda: mona.post(f"/p/{reply_id}/hide", data={"reason": "Spam."}))
    assert statuses(outcome) == (303, 303)
    post = fresh(Post, reply_id)
    assert post.hidden_at is not None and post.body == "Edited at the same moment."


def test_two_moderators_hiding_and_restoring_one_reply(app, make, reply):
    reply_id = reply.id
    make.user("otto", role="moderator")
    mona, otto = member_client(app, "mona"), member_client(app, "otto")
    outcome = interleave(lambda: mona.post(f"/p/{reply_id}/hide", data={"reason": "Spam."}),
                         lambda: otto.post(f"/p/{reply_id}/hide", data={"reason": "Spam!"}))
    assert statuses(outcome) == (303, 409)
    assert "hidden already" in outcome.second.get_data(as_text=True)
    outcome = interleave(lambda: mona.post(f"/p/{reply_id}/restore"),
                         lambda: otto.post(f"/p/{reply_id}/restore"))
    assert statuses(outcome) == (303, 409)
    assert fresh(Post, reply_id).hidden_at is None


def test_two_threads_introducing_the_same_new_tag(app, make):
    make.category("general")
    make.user("ada"), make.user("bob")
    first, second = member_client(app, "ada"), member_client(app, "bob")

    def new_thread(client, title):
        return lambda: client.post("/c/general/new", data={
            "title": title, "body": "Opening.", "tags": "brand-new, zebra", "category": "general"})

    outcome = interleave(new_thread(first, "First"), new_thread(second, "Second"))
    assert statuses(outcome) == (303, 303)
    assert count(Tag) == 2
    db.session.remove()
    for thread in db.session.scalars(select(Thread)):
        assert [tag.name for tag in thread.tags] == ["brand-new", "zebra"]


def test_a_double_click_on_flag_makes_one_open_flag(app, make, reply):
    reply_id = reply.id
    make.user("reader")
    reader = member_client(app, "reader")

    def flag():
        return reader.post(f"/p/{reply_id}/flag", data={"reason": "Rude."})

    outcome = interleave(flag, flag)
    assert statuses(outcome) == (303, 409)
    assert "flagged this post already" in outcome.second.get_data(as_text=True)
    assert count(Flag, Flag.post_id == reply_id) == 1


def test_a_reply_that_reads_while_another_member_writes_is_not_refused(app, make):
    """SQLite: a request holds no lock while it reads and renders, and one that commits in the
    meantime does not make the first fail when it then takes the write lock."""
    thread = make.thread(title="Busy")
    thread_id = thread.id
    make.user("ada"), make.user("bob")
    ada, bob = member_client(app, "ada"), member_client(app, "bob")
    outcome = interleave(lambda: ada.post(f"/t/{thread_id}/reply", data={"body": "Ada's."}),
                         lambda: bob.post(f"/t/{thread_id}/reply", data={"body": "Bob's."}),
                         pause_before_lock=True)
    assert statuses(outcome) == (303, 303)
    db.session.remove()
    bodies = db.session.scalars(select(Post.body).where(Post.thread_id == thread_id)
                                .order_by(Post.position)).all()
    assert bodies == ["Opening post.", "Bob's.", "Ada's."]
