"""A visitor's first journey in a real browser: register, log in, start a thread with a
Markdown preview, reply. Every step is what a person does: fill labelled fields, press
buttons, read the page."""
import re

from playwright.sync_api import expect

PASSWORD = "correct horse battery"


def test_visitor_registers_starts_a_thread_with_a_preview_and_replies(page, make, settle, no_reload):
    make.category("help", "Help and how-to")
    settle()

    page.goto("/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Email").fill("grace@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, grace")
    expect(page.get_by_role("navigation", name="Site").get_by_role("link", name="grace")).to_be_visible()
    expect(page.get_by_role("link", name="How scores are made")).to_have_attribute(
        "href", "/leaderboard#how-scores")

    page.get_by_role("link", name="Help and how-to").click()
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Title").fill("How do I cite a reply?")
    page.get_by_label("Opening post").fill("Use **permalinks**, like <script>alert(1)</script> this.")
    no_reload.mark(page)
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("strong")).to_have_text("permalinks")
    expect(preview.locator("script")).to_have_count(0)
    no_reload.check(page)
    page.get_by_label("Opening post").press("End")
    page.get_by_label("Opening post").type(" And _dates_.")
    expect(preview).to_contain_text("earlier version")
    page.get_by_role("button", name="Preview").click()
    expect(preview.locator("em")).to_have_text("dates")
    page.get_by_label("Tags").fill("links, how-to")
    page.get_by_role("button", name="Start the thread").click()

    expect(page).to_have_url(re.compile(r"/t/\d+"))
    expect(page.get_by_role("heading", level=1)).to_have_text("How do I cite a reply?")
    expect(page.locator(".opening-post strong")).to_have_text("permalinks")

    page.get_by_label("Your reply").fill("Answering my own question: the **time** is the permalink.")
    page.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(r"#post-\d+$"))
    expect(page.locator(".comment").last.locator("strong")).to_have_text("time")
    expect(page.get_by_role("heading", name="1 reply")).to_be_visible()


def test_preview_of_an_empty_reply_says_what_is_wrong_and_keeps_the_form(page, make, settle, log_in):
    thread = make.thread(title="Quiet thread")
    make.user("linus")
    url = f"/t/{thread.id}"
    settle()
    log_in(page, "linus")
    page.goto(url)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("region", name="Preview")).to_contain_text("Write something first")
    expect(page.get_by_label("Your reply")).to_be_editable()


def test_member_logs_in_and_out(page, make, settle, log_in):
    make.user("linus")
    settle()
    log_in(page, "linus")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_wrong_password_shows_the_form_again_with_a_message(page, make, settle):
    make.user("linus")
    settle()
    page.goto("/login")
    page.get_by_label("Username or email").fill("linus")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    expect(page.get_by_label("Username or email")).to_have_value("linus")


def test_the_whole_journey_works_by_keyboard(page, make, settle):
    make.user("linus")
    settle()
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.goto("/login")
    page.get_by_label("Username or email").focus()
    page.keyboard.type("linus")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Site").get_by_role("link", name="linus")).to_be_visible()
