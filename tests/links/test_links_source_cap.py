"""Incoming links count at most 5 events per source site and target post per 7 days, recorded
with the site's host as the actor, so the cap and the ledger explain them."""
from sqlalchemy import select

from forum.contribution import ledger
from forum.contribution.models import ContributionEvent, MemberScore
from forum.extensions import db
from forum.links.models import Link
from tests.links.test_links_incoming import run_jobs, source_html, thread, webmention  # noqa: F401

PAGES = 7


def test_seven_webmentions_from_one_site_to_one_post_count_five(app, client, thread, site):
    app.config.update(OUTBOUND_ALLOW_HOSTS=frozenset({site.host}), LINKS_AUTO_APPROVE=True)
    target = f"http://localhost/t/{thread.id}"
    for i in range(PAGES):
        site.page(f"/post{i}", source_html(target))
        assert webmention(client, source=f"{site.url}/post{i}", target=target).status_code == 202
        run_jobs(app)  # one at a time: the verifying job and the next request never overlap
    assert [link.status for link in db.session.scalars(select(Link))] == ["approved"] * PAGES
    events = db.session.scalars(select(ContributionEvent).order_by(ContributionEvent.id)).all()
    assert [e.points for e in events] == [5] * 5 + [0] * (PAGES - 5)
    assert {e.source_host for e in events} == {"127.0.0.1"} and {e.actor_id for e in events} == {None}
    assert all("at most 5 events from one site to one post" in e.note for e in events[5:])
    assert db.session.get(MemberScore, thread.author_id).all_time == 25
    page = client.get(f"/u/{thread.author.username}").get_data(as_text=True)
    assert "127.0.0.1" in page and "Capped: at most 5 events from one site to one post" in page
    data = client.get(f"/api/v1/users/{thread.author.username}").get_json()["user"]
    assert {e["source_host"] for e in data["contribution"]["events"]} == {"127.0.0.1"}


def test_the_cap_is_per_site_and_per_post(app, make):
    author = make.user("author")
    thread = make.thread(author, title="T")
    other = make.reply(thread, author, "Another post of theirs.")
    opening_id = other.id - 1
    for host, post_id in [("a.example", opening_id)] * 6 + [("b.example", opening_id)] * 2 + [
            ("a.example", other.id)] * 2:
        ledger.record("pingback", author.id, None, post_id=post_id, source_host=host)
    db.session.commit()
    counted = db.session.execute(select(ContributionEvent.source_host, ContributionEvent.post_id,
                                        ContributionEvent.points)).all()
    assert sum(p for h, post, p in counted if (h, post) == ("a.example", opening_id)) == 25
    assert sum(p for h, post, p in counted if h == "b.example") == 10
    assert sum(p for h, post, p in counted if post == other.id) == 10
