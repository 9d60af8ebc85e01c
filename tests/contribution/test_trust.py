"""Trust: a ring of fresh accounts earns nothing; trusted recognition counts and spreads trust;
held recognition counts once its giver is trusted. Through HTTP, on both databases."""
import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.accounts.models import User
from forum.contribution.models import ContributionEvent, MemberScore
from forum.extensions import db
from forum.moderation.models import ModerationAction

RING = 5


def leaderboard(client) -> list[tuple[str, int]]:
    board = client.get("/api/v1/leaderboard?period=all").get_json()
    return [(row["username"], row["score"]) for row in board["members"]]


def member(name: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def all_time(name: str) -> int:
    score = db.session.get(MemberScore, member(name).id)
    return score.all_time if score else 0


def events(**filters) -> list[ContributionEvent]:
    db.session.expire_all()
    return db.session.scalars(select(ContributionEvent).where(*[
        getattr(ContributionEvent, k) == v for k, v in filters.items()])
        .order_by(ContributionEvent.id)).all()


@pytest.fixture
def ring(app, client, make, login_as):
    """Five fresh accounts, each with a reply, each marking and sharing every other's reply."""
    names = [f"ring{i}" for i in range(RING)]
    for name in names:
        make.user(name, trusted=False)
    thread = make.thread(make.user("host"), title="Ring thread")
    replies = {name: make.reply(thread, member(name), f"Reply by {name}").id for name in names}
    for name in names:
        client.post("/logout")
        login_as(name)
        for other, post_id in replies.items():
            if other != name:
                assert client.post(f"/p/{post_id}/helpful").status_code == 303
                assert client.post(f"/p/{post_id}/share").status_code == 303
    client.post("/logout")
    jobs.drain(app)
    return type("Ring", (), {"names": names, "replies": replies, "thread": thread})


def test_a_ring_of_fresh_accounts_marking_each_other_earns_no_rank(client, ring):
    assert leaderboard(client) == []
    assert all(all_time(name) == 0 for name in ring.names)
    held = events(held=True)
    assert len(held) == RING * (RING - 1) * 2
    assert all(e.points == 0 and e.reversed_at is None for e in held)
    assert not any(member(name).trusted_at for name in ring.names)

    # Both profiles say why: the receiver's ledger and the giver's held list.
    page = client.get("/u/ring0").get_data(as_text=True)
    assert "held: the giver is not yet trusted" in page
    assert "Not yet trusted" in page
    assert "Held: recognition ring0 gave that does not count yet" in page
    data = client.get("/api/v1/users/ring0").get_json()["user"]
    assert data["trust"]["trusted"] is False and data["trust"]["gate"] is True
    assert data["trust"]["held_received"] == data["trust"]["held_given"] == (RING - 1) * 2
    assert {e["state"] for e in data["contribution"]["events"]} == {"held"}
    assert all(e["held"] and e["points"] == 0 for e in data["contribution"]["held_given"])
    assert "trusted" in client.get("/leaderboard").get_data(as_text=True).lower()


def test_a_member_recognized_by_a_moderator_outranks_the_whole_ring(
        client, make, login_as, ring):
    moderator = make.user("mod", role="moderator")
    newcomer = make.user("newcomer", trusted=False)
    answer = make.reply(ring.thread, newcomer, "A real answer.")
    login_as(moderator)
    assert client.post(f"/p/{answer.id}/helpful").status_code == 303
    assert leaderboard(client) == [("newcomer", 10)]
    # The moderator's mark also made the newcomer trusted, and says so.
    newcomer = member("newcomer")
    assert (newcomer.trusted_via, newcomer.trusted_by_id) == ("helpful", moderator.id)
    data = client.get("/api/v1/users/newcomer").get_json()["user"]["trust"]
    assert data["trusted"] and data["by"] == "mod" and data["via"] == "helpful"
    page = client.get("/u/newcomer").get_data(as_text=True)
    assert "marked one of their posts helpful" in page


def test_held_recognition_counts_once_a_moderator_trusts_the_giver_and_trust_spreads(
        app, client, make, login_as, ring):
    moderator = make.user("mod", role="moderator")
    login_as(moderator)
    response = client.post("/u/ring0/trust", data={"state": "on"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/u/ring0")
    jobs.drain(app)

    ring0 = member("ring0")
    assert (ring0.trusted_via, ring0.trusted_by_id) == ("moderator", moderator.id)
    # ring0's marks and shares now count, and made every other ring member trusted, whose own
    # held marks were then released in turn: trust spread along recognition, each step told.
    for name in ring.names[1:]:
        trusted = member(name)
        assert trusted.trusted_at is not None and trusted.trusted_via in ("helpful", "shared")
        assert trusted.trusted_by_id is not None
    assert events(held=True, reversed_at=None) == []
    released = events(held=True)
    assert len(released) == RING * (RING - 1) * 2
    assert all(e.reversal_note.startswith("released") for e in released)
    # Each act counts once, as a new event: 10 + 5 from each of the four others.
    live = [e for e in events(reversed_at=None) if not e.held]
    assert len(live) == RING * (RING - 1) * 2
    assert all(all_time(name) == (RING - 1) * 15 for name in ring.names)
    entry = db.session.scalar(select(ModerationAction).where(ModerationAction.action == "trust"))
    assert (entry.moderator_id, entry.target_type, entry.target_id) == (moderator.id, "user",
                                                                         ring0.id)
    page = client.get("/u/ring1").get_data(as_text=True)
    assert "became trusted, so it counts again" in page

    # Trusting again (the button sends state=on) changes nothing; the toggle stops it.
    assert client.post("/u/ring0/trust", data={"state": "on"}).status_code == 303
    jobs.drain(app)
    assert len([e for e in events(reversed_at=None) if not e.held]) == RING * (RING - 1) * 2
    assert client.post("/u/ring0/trust").status_code == 303
    assert member("ring0").trusted_at is None
    actions = db.session.scalars(select(ModerationAction.action)).all()
    assert actions == ["trust", "untrust"]


def test_only_moderators_trust_and_bad_input_is_refused(client, make, login_as):
    make.user("fresh", trusted=False)
    make.user("plain")
    assert client.post("/u/fresh/trust").status_code in (302, 303)  # log in first
    login_as("plain")
    assert client.post("/u/fresh/trust").status_code == 403
    client.post("/logout")
    login_as(make.user("mod", role="moderator"))
    assert client.post("/u/nobody/trust").status_code == 404
    assert client.post("/u/fresh/trust", data={"state": "maybe"}).status_code == 400
    assert client.post("/u/mod/trust").status_code == 403
    assert member("fresh").trusted_at is None
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0


def test_a_member_stopped_trusting_has_what_they_give_from_then_held(
        app, client, make, login_as):
    author = make.user("author")
    post = make.reply(make.thread(title="T"), author)
    giver = make.user("giver")
    login_as(make.user("mod", role="moderator"))
    client.post("/u/giver/trust", data={"state": "off"})
    client.post("/logout")
    login_as(giver)
    client.post(f"/p/{post.id}/helpful")
    [event] = events(kind="helpful")
    assert event.held and event.points == 0 and all_time("author") == 0


def test_with_the_gate_off_every_members_recognition_counts(app_factory, make_factory=None):
    app = app_factory(TRUST_GATE=False)
    with app.app_context():
        from tests.conftest import Make

        make = Make(app)
        giver = make.user("fresh", trusted=False)
        post = make.reply(make.thread(title="T"), make.user("author", trusted=False))
        client = app.test_client()
        client.post("/login", data={"username": "fresh", "password": "correct horse battery"})
        assert client.post(f"/p/{post.id}/helpful").status_code == 303
        assert all_time("author") == 10
        assert events(held=True) == []
        assert member("author").trusted_at is None  # nothing to spread while it is off
        data = client.get("/api/v1/users/fresh").get_json()["user"]["trust"]
        assert data["gate"] is False and "gate is off" in data["explanation"]
        assert giver.id
