"""Verifying an incoming link while something else decides on it.

``verify_link`` used to read the link, fetch the source (up to 10 s), and write its verdict
over the link it had read: a moderator's reject made meanwhile was overwritten, and two jobs
for one link both approved it and both awarded the points. The source here answers only when
the test lets it, so the two sides meet exactly where they used to collide.
"""
import logging
import threading
import xmlrpc.client

import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.contribution.models import ContributionEvent
from forum.extensions import db
from forum.links.jobs import verify_link
from forum.links.models import Link
from forum.links.services import receive_ping
from tests.conftest import Make
from tests.interleave import TIMEOUT, interleave, member_client, write_lock_held

PAGE = "<html><head><title>A post</title></head><body><p>I liked <a href='{0}'>this</a>.</p>"


def link_row(link_id):
    db.session.remove()
    return db.session.get(Link, link_id)


def received(app, source, target):
    with app.test_request_context():
        link_id, _verify = receive_ping("webmention", source, target)
    return link_id


def in_app(app, call):
    def run():
        with app.app_context():
            call()
    return threading.Thread(target=run)


def test_two_verifications_of_one_link_approve_it_once(app, make, site):
    app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}), LINKS_AUTO_APPROVE=True)
    thread = make.thread(make.user("ada"), title="Target", body="Hello.")
    target = f"http://localhost/t/{thread.id}"
    both_fetching = threading.Barrier(2, timeout=TIMEOUT)

    def page(_method, _body):
        both_fetching.wait()  # neither job writes before both have read and fetched
        return 200, {"Content-Type": "text/html"}, PAGE.format(target)

    site.pages["/post"] = page
    link_id = received(app, site.url + "/post", target)
    db.session.remove()
    verifiers = [in_app(app, lambda: verify_link(link_id)) for _ in range(2)]
    for verifier in verifiers:
        verifier.start()
    for verifier in verifiers:
        verifier.join(3 * TIMEOUT)
    assert link_row(link_id).status == "approved"
    points = db.session.scalar(select(func.count()).select_from(ContributionEvent).where(
        ContributionEvent.link_id == link_id, ContributionEvent.reversed_at.is_(None)))
    assert points == 1


def test_a_moderators_reject_during_a_verification_stands(app, make, site):
    app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}))
    make.user("mona", role="moderator")
    thread = make.thread(make.user("ada"), title="Target", body="Hello.")
    target = f"http://localhost/t/{thread.id}"
    site.page("/post", PAGE.format(target))
    link_id = received(app, site.url + "/post", target)
    jobs.enqueue(verify_link, link_id)
    jobs.drain(app)
    assert link_row(link_id).status == "pending"

    # The source is being fetched again (a repeated Webmention) when the moderator rejects it;
    # then it answers 410, which would take a shown link off its thread.
    fetching, answer = threading.Event(), threading.Event()

    def gone(_method, _body):
        fetching.set()
        answer.wait(TIMEOUT)
        return 410, {}, b"gone"

    site.pages["/post"] = gone
    verifier = in_app(app, lambda: verify_link(link_id))
    verifier.start()
    assert fetching.wait(TIMEOUT)
    moderator = member_client(app, "mona")
    assert moderator.post(f"/mod/links/{link_id}/reject").status_code == 303
    answer.set()
    verifier.join(3 * TIMEOUT)
    link = link_row(link_id)
    assert link.status == "rejected"


@pytest.fixture
def pinged(app, make, site):
    """A thread and a page of ``site`` that links to it (allowed as an outbound host)."""
    app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}))
    thread = make.thread(make.user("ada"), title="Target", body="Hello.")
    target = f"http://localhost/t/{thread.id}"
    source = site.page("/post", f"<html><head><title>A post</title></head><body>"
                                f"<p>I liked <a href='{target}'>this</a>.</p></body></html>")
    return source, target


def test_two_identical_pings_at_once_make_one_link_and_a_fault_48(app, pinged):
    source, target = pinged
    first, second = app.test_client(), app.test_client()
    body = xmlrpc.client.dumps((source, target), "pingback.ping")

    def ping(client):
        return lambda: client.post("/xmlrpc", data=body, content_type="text/xml")

    outcome = interleave(ping(first), ping(second))
    assert not outcome.errors, outcome.errors
    assert (outcome.first.status_code, outcome.second.status_code) == (200, 200)
    xmlrpc.client.loads(outcome.first.data)  # a success
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(outcome.second.data)
    assert fault.value.faultCode == 48
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Link)
                             .where(Link.kind == "pingback")) == 1


class Heard(logging.Handler):
    """Sets ``event`` when a log record's message contains ``words``."""

    def __init__(self, words: str):
        super().__init__()
        self.words = words
        self.event = threading.Event()

    def emit(self, record):
        if self.words in record.getMessage():
            self.event.set()


def test_a_job_that_meets_the_lock_runs_again_and_no_link_stays_verifying(sqlite_app, site):
    make = Make(sqlite_app)
    sqlite_app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}))
    thread = make.thread(title="Target", body="Hello.")
    target = f"http://localhost/t/{thread.id}"
    site.page("/post", f"<html><body><a href='{target}'>this</a></body></html>")
    with sqlite_app.test_request_context():
        link_id, _ = receive_ping("webmention", site.url + "/post", target)
    db.session.commit()
    heard = Heard("running it again")
    logging.getLogger("forum.jobs").addHandler(heard)
    try:
        with write_lock_held():
            jobs.enqueue(verify_link, link_id)
            assert heard.event.wait(20), "the job never met the lock"
        jobs.drain(sqlite_app)
    finally:
        logging.getLogger("forum.jobs").removeHandler(heard)
    db.session.commit()
    assert db.session.get(Link, link_id).status == "pending"
