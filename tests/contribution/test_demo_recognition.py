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
    assert count(HelpfulMark) == 16 and count(Share) == 3 and count(Follow) == 4
    assert db.session.scalar(select(func.count()).select_from(Thread).where(
        Thread.accepted_post_id.is_not(None))) == 2
    assert db.session.scalar(select(func.count()).select_from(ContributionEvent).where(
        ContributionEvent.actor_id == ContributionEvent.beneficiary_id)) == 0
    board = client.get("/api/v1/leaderboard?period=all").get_json()["members"]
    assert board[0]["username"] == "margaret" and board[0]["rank"] == 1
    assert "Accepted as the answer" in client.get("/u/margaret").get_data(as_text=True)
