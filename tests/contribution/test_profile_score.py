"""A member sees exactly why they rank where they do: on the profile and in the API."""
from datetime import timedelta

from sqlalchemy import select

from forum.contribution import ledger
from forum.contribution.models import ContributionEvent
from forum.extensions import db


def test_the_profile_explains_the_score_event_by_event(client, auth, make):
    asker, author, reader = make.user("asker"), make.user("author"), make.user("reader")
    thread = make.thread(asker, title="Citing replies")
    reply = make.reply(thread, author, "Use the permalink.")
    auth.login(reader)
    client.post(f"/p/{reply.id}/helpful")
    client.post(f"/p/{reply.id}/share")
    auth.login(asker)
    client.post(f"/p/{reply.id}/accept")
    page = client.get("/u/author").get_data(as_text=True)
    assert "Contribution score" in page
    for text in ("Marked helpful", "Accepted as the answer", "Shared", "reader", "asker",
                 "Citing replies", f'href="/p/{reply.id}"', "+10", "+15", "+5"):
        assert text in page, text
    data = client.get("/api/v1/users/author").get_json()["user"]["contribution"]
    assert data["score"] == {"week": 30, "month": 30, "year": 30, "all": 30}
    assert data["rank"]["all"] == 1 and data["rank"]["current"] == 1
    assert data["current_standing"] > 29 and data["half_life_days"] == 90
    assert data["breakdown"]["helpful"] == {"count": 1, "points": 10}
    assert data["breakdown"]["accepted"] == {"count": 1, "points": 15}
    assert data["breakdown"]["shared"] == {"count": 1, "points": 5}
    assert data["helpful_marks"] == {"given": 0, "received": 1}
    assert data["reciprocity"] == {"value_made": 30, "value_given": 0, "acts_given": 0,
                                   "balance": -30}
    assert [(e["kind"], e["from"], e["points"], e["counts"]) for e in data["events"]] == [
        ("accepted", "asker", 15, True), ("shared", "reader", 5, True),
        ("helpful", "reader", 10, True)]
    assert data["events"][0]["url"].endswith(f"/p/{reply.id}")


def test_reciprocity_sets_value_given_beside_value_made(client, auth, make):
    giver, taker = make.user("giver"), make.user("taker")
    thread = make.thread(taker, title="Thread by the taker")
    posts = [make.reply(thread, taker, f"Reply {i}") for i in range(2)]
    auth.login(giver)
    for post in posts:
        client.post(f"/p/{post.id}/helpful")
    client.post(f"/p/{posts[0].id}/share")
    giving = client.get("/api/v1/users/giver").get_json()["user"]["contribution"]
    assert giving["reciprocity"] == {"value_made": 0, "value_given": 25, "acts_given": 3,
                                     "balance": 25}
    assert giving["given"]["helpful"] == {"count": 2, "points": 20}
    assert giving["helpful_marks"] == {"given": 2, "received": 0}
    page = client.get("/u/giver").get_data(as_text=True)
    assert "Thread by the taker" in page  # among the marks given
    # Shown as figures side by side, for information, never as a verdict on the member.
    assert "<strong>25</strong> points in 3 acts" in page
    taker = client.get("/u/taker").get_data(as_text=True)
    assert "<strong>25</strong> points" in taker
    assert "more recognition than" not in page + taker


def test_reversed_events_stay_listed_but_no_longer_count(client, auth, make):
    author, reader = make.user("author"), make.user("reader")
    reply = make.reply(make.thread(title="T"), author)
    auth.login(reader)
    client.post(f"/p/{reply.id}/helpful")
    client.post(f"/p/{reply.id}/helpful")
    data = client.get("/api/v1/users/author").get_json()["user"]["contribution"]
    assert data["score"]["all"] == 0
    [event] = data["events"]
    assert not event["counts"] and event["reversed_at"] is not None
    assert "no longer counts" in client.get("/u/author").get_data(as_text=True)


def test_windows_forget_old_points_and_current_standing_fades(client, auth, make):
    author, reader = make.user("author"), make.user("reader")
    reply = make.reply(make.thread(title="T"), author)
    auth.login(reader)
    client.post(f"/p/{reply.id}/helpful")
    for event in db.session.scalars(select(ContributionEvent)):
        event.created_at -= timedelta(days=90)
    db.session.commit()
    ledger.recompute_scores()  # as if the 90 days had passed with the score kept in step
    db.session.commit()
    data = client.get("/api/v1/users/author").get_json()["user"]["contribution"]
    assert data["score"] == {"week": 0, "month": 0, "year": 10, "all": 10}
    assert 4.9 < data["current_standing"] < 5.1  # one half-life later, half the weight
    assert data["rank"]["week"] is None and data["rank"]["year"] == 1


def test_events_paginate_and_the_profile_runs_a_constant_number_of_queries(
        client, auth, make, count_queries):
    author = make.user("author")
    thread = make.thread(title="T")
    posts = [make.reply(thread, author, f"Reply {i}") for i in range(3)]
    auth.login(make.user("first"))
    client.post(f"/p/{posts[0].id}/helpful")
    with count_queries() as few:
        assert client.get("/u/author").status_code == 200
    for i in range(3):
        make.reply(make.thread(author, thread.category, title=f"Another thread {i}"), author)
    for i in range(12):
        auth.login(make.user(f"fan{i}"))
        for post in posts:
            client.post(f"/p/{post.id}/helpful")
            client.post(f"/p/{post.id}/share")
    with count_queries() as many:
        assert client.get("/u/author").status_code == 200
    assert len(few) == len(many) <= 20, (len(few), len(many))
    data = client.get("/api/v1/users/author?page=2").get_json()["user"]["contribution"]
    assert (data["events_total"], data["events_page"], data["events_pages"]) == (73, 2, 2)
    assert len(data["events"]) == 23
    assert client.get("/u/author?page=2").status_code == 200


def test_the_api_answers_404_for_an_unknown_member(client):
    response = client.get("/api/v1/users/nobody")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
