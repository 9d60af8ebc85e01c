"""Cross-linking and feeds in the browser: a thread that another thread links to shows a
"Pingback:" entry, set apart from its replies; a thread's feed link leads to a valid feed."""
import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def cited(make, settle):
    grace = make.user("grace")
    make.user("linus")
    category = make.category("recognition", "Recognition")
    thread = make.thread(grace, category, title="Why rank by helpfulness?", body="What to measure?")
    make.reply(thread, grace, "Accepted answers, mostly.")
    url = f"/t/{thread.id}"
    settle()
    return url


def test_a_thread_linked_from_another_shows_a_pingback_apart_from_replies(page, cited, log_in,
                                                                        live_server):
    log_in(page, "linus")
    page.goto("/c/recognition")
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Title").fill("Pingbacks were the best part of blogs")
    page.get_by_label("Opening post").fill(
        f"The [thread on ranking]({live_server.url}{cited}) says it well: value over reach.")
    page.get_by_role("button", name="Start the thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pingbacks were the best part of blogs")

    page.goto(cited)
    entry = page.get_by_text("Pingback: Pingbacks were the best part of blogs")
    for _ in range(20):  # the link may be recorded by a background job
        if entry.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(entry).to_be_visible()
    expect(page.locator(".pingbacks")).to_contain_text("value over reach")
    expect(page.locator(".comment-list")).not_to_contain_text("Pingback:")
    page.locator(".pingbacks").get_by_role("link", name="Pingbacks were the best part of blogs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pingbacks were the best part of blogs")


def test_a_threads_feed_link_opens_its_atom_feed(page, cited):
    page.goto(cited)
    link = page.locator('head link[rel="alternate"][type="application/atom+xml"][href*="/t/"]')
    href = link.get_attribute("href")
    assert re.search(r"/t/\d+/feed\.atom$", href), href
    visible = page.locator("main").get_by_role("link", name=re.compile("Atom"))
    expect(visible).to_have_attribute("href", re.compile(r"/t/\d+/feed\.atom$"))
    response = page.request.get(href)
    assert response.status == 200
    assert "atom" in response.headers["content-type"]
    feed = response.text()
    assert "<feed" in feed and "Accepted answers, mostly." in feed
    page.goto(href)  # and a browser opens it without an error
