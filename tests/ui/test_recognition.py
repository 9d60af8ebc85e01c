"""Recognition in the browser: helpful marks, accepted answers, shares and follows change the
page in place (counts, badges, the author's score) and still work as plain forms without
JavaScript."""
import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def answered(make, settle):
    """grace asked; linus replied; margaret reads. URLs and ids as plain values."""
    grace, linus = make.user("grace"), make.user("linus")
    make.user("margaret")
    thread = make.thread(grace, title="Which signal matters most?", body="Helpful marks or accepts?")
    reply = make.reply(thread, linus, "The asker's own word that the problem is **solved**.")
    values = {"url": f"/t/{thread.id}", "post": f"#post-{reply.id}"}
    settle()
    return values


def author_score(post, username):
    return post.locator(f"[data-author-score='{username}'] [data-score]")


def test_helpful_mark_updates_the_count_and_the_authors_score_without_a_reload(
        page, answered, log_in, no_reload):
    log_in(page, "margaret")
    page.goto(answered["url"])
    post = page.locator(answered["post"])
    expect(post.locator(".helpful-count")).to_have_text("")  # no count until there is one
    expect(author_score(post, "linus")).to_have_text("0")

    no_reload.mark(page)
    post.get_by_role("button", name=re.compile(r"^Helpful")).click()
    expect(post.locator(".helpful-count")).to_have_text("1")
    expect(author_score(post, "linus")).to_have_text("10")
    expect(post.get_by_role("button", name=re.compile("Marked helpful"))).to_have_attribute(
        "aria-pressed", "true")
    no_reload.check(page)

    page.reload()  # it was stored, not only drawn
    expect(post.locator(".helpful-count")).to_have_text("1")
    post.get_by_role("button", name=re.compile("Marked helpful")).click()  # and it toggles back
    expect(post.locator(".helpful-count")).to_have_text("")
    expect(author_score(post, "linus")).to_have_text("0")


def test_the_asker_accepts_an_answer_and_it_is_marked_as_accepted(page, answered, log_in, no_reload):
    log_in(page, "grace")
    page.goto(answered["url"])
    post = page.locator(answered["post"])
    no_reload.mark(page)
    post.get_by_role("button", name="Accept").click()
    expect(post.get_by_text("Accepted answer")).to_be_visible()
    expect(post).to_have_class(re.compile(r"\baccepted\b"))
    expect(author_score(post, "linus")).to_have_text("15")
    no_reload.check(page)
    page.reload()
    expect(page.locator(answered["post"]).get_by_text("Accepted answer")).to_be_visible()
    page.get_by_role("link", name=re.compile("Answered")).click()  # the header leads to it
    expect(page).to_have_url(re.compile(re.escape(answered["post"]) + "$"))


def test_a_member_shares_a_reply_once(page, answered, log_in, no_reload):
    log_in(page, "margaret")
    page.goto(answered["url"])
    post = page.locator(answered["post"])
    no_reload.mark(page)
    post.get_by_role("button", name=re.compile(r"^Share")).focus()  # by keyboard, this time
    page.keyboard.press("Enter")
    expect(post.locator(".share-count")).to_have_text("1")
    expect(post.get_by_role("button", name=re.compile(r"^Shared"))).to_be_disabled()
    expect(author_score(post, "linus")).to_have_text("5")
    no_reload.check(page)


def test_a_member_follows_another_from_the_profile(page, answered, log_in, no_reload):
    log_in(page, "margaret")
    page.goto("/u/linus")
    expect(page.locator(".follow-counts .followers")).to_have_text("0 followers")
    no_reload.mark(page)
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Following")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".follow-counts .followers")).to_have_text("1 follower")
    no_reload.check(page)


def test_without_javascript_every_action_is_a_plain_form(page_without_js, answered, log_in):
    page = page_without_js
    log_in(page, "grace")
    page.goto(answered["url"])
    page.locator(answered["post"]).get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(re.escape(answered["url"])))
    expect(page.locator(answered["post"]).get_by_text("Accepted answer")).to_be_visible()
    page.locator(answered["post"]).get_by_role("button", name=re.compile(r"^Helpful")).click()
    expect(page.locator(answered["post"]).locator(".helpful-count")).to_have_text("1")
    page.goto("/u/linus")
    page.get_by_role("button", name="Follow").click()
    expect(page.locator(".follow-counts .followers")).to_have_text("1 follower")
    page.goto(answered["url"])
    expect(page.get_by_role("button", name="Preview")).to_have_count(0)  # a script's button only
