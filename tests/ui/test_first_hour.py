"""A newcomer's first hour, with JavaScript on and off, at phone and desktop widths: the welcome
after registering, a thread started from the home page's category picker, an edit's history
read as text with its changes marked, and search results showing the words found."""
import re

from playwright.sync_api import expect

PASSWORD = "correct horse battery"


def test_a_new_member_is_welcomed_and_starts_a_thread_from_the_home_page(member_page, make, settle,
                                                                        look):
    make.category("help", "Help and how-to")
    make.category("community", "Running a community")
    settle()
    page = member_page
    page.goto("/register")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Email").fill("grace@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, grace")
    expect(page.get_by_role("link", name="Help and how-to")).to_be_visible()
    expect(page.get_by_role("link", name="How scores are made")).to_be_visible()
    look(page, "welcome")

    page.goto("/")
    page.get_by_role("link", name="New thread").click()
    page.get_by_label("Category").select_option(label="Running a community")
    page.get_by_label("Title").fill("Closing threads kindly")
    page.get_by_label("Opening post").fill("Say **why** it is closed.")
    page.get_by_role("button", name="Start the thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Closing threads kindly")
    expect(page.locator(".thread-header .breadcrumb")).to_have_text("Running a community")


def test_a_thread_cannot_start_without_a_category(member_page, make, settle, log_in):
    make.category("help", "Help and how-to")
    make.user("linus")
    settle()
    page = member_page
    log_in(page, "linus")
    page.goto("/new")
    page.get_by_label("Title").fill("Somewhere")
    page.get_by_label("Opening post").fill("Text that stays.")
    page.get_by_role("button", name="Start the thread").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a category")
    expect(page.get_by_label("Opening post")).to_have_value("Text that stays.")


def test_the_edit_history_shows_each_version_as_text_with_its_changes(member_page, make, settle,
                                                                     log_in, look):
    grace = make.user("grace")
    thread = make.thread(grace, title="Indentation", body="Use **tabs** for indenting code.")
    settle()
    page = member_page
    log_in(page, "grace")
    page.goto(f"/t/{thread.id}")
    page.locator(".opening-post details.post-menu > summary").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Text of the post").fill("Use **spaces** for indenting code.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Your changes are saved.")).to_be_visible()
    page.get_by_role("link", name="edited").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit history")
    current = page.locator(".revision").first
    expect(current.locator(".diff del")).to_have_text("**tabs**")
    expect(current.locator(".diff ins")).to_have_text("**spaces**")
    expect(current.locator(".post-body strong")).to_have_text("spaces")
    expect(page.locator(".revision").last.locator(".post-body strong")).to_have_text("tabs")
    expect(page.locator("pre")).to_have_count(0)
    look(page, "history")


def test_search_shows_the_words_found_in_their_context(member_page, make, settle, look):
    grace = make.user("grace")
    body = ("An opening that says nothing much. " * 12 +
            "Closing a heated thread needs a reason. " + "And then it goes on. " * 12)
    make.thread(grace, title="Long read", body=body)
    settle()
    page = member_page
    page.goto("/search?q=heated")
    result = page.locator(".search-results li").first
    expect(result.locator("mark")).to_have_text("heated")
    expect(result.locator(".search-excerpt")).to_contain_text(re.compile(r"^…"))
    look(page, "search")
