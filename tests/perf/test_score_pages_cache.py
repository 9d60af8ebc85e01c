"""Visitors get the leaderboard and profiles from the cache too, keyed on the contribution
revision (forum/contribution/revision.py): every committed change to scores, the ledger or
follows shows at once, in this process and (with Redis) in every other."""
import re

from forum.accounts.services import set_bio
from forum.contribution import services as recognition
from forum.extensions import db


def visitor_sees(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def leaders(page: str) -> list[str]:
    return re.findall(r'class="member-cell" href="/u/(\w+)"', page)


def test_a_repeat_visit_costs_no_query_and_every_change_shows_at_once(app, client, make,
                                                                       count_queries):
    app.config["VALIDATOR_SECONDS"] = 60  # as served: the newest thread revision remembered
    ada, bob, cyd = make.user("ada"), make.user("bob"), make.user("cyd")
    thread = make.thread(ada, title="Where do points come from?")
    reply = make.reply(thread, bob, "From the members you help.")
    board, profile = "/leaderboard?period=week", "/u/bob"
    first_board, first_profile = visitor_sees(client, board), visitor_sees(client, profile)
    with count_queries() as queries:
        assert visitor_sees(client, board) == first_board
    assert queries == []  # the validator is in the cache, not the database
    with count_queries() as queries:
        assert visitor_sees(client, profile) == first_profile
    assert len(queries) == 1  # the member, by name: their row is part of the key
    assert "bob" not in leaders(first_board)

    with app.test_request_context():
        recognition.toggle_helpful(reply.id, cyd)  # 10 points to bob
    assert "bob" in leaders(visitor_sees(client, board))
    assert visitor_sees(client, profile) != first_profile

    with app.test_request_context():
        recognition.toggle_follow(db.session.merge(bob), db.session.merge(cyd))
    assert "1 follower" in visitor_sees(client, profile)

    set_bio(db.session.merge(bob), "I answer **database** questions.")
    assert "<strong>database</strong>" in visitor_sees(client, profile)

    make.thread(db.session.merge(bob), title="A thread of bob's own")
    assert "A thread of bob&#39;s own" in visitor_sees(client, profile)

    with app.test_request_context():
        recognition.toggle_helpful(reply.id, db.session.merge(cyd))  # taken back
    assert "bob" not in leaders(visitor_sees(client, board))


def test_with_redis_a_change_made_by_another_process_shows_at_once(app_factory, redis_settings):
    """Two apps on one Redis are two gunicorn workers: the revision one sets, the other reads."""
    first, second = app_factory(**redis_settings), app_factory(**redis_settings)
    with second.app_context():
        from tests.conftest import Make

        make = Make(second)
        ada, bob, cyd = make.user("ada"), make.user("bob"), make.user("cyd")
        reply = make.reply(make.thread(ada), bob, "An answer.")
        reply_id, cyd_id = reply.id, cyd.id
    visitor = first.test_client()
    board = "/leaderboard?period=week"
    assert "bob" not in leaders(visitor_sees(visitor, board))
    with second.test_request_context():
        from forum.accounts.models import User

        recognition.toggle_helpful(reply_id, db.session.get(User, cyd_id))
    assert "bob" in leaders(visitor_sees(visitor, board))
