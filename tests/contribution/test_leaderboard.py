"""The leaderboard page and API: competition ranks, ties by username, windows, pages."""
import pytest

from forum.contribution import queries
from forum.contribution import revision
from forum.contribution.models import MemberScore
from forum.extensions import db


def scored(make, scores: dict[str, int], column: str = "month") -> dict:
    """Members with these scores in ``column`` (the other windows hold 1 point)."""
    members = {}
    for name, points in scores.items():
        members[name] = make.user(name)
        row = MemberScore(user_id=members[name].id, username_key=name.lower(), week=1, month=1, year=1, all_time=1,
                          decayed=0.5)
        setattr(row, column, points)
        db.session.add(row)
    revision.changed()  # as the ledger says of every score it writes
    db.session.commit()
    return members


def board(client, query: str = "") -> list[tuple]:
    data = client.get(f"/api/v1/leaderboard{query}").get_json()
    return [(m["rank"], m["username"], m["score"]) for m in data["members"]]


def test_ranks_are_competition_ranks_with_ties_by_username(client, make):
    scored(make, {"zoe": 30, "Bob": 20, "amy": 20, "cat": 10, "dan": 0})
    assert board(client, "?period=month") == [
        (1, "zoe", 30), (2, "amy", 20), (2, "Bob", 20), (4, "cat", 10)]
    page = client.get("/leaderboard?period=month").get_data(as_text=True)
    assert page.index("zoe") < page.index("amy") < page.index("Bob") < page.index("cat")
    assert "dan" not in page  # no points in the window, no place on the board
    assert "How scores are made" in page and "At most 5 events" in page


def test_the_default_period_is_the_last_30_days(client, make):
    scored(make, {"month_leader": 50, "other": 5})
    assert board(client) == board(client, "?period=month")
    assert board(client)[0] == (1, "month_leader", 50)


@pytest.mark.parametrize("period, column", [
    ("week", "week"), ("month", "month"), ("year", "year"), ("all", "all_time")])
def test_each_period_ranks_by_its_own_window(client, make, period, column):
    scored(make, {"ada": 3, "bea": 7}, column)
    assert board(client, f"?period={period}") == [(1, "bea", 7), (2, "ada", 3)]


def test_current_ranks_by_the_decayed_standing(client, make):
    members = scored(make, {"old_hand": 500, "newcomer": 40}, "all_time")
    db.session.get(MemberScore, members["old_hand"].id).decayed = 1.0
    db.session.get(MemberScore, members["newcomer"].id).decayed = 1e9
    db.session.commit()
    ranked = board(client, "?period=current")
    assert [name for _rank, name, _score in ranked] == ["newcomer", "old_hand"]
    assert "Current standing" in client.get("/leaderboard?period=current").get_data(as_text=True)


@pytest.mark.parametrize("query", ["?period=decade", "?period=", "?period=WEEK", "?page=0",
                                   "?page=x"])
def test_unknown_periods_and_bad_pages_are_400(client, make, query):
    if query == "?period=":
        assert client.get(f"/leaderboard{query}").status_code == 200  # empty means the default
        return
    assert client.get(f"/leaderboard{query}").status_code == 400
    response = client.get(f"/api/v1/leaderboard{query}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_ties_carry_their_rank_across_pages(app, make):
    scored(make, {"a": 9, "b": 8, "c": 8, "d": 8, "e": 5})
    first = queries.leaderboard("month", 1, per_page=2)
    second = queries.leaderboard("month", 2, per_page=2)
    third = queries.leaderboard("month", 3, per_page=2)
    assert [(r.rank, r.username) for r in first.rows] == [(1, "a"), (2, "b")]
    assert [(r.rank, r.username) for r in second.rows] == [(2, "c"), (2, "d")]
    assert [(r.rank, r.username) for r in third.rows] == [(5, "e")]
    assert first.pages == 3 and first.total == 5


def test_the_pages_paginate_fifty_members_at_a_time(client, make):
    scored(make, {f"m{i:02d}": 100 - i for i in range(52)})
    data = client.get("/api/v1/leaderboard?period=month&page=2").get_json()
    assert (data["page"], data["pages"], data["total"]) == (2, 2, 52)
    assert [(m["rank"], m["username"]) for m in data["members"]] == [(51, "m50"), (52, "m51")]
    assert client.get("/leaderboard?page=2").status_code == 200
    assert client.get("/leaderboard?page=3").status_code == 404


def test_the_leaderboard_runs_the_same_queries_for_3_or_60_members(client, make, count_queries):
    scored(make, {f"few{i}": i + 1 for i in range(3)})
    with count_queries() as few:
        assert client.get("/leaderboard?period=week").status_code == 200
    scored(make, {f"many{i}": i + 1 for i in range(57)})
    with count_queries() as many:
        assert client.get("/leaderboard?period=week").status_code == 200
    assert len(few) == len(many) <= 8, (len(few), len(many))


def test_the_leaderboard_is_linked_from_every_page(client):
    assert 'href="/leaderboard"' in client.get("/").get_data(as_text=True)
