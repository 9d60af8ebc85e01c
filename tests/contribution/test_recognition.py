"""Helpful marks, accepted replies, shares and follows, as members use them."""
import pytest
from sqlalchemy import func, select

from forum.accounts.models import Follow
from forum.contribution import ledger
from forum.contribution.models import ContributionEvent, HelpfulMark, MemberScore, Share
from forum.extensions import db
from forum.signals import post_changed
from forum.threads.models import Post, Thread
from forum.timeutil import utcnow

JSON = {"Accept": "application/json"}


def all_time(user) -> int:
    db.session.expire_all()
    score = db.session.get(MemberScore, user.id)
    return score.all_time if score else 0


def live_events(**filters) -> list[ContributionEvent]:
    db.session.expire_all()
    conditions = [getattr(ContributionEvent, k) == v for k, v in filters.items()]
    return db.session.scalars(select(ContributionEvent).where(
        ContributionEvent.reversed_at.is_(None), *conditions)).all()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def story(make):
    """A question by ``asker`` with a reply by ``author``; ``reader`` is someone else."""
    asker, author, reader = make.user("asker"), make.user("author"), make.user("reader")
    thread = make.thread(asker, title="How do I cite a reply?")
    reply = make.reply(thread, author, "Use the permalink.")
    return type("Story", (), dict(asker=asker, author=author, reader=reader, thread=thread,
                                  reply=reply))


