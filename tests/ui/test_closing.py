"""Moderation in the browser: closing with a reason puts "Comments are closed." where the
reply form was; reopening brings the form back; pinning puts a thread on the front page."""
import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def heated(make, settle):
    make.user("ada", role="moderator")
    linus, grace = make.user("linus"), make.user("grace")
    thread = make.thread(grace, title="Tabs or spaces, once and for all",
                         body="Settle it here, **kindly**: which do you indent with, and why?")
    make.reply(thread, linus, "Tabs: each reader picks the width they like.")
    make.reply(thread, grace, "Spaces: the code looks the same everywhere it is pasted.")
    url = f"/t/{thread.id}"
    settle()
    return url


def test_moderator_closes_a_thread_and_members_see_comments_are_closed(browser, page, heated, log_in,
                                                                      screenshot):
    log_in(page, "ada")
    page.goto(heated)
    page.get_by_text(re.compile(r"^Close thread")).first.click()  # the disclosure
    page.locator(".thread-tools").get_by_label(re.compile("Reason")).fill("Both sides have been heard; see the style guide.")
    page.get_by_role("button", name="Close thread").click()
    expect(page.get_by_text("Comments are closed.")).to_be_visible()
    expect(page.get_by_text("Both sides have been heard; see the style guide.")).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_count(0)

    member = browser.new_page()
    log_in(member, "linus")
    member.goto(heated)
    expect(member.get_by_text("Comments are closed.")).to_be_visible()
    expect(member.get_by_label("Your reply")).to_have_count(0)
    screenshot(member, "thread-closed")
    member.goto("/")
    expect(member.locator(".thread-item", has_text="Tabs or spaces").get_by_text("Closed")).to_be_visible()


def test_moderator_reopens_a_closed_thread(page, heated, log_in):
    log_in(page, "ada")
    page.goto(heated)
    page.get_by_text(re.compile(r"^Close thread")).first.click()
    page.locator(".thread-tools").get_by_label(re.compile("Reason")).fill("Cooling off.")
    page.get_by_role("button", name="Close thread").click()
    expect(page.get_by_text("Comments are closed.")).to_be_visible()
    page.get_by_role("button", name=re.compile("Reopen")).click()
    expect(page.get_by_label("Your reply")).to_be_visible()
    expect(page.get_by_text("Comments are closed.")).to_have_count(0)


def test_moderator_pins_a_thread_to_the_front_page(page, heated, log_in):
    log_in(page, "ada")
    page.goto(heated)
    page.get_by_role("button", name=re.compile("^Pin")).click()
    page.goto("/")
    pinned = page.get_by_role("region", name="Pinned")
    expect(pinned.get_by_role("link", name="Tabs or spaces, once and for all")).to_be_visible()
