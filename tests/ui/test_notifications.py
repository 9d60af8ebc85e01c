"""The bell, @mentions and watching in a real browser, at phone and desktop widths."""
import pytest
from playwright.sync_api import expect

from forum import jobs

WIDTHS = [pytest.param({"width": 390, "height": 844}, id="390"),
          pytest.param({"width": 1280, "height": 900}, id="1280")]


@pytest.fixture
def app(app_factory):
    app = app_factory(NOTIFICATIONS_POLL_SECONDS=1)
    with app.app_context():
        yield app


@pytest.fixture
def story(make, settle):
    grace, linus = make.user("grace"), make.user("linus")
    make.user("margaret")
    thread = make.thread(grace, title="Which signal matters most?", body="Helpful marks or accepts?")
    values = {"thread": thread, "url": f"/t/{thread.id}", "linus": linus}
    settle()
    return values


@pytest.mark.parametrize("viewport", WIDTHS)
def test_the_bell_counts_up_without_a_reload_and_leads_to_the_notification(
        page, story, log_in, make, settle, app, viewport, no_reload):
    page.set_viewport_size(viewport)
    log_in(page, "grace")
    page.goto(story["url"])
    bell = page.get_by_role("link", name="Notifications: 0 unread")
    expect(bell).to_be_visible()
    box = bell.bounding_box()
    assert box["x"] + box["width"] <= viewport["width"]  # fits the header at this width
    no_reload.mark(page)
    make.reply(story["thread"], story["linus"], "The accepted answer, surely.")
    jobs.drain(app)
    settle()
    expect(page.get_by_role("link", name="Notifications: 1 unread")).to_be_visible()
    expect(page.locator(".bell-count")).to_have_text("1")
    no_reload.check(page)
    page.get_by_role("link", name="Notifications: 1 unread").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    page.get_by_role("link", name="linus replied in “Which signal matters most?”").click()
    expect(page.get_by_text("The accepted answer, surely.")).to_be_visible()
    page.goto("/notifications")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("link", name="Notifications: 0 unread")).to_be_visible()


@pytest.mark.parametrize("viewport", WIDTHS)
def test_mentions_suggest_names_and_link_the_member(page, story, log_in, viewport, app):
    page.set_viewport_size(viewport)
    log_in(page, "linus")
    page.goto(story["url"])
    body = page.locator("textarea[name=body]")
    body.click()
    body.press_sequentially("Thanks @mar")
    option = page.get_by_role("option", name="@margaret")
    expect(option).to_be_visible()
    body.press("Enter")
    expect(body).to_have_value("Thanks @margaret ")
    body.press_sequentially("and `@grace` in code.")
    page.get_by_role("button", name="Post reply").click()
    mention = page.locator("a.mention", has_text="@margaret")
    expect(mention).to_have_attribute("href", "/u/margaret")
    expect(page.locator("code", has_text="@grace")).to_be_visible()
    assert page.locator("a.mention", has_text="@grace").count() == 0


@pytest.mark.parametrize("viewport", WIDTHS)
def test_watching_is_shown_and_changed_on_thread_and_category_pages(page, story, log_in, viewport):
    page.set_viewport_size(viewport)
    log_in(page, "margaret")
    page.goto(story["url"])
    level = page.get_by_label("Notifications", exact=True)
    expect(level).to_have_value("normal")
    level.select_option("muted")
    page.locator(".watch-form").get_by_role("button", name="Save").click()
    expect(page.get_by_label("Notifications", exact=True)).to_have_value("muted")
    expect(page.get_by_text("You hear of nothing here.")).to_be_visible()
    page.goto("/c/default")
    page.get_by_label("Notifications", exact=True).select_option("watching")
    page.locator(".watch-form").get_by_role("button", name="Save").click()
    expect(page.get_by_label("Notifications", exact=True)).to_have_value("watching")
    page.goto(story["url"])  # the thread's own level wins over the category's
    expect(page.get_by_label("Notifications", exact=True)).to_have_value("muted")
