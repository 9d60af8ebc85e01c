"""Trust under races, over real HTTP: two moderators trusting at once, marks racing a trust.

Each race releases its requests together from threads behind a barrier (on SQLite the write
transactions then queue on the database's lock, on PostgreSQL on the member's row), and the
test checks the end state that every interleaving must leave: each act counted exactly once.
"""
from sqlalchemy import func, select

from forum import jobs
from forum.accounts.models import User
from forum.contribution.models import ContributionEvent, MemberScore
from forum.extensions import db
from forum.moderation.models import ModerationAction
from tests.contribution.test_concurrency import all_at_once, browser, post

AUTHORS = 5


def read(statement):
    try:
        return db.session.execute(statement).all()
    finally:
        db.session.rollback()  # end the read: on SQLite this thread's transaction holds the lock


def scores(user_ids) -> list[int]:
    rows = dict(read(select(MemberScore.user_id, MemberScore.all_time)
                     .where(MemberScore.user_id.in_(user_ids))))
    return [rows.get(user_id, 0) for user_id in user_ids]


def events_by_act(actor_id: int) -> dict[tuple[str, int], list[tuple[bool, int]]]:
    """(kind, post) -> [(held, points)] of the actor's live events."""
    found: dict = {}
    for kind, post_id, held, points in read(
            select(ContributionEvent.kind, ContributionEvent.post_id, ContributionEvent.held,
                   ContributionEvent.points)
            .where(ContributionEvent.actor_id == actor_id, ContributionEvent.reversed_at.is_(None))):
        found.setdefault((kind, post_id), []).append((held, points))
    return found


def story(make, giver: str):
    """A fresh member ``giver`` and one reply by each of five other fresh members to mark."""
    giver_id = make.user(giver, trusted=False).id
    thread = make.thread(make.user(f"{giver}-host"), title=f"Thread for {giver}")
    author_ids, post_ids = [], []
    for i in range(AUTHORS):
        author = make.user(f"{giver}-author{i}", trusted=False)
        author_ids.append(author.id)
        post_ids.append(make.reply(thread, author, f"Reply {i}").id)
    db.session.rollback()
    return giver_id, author_ids, post_ids


def test_two_moderators_trusting_one_member_at_once_count_each_held_act_once(
        app, live_server, make):
    giver_id, author_ids, post_ids = story(make, "fresh")
    make.user("mod1", role="moderator")
    make.user("mod2", role="moderator")
    db.session.rollback()
    fresh = browser(live_server.url, "fresh")
    for post_id in post_ids:
        assert post(fresh, f"{live_server.url}/p/{post_id}/helpful") == 303
    assert scores(author_ids) == [0] * AUTHORS  # held

    moderators = [browser(live_server.url, name) for name in ("mod1", "mod2")]
    url = f"{live_server.url}/u/fresh/trust"
    assert all_at_once([lambda m=m: post(m, url, {"state": "on"}) for m in moderators]) == [303, 303]
    jobs.drain(app)

    assert read(select(ModerationAction.action)) == [("trust",)]
    assert read(select(User.trusted_via).where(User.id == giver_id)) == [("moderator",)]
    by_act = events_by_act(giver_id)
    assert sorted(by_act) == sorted(("helpful", p) for p in post_ids)
    assert all(found == [(False, 10)] for found in by_act.values()), by_act
    assert scores(author_ids) == [10] * AUTHORS
    assert read(select(func.count()).select_from(User).where(
        User.id.in_(author_ids), User.trusted_by_id == giver_id)) == [(AUTHORS,)]


def test_marks_racing_a_trust_each_count_once_whichever_lands_first(app, live_server, make):
    make.user("mod", role="moderator")
    moderator = browser(live_server.url, "mod")
    for round_ in range(3):
        giver = f"racer{round_}"
        giver_id, author_ids, post_ids = story(make, giver)
        racer = browser(live_server.url, giver)
        calls = [lambda p=p, racer=racer: post(racer, f"{live_server.url}/p/{p}/helpful") for p in post_ids]
        calls.append(lambda giver=giver: post(moderator, f"{live_server.url}/u/{giver}/trust", {"state": "on"}))
        assert all_at_once(calls) == [303] * (AUTHORS + 1)
        jobs.drain(app)

        by_act = events_by_act(giver_id)
        assert sorted(by_act) == sorted(("helpful", p) for p in post_ids)
        # Held ones were released and recorded again; the rest counted at once: one live,
        # counted event per mark either way, and none left held.
        assert all(found == [(False, 10)] for found in by_act.values()), by_act
        assert scores(author_ids) == [10] * AUTHORS
        # The giver's counted marks made each author trusted, and say so.
        assert read(select(func.count()).select_from(User).where(
            User.id.in_(author_ids), User.trusted_by_id == giver_id,
            User.trusted_via == "helpful")) == [(AUTHORS,)]


def test_marks_taken_back_while_their_release_runs_leave_nothing_counted(app, live_server, make):
    make.user("mod", role="moderator")
    moderator = browser(live_server.url, "mod")
    for round_ in range(3):
        giver = f"fickle{round_}"
        giver_id, author_ids, post_ids = story(make, giver)
        fickle = browser(live_server.url, giver)
        for post_id in post_ids:
            assert post(fickle, f"{live_server.url}/p/{post_id}/helpful") == 303
        # The trust starts the release job at once; the unmarks race it (and each other).
        calls = [lambda giver=giver: post(moderator, f"{live_server.url}/u/{giver}/trust", {"state": "on"})]
        calls += [lambda p=p, fickle=fickle: post(fickle, f"{live_server.url}/p/{p}/helpful") for p in post_ids]
        assert all_at_once(calls) == [303] * (AUTHORS + 1)
        jobs.drain(app)

        # Whichever came first, a mark taken back counts nothing: its held event was reversed
        # by the unmark, or released and its new event reversed by the unmark.
        assert events_by_act(giver_id) == {}
        assert scores(author_ids) == [0] * AUTHORS
