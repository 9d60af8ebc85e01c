"""Simultaneous recognition over real HTTP: one mark, one share, one event per member."""
import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from forum.accounts.models import User
from forum.contribution.models import ContributionEvent, HelpfulMark, MemberScore, Share
from forum.extensions import db
from tests.conftest import PASSWORD

MEMBERS = 20


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser(base_url: str, username: str):
    """An HTTP client with its own cookies, logged in as ``username``."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
    post(opener, base_url + "/login", {"username": username, "password": PASSWORD})
    return opener


def post(opener, url: str, data: dict | None = None) -> int:
    body = urllib.parse.urlencode(data or {}).encode()
    try:
        with opener.open(urllib.request.Request(url, data=body, method="POST"), timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as answer:
        return answer.code


def all_at_once(calls) -> list[int]:
    """Run every call on its own thread, released together; their HTTP statuses."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []

    def run(call):
        barrier.wait()
        statuses.append(call())

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def count(model, *where) -> int:
    try:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))
    finally:
        db.session.rollback()  # end the read: on SQLite this thread's transaction holds the lock


def score(user_id: int) -> int:
    try:
        return db.session.get(MemberScore, user_id).all_time
    finally:
        db.session.rollback()


def test_twenty_members_marking_one_post_at_once_leave_one_event_each(live_server, make):
    author_id = make.user("author").id
    post_id = make.reply(make.thread(title="Popular"), db.session.get(User, author_id)).id
    member_ids = [make.user(f"marker{i}").id for i in range(MEMBERS)]
    db.session.rollback()
    openers = [browser(live_server.url, f"marker{i}") for i in range(MEMBERS)]
    url = f"{live_server.url}/p/{post_id}"

    statuses = all_at_once([lambda o=o: post(o, url + "/helpful") for o in openers])
    assert statuses == [303] * MEMBERS
    assert count(HelpfulMark) == MEMBERS
    live = ContributionEvent.reversed_at.is_(None)
    assert count(ContributionEvent, live) == MEMBERS
    actors = db.session.scalars(select(ContributionEvent.actor_id)).all()
    db.session.rollback()
    assert sorted(actors) == sorted(member_ids)
    assert score(author_id) == 10 * MEMBERS

    # Each member now shares twice at once (a double click): still one share each.
    calls = [lambda o=o: post(o, url + "/share") for o in openers for _ in range(2)]
    assert all_at_once(calls) == [303] * (2 * MEMBERS)
    assert count(Share) == MEMBERS
    assert count(ContributionEvent, live, ContributionEvent.kind == "shared") == MEMBERS
    assert score(author_id) == 15 * MEMBERS


@pytest.mark.parametrize("model", [HelpfulMark, Share])
def test_the_database_itself_refuses_a_second_mark_or_share(app, make, model):
    member = make.user("member")
    post_id = make.reply(make.thread(title="T"), make.user("author")).id
    db.session.add(model(post_id=post_id, user_id=member.id))
    db.session.commit()
    db.session.add(model(post_id=post_id, user_id=member.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(model) == 1
