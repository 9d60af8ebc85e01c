"""The seeded demo shows recognition at work: marks, accepted answers, shares, a leaderboard."""
from sqlalchemy import func, select

from forum.accounts.models import Follow
from forum.contribution.models import ContributionEvent, HelpfulMark, Share
from forum.demo import seed
from forum.extensions import db
from forum.threads.models import Thread


def test_the_demo_has_marks_an_accepted_answer_shares_and_a_leaderboard(app, client):
    assert seed()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(HelpfulMark) == 18 and count(Share) == 4 and count(Follow) == 4
    assert db.session.scalar(select(func.count()).select_from(Thread).where(
        Thread.accepted_post_id.is_not(None))) == 2
    assert db.session.scalar(select(func.count()).select_from(ContributionEvent).where(
        ContributionEvent.actor_id == ContributionEvent.beneficiary_id)) == 0
    board = client.get("/api/v1/leaderboard?period=all").get_json()["members"]
    assert board[0]["username"] == "margaret" and board[0]["rank"] == 1
    assert "Accepted as the answer" in client.get("/u/margaret").get_data(as_text=True)


def test_the_demo_shows_trusted_members_and_a_newcomer_whose_marks_are_held(app, client):
    assert seed()
    quinn = client.get("/api/v1/users/quinn").get_json()["user"]
    assert quinn["trust"]["trusted"] is False and quinn["trust"]["held_given"] == 3
    assert {e["state"] for e in quinn["contribution"]["held_given"]} == {"held"}
    assert "held: the giver is not yet trusted" in client.get("/u/ward").get_data(as_text=True)
    barbara = client.get("/api/v1/users/barbara").get_json()["user"]["trust"]
    assert (barbara["trusted"], barbara["via"], barbara["by"]) == (True, "helpful", "grace")
    grace = client.get("/api/v1/users/grace").get_json()["user"]["trust"]
    assert (grace["trusted"], grace["via"], grace["by"]) == (True, "moderator", "ada")
    assert db.session.scalar(select(func.count()).select_from(ContributionEvent).where(
        ContributionEvent.held.is_(True))) == 3


def test_the_demo_is_dated_believably(app, client):
    """Members joined before anything they wrote; marks, shares and points came after the posts
    they recognize, and not all at once; the week's scores count only the last 7 days."""
    from datetime import timedelta

    from forum.accounts.models import User
    from forum.contribution.models import MemberScore
    from forum.threads.models import Post
    from forum.timeutil import utcnow

    assert seed()
    first_post = dict(db.session.execute(
        select(Post.author_id, func.min(Post.created_at)).group_by(Post.author_id)).all())
    for user in db.session.scalars(select(User)):
        assert user.created_at < first_post.get(user.id, utcnow()) - timedelta(days=3)
    now = utcnow()
    for model in (HelpfulMark, Share):
        for given, post_time in db.session.execute(select(model, Post.created_at).join(
                Post, Post.id == model.post_id)):
            assert post_time < given.created_at < now - timedelta(minutes=30)
    moments = {e.created_at for e in db.session.scalars(select(ContributionEvent))}
    assert len(moments) > 5
    week = {s.user_id: s.week for s in db.session.scalars(select(MemberScore))}
    recent = dict(db.session.execute(
        select(ContributionEvent.beneficiary_id, func.sum(ContributionEvent.points))
        .where(ContributionEvent.reversed_at.is_(None),
               ContributionEvent.created_at > now - timedelta(days=7))
        .group_by(ContributionEvent.beneficiary_id)).all())
    assert {k: v for k, v in week.items() if v} == recent