def test_marking_helpful_gives_the_author_points_and_unmarking_takes_them_back(
        client, login_as, story):
    login_as(story.reader)
    response = client.post(f"/p/{story.reply.id}/helpful")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#post-{story.reply.id}")
    assert all_time(story.author) == 10
    [event] = live_events(kind="helpful")
    assert (event.beneficiary_id, event.actor_id, event.post_id) == (
        story.author.id, story.reader.id, story.reply.id)
    page = client.get(f"/t/{story.thread.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page and "Marked helpful" in page

    assert client.post(f"/p/{story.reply.id}/helpful").status_code == 303
    assert all_time(story.author) == 0
    assert count(HelpfulMark) == 0 and live_events() == []
    event = db.session.get(ContributionEvent, event.id)
    assert event.reversed_at is not None  # kept in the ledger, no longer counted


def test_scripts_get_counts_state_and_the_authors_score_as_json(client, login_as, story):
    login_as(story.reader)
    data = client.post(f"/p/{story.reply.id}/helpful", headers=JSON).get_json()
    assert data["counts"] == {"helpful": 1, "shares": 0}
    assert data["state"] == {"marked": True, "shared": False, "accepted": False}
    assert data["author"] == {"username": "author", "score": 10}
    data = client.post(f"/p/{story.reply.id}/share",
                       headers={"X-Requested-With": "fetch"}).get_json()
    assert data["counts"] == {"helpful": 1, "shares": 1}
    assert data["state"]["shared"] and data["author"]["score"] == 15


def test_marking_your_own_post_is_403_with_a_clear_message_and_stores_nothing(
        client, login_as, story):
    login_as(story.author)
    response = client.post(f"/p/{story.reply.id}/helpful")
    assert response.status_code == 403
    assert "You cannot mark your own post helpful." in response.get_data(as_text=True)
    response = client.post(f"/p/{story.reply.id}/helpful", headers=JSON)
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "You cannot mark your own post helpful."
    assert client.post(f"/p/{story.reply.id}/share").status_code == 403
    assert count(HelpfulMark) == count(Share) == count(ContributionEvent) == 0


def test_missing_deleted_and_hidden_posts_cannot_be_marked(client, login_as, story, make):
    login_as(story.reader)
    for action in ("helpful", "accept", "share"):
        assert client.post(f"/p/999999/{action}").status_code == 404
        assert client.post(f"/p/999999/{action}", headers=JSON).get_json()["error"]["code"] == \
            "not_found"
    hidden = make.reply(story.thread, story.author, "Hidden later.")
    hidden.hidden_at = utcnow()
    deleted = make.reply(story.thread, story.author, "Deleted later.")
    deleted.deleted_at = utcnow()
    db.session.commit()
    assert client.post(f"/p/{deleted.id}/helpful").status_code == 404
    response = client.post(f"/p/{hidden.id}/helpful")
    assert response.status_code == 403 and "hid this post" in response.get_data(as_text=True)
    assert count(HelpfulMark) == count(ContributionEvent) == 0


def test_visitors_are_sent_to_log_in_and_scripts_get_401(client, story):
    response = client.post(f"/p/{story.reply.id}/helpful")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert client.post(f"/p/{story.reply.id}/helpful", headers=JSON).status_code == 401
    assert count(HelpfulMark) == 0


def test_a_suspended_member_cannot_mark_share_accept_or_follow(client, login_as, story):
    login_as(story.reader)
    story.reader.suspended_at = utcnow()
    story.asker.suspended_at = utcnow()
    db.session.commit()
    assert client.post(f"/p/{story.reply.id}/helpful").status_code == 403
    assert client.post(f"/p/{story.reply.id}/share").status_code == 403
    assert client.post("/u/author/follow").status_code == 403
    login_as(story.asker)
    assert client.post(f"/p/{story.reply.id}/accept").status_code == 403
    assert count(HelpfulMark) == count(Share) == count(Follow) == count(ContributionEvent) == 0


def test_toggling_a_mark_over_and_over_never_earns_more_than_one_mark(
        client, login_as, make, story):
    """Gaming attempt: mark, unmark, mark... to pile up events."""
    login_as(story.reader)
    for _ in range(9):
        client.post(f"/p/{story.reply.id}/helpful")
    assert all_time(story.author) == 10
    assert len(live_events()) == 1 and count(HelpfulMark) == 1
    # Taken-back marks do not use up the reader's weekly allowance for this author either.
    for i in range(4):
        client.post(f"/p/{make.reply(story.thread, story.author, f'More {i}').id}/helpful")
    assert all_time(story.author) == 50


def test_one_fan_counts_at_most_five_times_a_week_for_one_author(client, login_as, make, story):
    """Gaming attempt: a friend marks and shares everything one member writes."""
    replies = [make.reply(story.thread, story.author, f"Reply {i}") for i in range(4)]
    login_as(story.reader)
    for post in [story.reply, *replies]:
        client.post(f"/p/{post.id}/helpful")
    client.post(f"/p/{story.reply.id}/share")
    assert all_time(story.author) == 50  # five marks; the share is the sixth event
    capped = live_events(kind="shared")[0]
    assert capped.points == 0 and "at most 5" in capped.note
    client.post(f"/p/{replies[0].id}/helpful")  # taking one back frees a place
    client.post(f"/p/{replies[0].id}/helpful")
    assert all_time(story.author) == 50
    profile = client.get("/u/author").get_data(as_text=True)
    assert "Capped: at most 5 counted events" in profile


def test_helpful_marks_earn_an_author_at_most_200_points_a_day(client, auth, make, story):
    """Gaming attempt: a ring of 21 accounts all mark one post on one day."""
    for i in range(21):
        member = make.user(f"ring{i}")
        auth.login(member)
        assert client.post(f"/p/{story.reply.id}/helpful").status_code == 303
    assert all_time(story.author) == 200
    assert count(HelpfulMark) == 21
    assert sum(e.points for e in live_events(kind="helpful")) == 200


def test_suspending_for_abuse_takes_back_every_point_the_member_gave(
        client, auth, make, story):
    """Gaming attempt: sockpuppets lift a member to the top; the suspension undoes it."""
    puppets = [make.user(f"puppet{i}") for i in range(3)]
    honest = make.user("honest")
    for member in [*puppets, honest]:
        auth.login(member)
        client.post(f"/p/{story.reply.id}/helpful")
        client.post(f"/p/{story.reply.id}/share")
    assert all_time(story.author) == 60
    for puppet in puppets:
        puppet.suspended_at, puppet.suspended_for_abuse = utcnow(), True
        ledger.reverse_actor(puppet.id)
    db.session.commit()
    assert all_time(story.author) == 15
    auth.login(puppets[0])
    assert client.post(f"/p/{story.reply.id}/helpful").status_code == 403
    board = client.get("/api/v1/leaderboard?period=week").get_json()
    assert [(m["username"], m["score"]) for m in board["members"]] == [("author", 15)]


def test_the_asker_accepts_one_reply_and_a_new_choice_moves_it(client, login_as, make, story):
    other = make.reply(story.thread, make.user("rival"), "Another answer.")
    login_as(story.asker)
    response = client.post(f"/p/{story.reply.id}/accept")
    assert response.status_code == 303
    assert all_time(story.author) == 15
    data = client.post(f"/p/{other.id}/accept", headers=JSON).get_json()
    assert data["state"]["accepted"] and data["accepted_post_id"] == other.id
    assert data["scores"] == {"rival": 15, "author": 0}
    assert all_time(story.author) == 0
    assert db.session.get(Thread, story.thread.id).accepted_post_id == other.id
    assert len(live_events(kind="accepted")) == 1
    data = client.post(f"/p/{other.id}/accept", headers=JSON).get_json()
    assert data["accepted_post_id"] is None and not data["state"]["accepted"]
    assert live_events(kind="accepted") == []


def test_only_the_asker_or_a_moderator_accepts_and_only_replies(client, login_as, make, story):
    login_as(story.reader)
    response = client.post(f"/p/{story.reply.id}/accept")
    assert response.status_code == 403
    assert "Only the thread&#39;s author or a moderator" in response.get_data(as_text=True)
    login_as(story.asker)
    opening = db.session.scalar(select(Post).where(Post.position == 1))
    assert client.post(f"/p/{opening.id}/accept").status_code == 400
    login_as(make.user("mod", role="moderator"))
    assert client.post(f"/p/{story.reply.id}/accept").status_code == 303
    assert all_time(story.author) == 15


def test_accepting_your_own_reply_earns_nothing(client, login_as, make, story):
    """Gaming attempt: answer your own question and accept it."""
    own = make.reply(story.thread, story.asker, "Never mind, I found it.")
    login_as(story.asker)
    assert client.post(f"/p/{own.id}/accept").status_code == 303
    assert db.session.get(Thread, story.thread.id).accepted_post_id == own.id
    assert all_time(story.asker) == 0 and live_events() == []


def test_marks_accepts_and_shares_still_work_on_a_closed_thread(client, login_as, story):
    story.thread.closed_at, story.thread.closed_reason = utcnow(), "Answered."
    db.session.commit()
    login_as(story.reader)
    assert client.post(f"/p/{story.reply.id}/helpful").status_code == 303
    assert client.post(f"/p/{story.reply.id}/share").status_code == 303
    login_as(story.asker)
    assert client.post(f"/p/{story.reply.id}/accept").status_code == 303
    assert all_time(story.author) == 30


def test_a_post_is_shared_once_per_member(client, login_as, story):
    """Gaming attempt: share the same post again and again."""
    login_as(story.reader)
    for _ in range(3):
        assert client.post(f"/p/{story.reply.id}/share").status_code == 303
    assert count(Share) == 1 and len(live_events(kind="shared")) == 1
    assert all_time(story.author) == 5


def test_follows_toggle_show_on_the_profile_and_never_score(client, login_as, story):
    login_as(story.reader)
    response = client.post("/u/Author/follow")
    assert response.status_code == 303 and response.headers["Location"] == "/u/author"
    assert "1 follower" in client.get("/u/author").get_data(as_text=True)
    assert count(Follow) == 1 and count(ContributionEvent) == 0 and all_time(story.author) == 0
    data = client.post("/u/author/follow", headers=JSON).get_json()
    assert data == {"state": {"following": False}, "counts": {"followers": 0, "following": 0}}
    assert client.post("/u/reader/follow").status_code == 403
    assert client.post("/u/nobody/follow").status_code == 404
    assert count(Follow) == 0


def test_deleting_a_post_takes_back_what_it_earned(client, login_as, story):
    login_as(story.reader)
    client.post(f"/p/{story.reply.id}/helpful")
    client.post(f"/p/{story.reply.id}/share")
    login_as(story.asker)
    client.post(f"/p/{story.reply.id}/accept")
    assert all_time(story.author) == 30
    login_as(story.author)
    assert client.post(f"/p/{story.reply.id}/delete").status_code == 303
    assert all_time(story.author) == 0 and live_events() == []
    assert db.session.get(Thread, story.thread.id).accepted_post_id is None


def test_only_a_moderator_deletes_a_replied_thread_and_so_takes_back_its_points(
        client, login_as, make, story):
    login_as(story.reader)
    client.post(f"/p/{story.reply.id}/helpful")
    opening = db.session.scalar(select(Post).where(Post.position == 1))
    client.post(f"/p/{opening.id}/helpful")
    assert all_time(story.author) == 10 and all_time(story.asker) == 10
    login_as(story.asker)
    # What others earned in the thread stays theirs: its author cannot delete it any more.
    response = client.post(f"/p/{opening.id}/delete")
    assert response.status_code == 403 and "only a moderator" in response.get_data(as_text=True)
    assert all_time(story.author) == 10 and all_time(story.asker) == 10
    login_as(make.user("mod", role="moderator"))
    assert client.post(f"/p/{opening.id}/delete").status_code == 303
    assert all_time(story.author) == 0 and all_time(story.asker) == 0


def test_hiding_a_post_takes_back_its_points_and_restoring_returns_them(
        app, client, login_as, story):
    login_as(story.reader)
    client.post(f"/p/{story.reply.id}/helpful")
    login_as(story.asker)
    client.post(f"/p/{story.reply.id}/accept")
    assert all_time(story.author) == 25
    post = db.session.get(Post, story.reply.id)
    post.hidden_at = utcnow()
    post_changed.send(post, action="hidden")
    db.session.commit()
    assert all_time(story.author) == 0
    post = db.session.get(Post, story.reply.id)
    post.hidden_at = None
    post_changed.send(post, action="restored")
    db.session.commit()
    assert all_time(story.author) == 25
    assert {e.kind for e in live_events()} == {"helpful", "accepted"}


def test_a_moderator_hiding_a_post_takes_its_points_back_until_restored(
        client, login_as, make, story):
    from forum.moderation import services as moderation

    login_as(story.reader)
    client.post(f"/p/{story.reply.id}/helpful")
    client.post(f"/p/{story.reply.id}/share")
    moderator = make.user("mod", role="moderator")
    moderation.hide_post(story.reply.id, moderator, "Off topic.")
    assert all_time(story.author) == 0
    moderation.restore_post(story.reply.id, moderator)
    assert all_time(story.author) == 15
