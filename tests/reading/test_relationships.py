"""Relationships: who exchanged recognition with whom, and whether it is fresh, fading or stale."""
from datetime import datetime, timedelta

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import update

from forum.contribution import services as contribution
from forum.contribution.models import ContributionEvent
from forum.extensions import db
from forum.reading.relationships import FADING_DAYS, FRESH_DAYS, relationships, state_of
from forum.timeutil import utcnow

NOW = datetime(2026, 6, 1, 12, 0, 0)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


# The rule, on plain values ------------------------------------------------------------------

@pytest.mark.parametrize("age, state", [
    (timedelta(0), "fresh"),
    (SECOND, "fresh"),
    (29 * DAY, "fresh"),
    (30 * DAY - SECOND, "fresh"),
    (30 * DAY, "fresh"),  # "within 30 days" includes the 30th
    (30 * DAY + SECOND, "fading"),
    (31 * DAY, "fading"),
    (89 * DAY, "fading"),
    (90 * DAY, "fading"),
    (90 * DAY + SECOND, "stale"),
    (91 * DAY, "stale"),
    (3650 * DAY, "stale"),
    (-DAY, "fresh"),  # stamped in the future by another process's clock
    (-3650 * DAY, "fresh"),
])
def test_state_at_and_around_each_boundary(age, state):
    assert state_of(NOW - age, NOW) == state


def test_every_whole_day_up_to_a_year():
    for days in range(0, 366):
        expected = "fresh" if days <= FRESH_DAYS else "fading" if days <= FADING_DAYS else "stale"
        assert state_of(NOW - days * DAY, NOW) == expected, days


ORDER = {"fresh": 0, "fading": 1, "stale": 2}
ages = st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=4000))


@given(ages, ages)
def test_an_older_exchange_is_never_fresher(a, b):
    older, newer = max(a, b), min(a, b)
    assert ORDER[state_of(NOW - older, NOW)] >= ORDER[state_of(NOW - newer, NOW)]


@given(ages, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)))
def test_time_passing_only_ever_ages_a_relationship(age, wait):
    last = NOW - age
    assert ORDER[state_of(last, NOW + wait)] >= ORDER[state_of(last, NOW)]


# Through the app ----------------------------------------------------------------------------

def age_events(actor, beneficiary, days: int) -> None:
    db.session.execute(update(ContributionEvent).where(
        ContributionEvent.actor_id == actor.id, ContributionEvent.beneficiary_id == beneficiary.id)
        .values(created_at=utcnow() - timedelta(days=days)))
    db.session.commit()


@pytest.fixture
def circle(make):
    """ada's relationships: with bo both ways (fresh), cy (fading), dee (stale); eve none."""
    ada, bo, cy, dee, eve = (make.user(name) for name in ("ada", "bo", "cy", "dee", "eve"))
    ada_thread = make.thread(ada, title="Ada's question")
    bo_thread = make.thread(bo, title="Bo's question")
    for helper, days in ((bo, 2), (cy, 45), (dee, 200)):
        reply = make.reply(ada_thread, helper, f"{helper.username} helps.")
        contribution.toggle_helpful(reply.id, ada)
        age_events(ada, helper, days)
    ada_reply = make.reply(bo_thread, ada, "Ada helps Bo.")
    contribution.toggle_helpful(ada_reply.id, bo)  # bo -> ada, now
    contribution.share(ada_reply.id, bo)
    make.reply(bo_thread, eve, "Eve replies; nobody recognizes it.")
    return type("Circle", (), dict(ada=ada, bo=bo, cy=cy, dee=dee, eve=eve))


def test_relationships_say_what_flowed_each_way_and_how_alive_it_is(circle):
    found = {r.username: r for r in relationships(circle.ada)}
    assert set(found) == {"bo", "cy", "dee"}
    bo = found["bo"]
    assert (bo.given.count, bo.given.points) == (1, 10)
    assert (bo.received.count, bo.received.points) == (2, 15)  # helpful 10 + shared 5
    assert bo.state == "fresh"
    assert found["cy"].state == "fading" and found["cy"].received.count == 0
    assert found["dee"].state == "stale"
    # Most recent exchange first: an order by time, never by points.
    assert [r.username for r in relationships(circle.ada)] == ["bo", "cy", "dee"]
    # Seen from the other side, the same flows mirrored.
    (ada,) = relationships(circle.bo)
    assert ada.username == "ada" and ada.given == bo.received and ada.received == bo.given


