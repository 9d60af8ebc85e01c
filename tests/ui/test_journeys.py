"""A member's journeys through the forum in a real browser (Chromium via Playwright).

Every step is what a person does: fill labelled fields, press buttons, read the page. Where a
step promises "without a reload", the test proves the page was not reloaded by leaving a mark
on ``window`` that a navigation would wipe.
"""
import re

from playwright.sync_api import expect

from forum.extensions import db

PASSWORD = "correct horse battery"


def settle():
    """End the test thread's transaction: SQLite lets only one writer hold the database."""
    db.session.commit()


def log_in(page, username, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Site").get_by_role("link", name=username)).to_be_visible()


def mark_no_reload(page):
    page.evaluate("window.__stillHere = true")


def assert_no_reload(page):
    assert page.evaluate("window.__stillHere === true"), "the page was reloaded"


def test_visitor_registers_starts_a_thread_with_a_preview_and_replies(page, make):
    make.category("help", "Help and how-to")
    settle()

    page.goto("/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Email").fill("grace@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("navigation", name="Site").get_by_role("link", name="grace")).to_be_visible()

    page.get_by_role("link", name="Help and how-to").click()
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Title").fill("How do I cite a reply?")
    page.get_by_label("Opening post").fill("Use **permalinks**, like <script>alert(1)</script> this.")
    mark_no_reload(page)
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("strong")).to_have_text("permalinks")
    expect(preview.locator("script")).to_have_count(0)
    assert_no_reload(page)
    page.get_by_label("Tags").fill("links, how-to")
    page.get_by_role("button", name="Start the thread").click()

    expect(page).to_have_url(re.compile(r"/t/\d+"))
    expect(page.get_by_role("heading", level=1)).to_have_text("How do I cite a reply?")
    expect(page.locator(".opening-post strong")).to_have_text("permalinks")

    page.get_by_label("Your reply").fill("Answering my own question: the **time** is the permalink.")
    page.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(r"#post-\d+$"))
    reply = page.locator(".comment").last
    expect(reply.locator("strong")).to_have_text("time")
    expect(page.get_by_role("heading", name="1 reply")).to_be_visible()


def test_member_logs_in_and_out(page, make):
    make.user("linus")
    settle()
    log_in(page, "linus")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_wrong_password_shows_the_form_again_with_a_message(page, make):
    make.user("linus")
    settle()
    page.goto("/login")
    page.get_by_label("Username or email").fill("linus")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
