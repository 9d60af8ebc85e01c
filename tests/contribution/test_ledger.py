"""The ledger keeps MemberScore in step with its events: record, cap, reverse, sweep."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import jobs
from forum.contribution import ledger
from forum.contribution.models import ContributionEvent, MemberScore
from forum.extensions import db


def score_of(user) -> MemberScore:
    """The member's score row; a member nobody gave points to has none yet (all zeros)."""
    db.session.expire_all()
    return db.session.get(MemberScore, user.id) or MemberScore(
        user_id=user.id, week=0, month=0, year=0, all_time=0, decayed=0.0)


def windows(user) -> tuple:
    s = score_of(user)
    return (s.week, s.month, s.year, s.all_time)


def test_recording_adds_to_every_window_and_no_one_scores_from_themselves(app, make):
    author, reader = make.user("author"), make.user("reader")
    assert ledger.record("helpful", author.id, author.id) is None
    event = ledger.record("helpful", author.id, reader.id)
    db.session.commit()
    assert event.points == 10
    assert windows(author) == (10, 10, 10, 10)
    assert score_of(author).decayed > 0


def test_one_member_counts_at_most_five_events_to_another_per_week(app, make):
    author, fan, other = make.user("author"), make.user("fan"), make.user("other")
    events = [ledger.record("shared", author.id, fan.id) for _ in range(6)]
    ledger.record("shared", author.id, other.id)
    db.session.commit()
    assert [e.points for e in events] == [5, 5, 5, 5, 5, 0]
    assert "at most 5" in events[-1].note
    assert windows(author)[3] == 30  # 25 from the fan, 5 from someone else


def test_helpful_marks_earn_at_most_200_points_a_day(app, make):
    author = make.user("author")
    markers = [make.user(f"marker{i}") for i in range(21)]
    events = [ledger.record("helpful", author.id, m.id) for m in markers]
    db.session.commit()
    assert sum(e.points for e in events) == 200
    assert events[-1].points == 0 and "200 points a day" in events[-1].note


def test_reversing_takes_the_points_back_once(app, make):
    author, reader = make.user("author"), make.user("reader")
    ledger.record("accepted", author.id, reader.id, post_id=None)
    db.session.commit()
    assert ledger.reverse_where(kind="accepted", beneficiary_id=author.id) == 1
    assert ledger.reverse_where(kind="accepted", beneficiary_id=author.id) == 0
    db.session.commit()
    assert windows(author) == (0, 0, 0, 0)
    assert score_of(author).decayed == pytest.approx(0, abs=1e-9)


def age_events(days: float) -> None:
    """Move every event ``days`` into the past (as if that much time went by)."""
    for event in db.session.scalars(select(ContributionEvent)):
        event.created_at -= timedelta(days=days)
    db.session.commit()


@pytest.mark.parametrize("age, expected", [
    (3, (10, 10, 10, 10)),
    (8, (0, 10, 10, 10)),
    (31, (0, 0, 10, 10)),
    (366, (0, 0, 0, 10)),
])
def test_sweeping_drops_aged_events_from_the_windows_they_left(app, make, age, expected):
    author, reader = make.user("author"), make.user("reader")
    ledger.record("helpful", author.id, reader.id)
    db.session.commit()
    age_events(age)
    ledger.sweep()
    db.session.commit()
    assert windows(author) == expected
    ledger.sweep()  # a second sweep finds nothing more to move
    db.session.commit()
    assert windows(author) == expected


def test_reversing_after_a_sweep_does_not_take_a_window_below_zero(app, make):
    author, reader = make.user("author"), make.user("reader")
    ledger.record("helpful", author.id, reader.id)
    ledger.record("shared", author.id, reader.id)
    db.session.commit()
    age_events(10)
    ledger.sweep()
    ledger.record("accepted", author.id, reader.id)
    ledger.reverse_where(kind="helpful", beneficiary_id=author.id)
    db.session.commit()
    assert windows(author) == (15, 20, 20, 20)


def snapshot(members) -> dict:
    return {m.id: (*windows(m), round(score_of(m).decayed, 6)) for m in members}


def test_incremental_scores_equal_a_recompute_from_the_ledger(app, make):
    members = [make.user() for _ in range(4)]
    for i, giver in enumerate(members):
        for taker in members[:i]:
            ledger.record("helpful", taker.id, giver.id)
            ledger.record("shared", taker.id, giver.id)
    ledger.reverse_where(kind="shared", actor_id=members[3].id)
    db.session.commit()
    before = snapshot(members)
    ledger.recompute_scores()
    db.session.commit()
    assert snapshot(members) == before


def test_swept_windows_equal_a_recompute_after_time_passes(app, make):
    members = [make.user() for _ in range(3)]
    ledger.record("helpful", members[0].id, members[1].id)
    ledger.record("shared", members[1].id, members[2].id)
    db.session.commit()
    age_events(12)
    ledger.record("accepted", members[1].id, members[0].id)
    ledger.sweep()
    db.session.commit()
    before = {m.id: windows(m) for m in members}
    ledger.recompute_scores()
    db.session.commit()
    assert {m.id: windows(m) for m in members} == before == {
        members[0].id: (0, 10, 10, 10), members[1].id: (15, 20, 20, 20), members[2].id: (0, 0, 0, 0)}


def test_reverse_actor_takes_back_everything_a_member_gave(app, make):
    a, b, abuser = make.user("a"), make.user("b"), make.user("abuser")
    ledger.record("helpful", a.id, abuser.id)
    ledger.record("shared", b.id, abuser.id)
    ledger.record("helpful", a.id, b.id)
    db.session.commit()
    assert ledger.reverse_actor(abuser.id) == 2
    db.session.commit()
    assert windows(a)[3] == 10 and windows(b)[3] == 0
    live = db.session.scalars(select(ContributionEvent).where(
        ContributionEvent.reversed_at.is_(None))).all()
    assert [(e.actor_id, e.beneficiary_id) for e in live] == [(b.id, a.id)]


@pytest.mark.parametrize("page", ["/leaderboard?period=week", "/u/author"])
def test_pages_that_show_scores_write_nothing_and_queue_the_sweep(app, client, make,
                                                                   count_queries, page):
    """A GET never commits: the sweep of aged events is a background job the page queues."""
    author, reader = make.user("author"), make.user("reader")
    ledger.record("helpful", author.id, reader.id)
    db.session.commit()
    age_events(8)
    with count_queries() as queries:
        assert client.get(page).status_code == 200
    writes = [q for q in queries if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    jobs.drain(app)
    db.session.rollback()
    assert windows(author) == (0, 10, 10, 10)