def test_withdrawn_recognition_is_no_exchange(circle, make):
    cy_reply = next(r for r in relationships(circle.ada) if r.username == "cy")
    assert cy_reply
    event = db.session.scalar(db.select(ContributionEvent).where(
        ContributionEvent.actor_id == circle.ada.id,
        ContributionEvent.beneficiary_id == circle.cy.id))
    contribution.toggle_helpful(event.post_id, circle.ada)  # unmark
    assert "cy" not in {r.username for r in relationships(circle.ada)}


def test_one_query_however_many_relationships(circle, make, count_queries):
    ada, eve = db.session.get(type(circle.ada), circle.ada.id), circle.eve
    with count_queries() as statements:
        relationships(ada)
    assert len(statements) == 1
    thread = make.thread(circle.eve, title="More")
    for i in range(8):
        other = make.user()
        contribution.toggle_helpful(make.reply(thread, other, f"R{i}").id, eve)
    assert eve.username  # loaded before counting
    with count_queries() as statements:
        assert len(relationships(eve)) == 8
    assert len(statements) == 1


def test_the_profile_shows_them_and_the_api_returns_them(client, circle):
    page = client.get("/u/ada").get_data(as_text=True)
    section = page[page.index('id="relationships-heading"'):]
    assert section.index(">bo<") < section.index(">cy<") < section.index(">dee<")
    assert "state-fresh" in section and "state-fading" in section and "1 stale relationship" in section
    assert "gave 1 time (10 points) · received 2 times (15 points)" in section
    data = client.get("/api/v1/users/ada").get_json()["user"]["relationships"]
    assert [(r["username"], r["state"]) for r in data] == [("bo", "fresh"), ("cy", "fading"),
                                                           ("dee", "stale")]
    assert data[0]["given"] == {"count": 1, "points": 10}
    assert data[0]["received"] == {"count": 2, "points": 15}
    assert data[0]["last_exchange_at"].endswith("+00:00")
    assert data[0]["url"].endswith("/u/bo")
    empty = client.get("/u/eve").get_data(as_text=True)
    assert "No recognition exchanged yet." in empty
    assert client.get("/api/v1/users/eve").get_json()["user"]["relationships"] == []


def test_a_quiet_prompt_toward_fading_relationships_on_ones_own_profile(client, login_as, circle,
                                                                        make):
    asked = make.thread(circle.cy, title="Cy needs a hand")
    old = make.thread(circle.dee, title="Dee, stale, asks too")  # stale: no prompt
    assert old
    login_as(circle.ada)
    own = client.get("/u/ada").get_data(as_text=True)
    assert "relationship-prompts" in own and "Cy needs a hand" in own
    assert f'/t/{asked.id}/' in own and "Dee, stale, asks too" not in own
    login_as(circle.bo)
    assert "relationship-prompts" not in client.get("/u/ada").get_data(as_text=True)
    make.reply(asked, circle.eve, "Someone answered.")
    login_as(circle.ada)
    assert "relationship-prompts" not in client.get("/u/ada").get_data(as_text=True)


def test_a_deleted_partner_stays_as_deleted_member_without_a_link(client, circle):
    from forum.accounts.services import delete_account

    delete_account(circle.bo, "correct horse battery")
    found = {r.user_id: r for r in relationships(circle.ada)}
    assert found[circle.bo.id].deleted and found[circle.bo.id].username == "deleted member"
    page = client.get("/u/ada").get_data(as_text=True)
    section = page[page.index('id="relationships-heading"'):]
    assert "deleted member" in section and 'href="/u/deleted' not in section
    data = client.get("/api/v1/users/ada").get_json()["user"]["relationships"]
    assert {"username": "deleted member", "url": None}.items() <= data[0].items()


def test_recognition_that_earned_no_points_is_still_an_exchange(make):
    """Capped acts (and held ones, once the trust gate holds them) are recorded with 0 points:
    recognition still flowed, so the relationship counts them."""
    giver, author = make.user("giver"), make.user("author")
    thread = make.thread(make.user(), title="Many replies")
    replies = [make.reply(thread, author, f"Reply {i}.") for i in range(7)]
    for reply in replies:
        contribution.toggle_helpful(reply.id, giver)
    (found,) = relationships(giver)
    assert found.username == "author" and found.given.count == 7
    assert found.given.points < 7 * 10  # the per-pair cap left some acts at 0 points
