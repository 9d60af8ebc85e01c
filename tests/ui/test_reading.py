"""A member comes back to a busy forum, in a real browser: "N new" on the home page, the jump to
the first unread reply, the timeline of the people they follow (and its private feed, read by a
feed reader), and their relationships on their own profile."""
import re
import urllib.request
from datetime import timedelta

import feedparser
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from forum.contribution import services as contribution
from forum.contribution.models import ContributionEvent
from forum.extensions import db
from forum.timeutil import utcnow

PER_PAGE = 4


@pytest.fixture
def app(app_factory):
    app = app_factory(POSTS_PER_PAGE=PER_PAGE)
    with app.app_context():
        yield app


def test_a_member_catches_up_on_a_busy_forum(page, make, settle, log_in, screenshot):
    make.user("ada")
    bo, cy = make.user("bo"), make.user("cy")
    help_ = make.category("help", "Help")
    busy = make.thread(bo, help_, title="Which index for a busy listing?", body="Twenty thousand threads.")
    for i in range(2):
        make.reply(busy, cy, f"Early reply {i}.")
    quiet = make.thread(cy, help_, title="A thread ada never opened")
    settle()

    log_in(page, "ada")
    page.goto(f"/t/{busy.id}")  # ada reads all of it: positions 1-3
    expect(page.get_by_text("Early reply 1.")).to_be_visible()

    later = [make.reply(busy, bo if i % 2 else cy, f"While you were away, reply {i}.")
             for i in range(6)]  # positions 4-9: page 1 ends at 5, page 2 holds 6-9
    settle()
    page.goto("/")
    busy_item = page.locator(".thread-item", has_text="Which index for a busy listing?")
    unread = busy_item.get_by_role("link", name=re.compile(r"^6 new"))
    expect(unread).to_be_visible()
    expect(page.locator(".thread-item", has_text="A thread ada never opened")
           .locator(".badge-new")).to_have_text("New")
    screenshot(page, "reading-home-new")

    unread.click()  # the first unread reply is position 4, the last reply of page 1
    expect(page).to_have_url(re.compile(rf"/t/{busy.id}/[^?#]*#post-{later[0].id}$"))
    expect(page.locator(f"#post-{later[0].id}")).to_be_in_viewport()
    page.goto("/")
    page.locator(".thread-item", has_text="Which index").get_by_role(
        "link", name=re.compile(r"^4 new")).click()  # page 1 read: the rest starts on page 2
    expect(page).to_have_url(re.compile(rf"\?page=2#post-{later[2].id}$"))
    expect(page.locator(f"#post-{later[2].id}")).to_be_in_viewport()
    screenshot(page, "reading-first-unread")
    page.goto("/")
    expect(page.locator(".thread-item", has_text="Which index").locator(".badge-unread")).to_have_count(0)

    # Mark all read on the category: the thread never opened is no longer new.
    page.goto("/c/help")
    page.get_by_role("button", name="Mark all read").click()
    expect(page).to_have_url(re.compile(r"/c/help$"))
    expect(page.locator(".badge-new")).to_have_count(0)
    assert quiet


def test_a_member_follows_people_and_reads_them_on_the_site_and_in_a_feed_reader(
        page, make, settle, log_in, screenshot, live_server):
    make.user("ada")
    bo, cy = make.user("bo"), make.user("cy")
    thread = make.thread(bo, title="Bo's notes on WAL mode", body="Readers never block writers.")
    make.reply(thread, cy, "Cy is not followed.")
    make.reply(thread, bo, "Bo adds a footnote on checkpoints.")
    settle()

    log_in(page, "ada")
    page.goto("/u/bo")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Following")).to_be_visible()
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Following").click()
    expect(page.get_by_role("heading", level=1, name="Following")).to_be_visible()
    items = page.locator(".timeline > li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("bo replied in “Bo's notes on WAL mode”")
    expect(items.first).to_contain_text("Bo adds a footnote on checkpoints.")
    expect(page.get_by_text("Cy is not followed.")).to_have_count(0)
    screenshot(page, "reading-following")

    page.get_by_role("link", name="your settings").click()
    page.get_by_role("button", name="Make a private feed address").click()
    expect(page).to_have_url(re.compile(r"#private-feed$"))
    expect(page.locator("code.feed-url")).to_be_in_viewport()
    address = page.locator("code.feed-url").inner_text().strip()
    assert address.startswith(live_server.url + "/following/")
    screenshot(page, "reading-feed-address")

    # A feed reader: no cookies, just the address.
    with urllib.request.urlopen(address, timeout=10) as response:
        feed = feedparser.parse(response.read())
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == ["Re: Bo's notes on WAL mode",
                                                       "Bo's notes on WAL mode"]
    page.goto("/settings#private-feed")
    page.get_by_role("button", name="Revoke it").click()
    expect(page.get_by_text("You have no private feed address.")).to_be_visible()
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(address, timeout=10)
    assert gone.value.code == 404


def test_a_member_sees_their_relationships_and_a_quiet_prompt(page, make, settle, log_in,
                                                              screenshot):
    ada, bo, cy, dee = (make.user(name) for name in ("ada", "bo", "cy", "dee"))
    asked = make.thread(ada, title="Ada's question")
    for helper, days in ((bo, 3), (cy, 50), (dee, 150)):
        reply = make.reply(asked, helper, f"{helper.username} answers.")
        contribution.toggle_helpful(reply.id, ada)
        db.session.execute(update(ContributionEvent).where(
            ContributionEvent.beneficiary_id == helper.id)
            .values(created_at=utcnow() - timedelta(days=days)))
    bo_thread = make.thread(bo, title="Bo's question")
    contribution.toggle_helpful(make.reply(bo_thread, ada, "Ada answers Bo.").id, bo)
    make.thread(cy, title="Cy needs a hand with migrations")  # recent, unanswered
    settle()

    log_in(page, "ada")
    page.goto("/u/ada")
    section = page.get_by_role("region", name="Relationships")
    rows = section.locator(".relationship-list").first.locator("li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("bo")
    expect(rows.nth(0)).to_contain_text("gave 1 time (10 points) · received 1 time (10 points)")
    expect(rows.nth(0).locator(".relationship-state")).to_have_text("fresh")
    expect(rows.nth(1).locator(".relationship-state")).to_have_text("fading")
    expect(section.get_by_text("1 stale relationship")).to_be_visible()
    prompt = section.get_by_role("note")
    expect(prompt).to_contain_text("Cy needs a hand with migrations")
    section.get_by_text("1 stale relationship").click()
    expect(section.get_by_role("link", name="dee")).to_be_visible()
    screenshot(page, "reading-relationships")

    # Someone else looking at ada's profile sees the relationships, not the prompt.
    page.goto("/u/bo")
    expect(page.get_by_role("region", name="Relationships").get_by_role("note")).to_have_count(0)
