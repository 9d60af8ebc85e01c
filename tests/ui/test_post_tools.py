"""What a member does to posts and threads, and what the page says back, where they look:
pages in reading order, the tools menu (quote, edit, delete with a confirmation, flag),
editing a thread's title and tags, the moderators' waiting count. With JavaScript on and off,
at phone and desktop widths."""
import re

import pytest
from playwright.sync_api import expect



@pytest.fixture
def app(app_factory):
    """Three replies a page, so that a short thread has pages."""
    app = app_factory(POSTS_PER_PAGE=3)
    with app.app_context():
        yield app


@pytest.fixture
def talk(make, settle):
    grace, linus = make.user("grace"), make.user("linus")
    make.user("ada", role="moderator")
    thread = make.thread(grace, title="Tabs or spaces", body="Which do you **indent** with?",
                         tags="style")
    replies = [make.reply(thread, linus if i % 2 else grace, f"Reply number {i + 1}.")
               for i in range(7)]
    settle()
    return {"thread": thread, "url": f"/t/{thread.id}", "replies": replies}


def open_menu(post):
    post.locator("details.post-menu > summary").click()


def test_thread_pages_read_oldest_first_with_numbers_and_a_jump_to_the_latest(member_page, talk,
                                                                             log_in, look):
    page = member_page
    log_in(page, "linus")
    page.goto(talk["url"])
    expect(page.locator(".comment").first).to_contain_text("Reply number 1.")
    pages = page.get_by_role("navigation", name="Pages").first
    expect(pages.get_by_role("link", name="Later replies →")).to_be_visible()
    expect(pages.get_by_role("link", name="← Earlier replies")).to_have_count(0)
    expect(pages.locator("[aria-current=page]")).to_have_text("Page 1")
    pages.get_by_role("link", name="Page 2").click()
    expect(page.locator(".comment").first).to_contain_text("Reply number 4.")
    expect(page.get_by_role("navigation", name="Pages").first
           .get_by_role("link", name="← Earlier replies")).to_be_visible()
    page.get_by_role("link", name="Jump to the latest reply ↓").click()
    expect(page).to_have_url(re.compile(rf"page=3#post-{talk['replies'][-1].id}$"))
    expect(page.locator(".comment").last).to_contain_text("Reply number 7.")
    look(page, "thread-page-3")

    page.goto("/")
    page.locator(".thread-item", has_text="Tabs or spaces").get_by_role("link", name=re.compile("last reply")).click()
    expect(page).to_have_url(re.compile(rf"#post-{talk['replies'][-1].id}$"))


def test_deleting_a_reply_asks_first_and_says_it_is_done(member_page, talk, log_in):
    page = member_page
    log_in(page, "grace")
    page.goto(talk["url"])
    post = page.locator(".comment", has_text="Reply number 1.")
    open_menu(post)
    post.get_by_text("Delete…").click()
    expect(post.get_by_text("Delete this reply? This cannot be undone.")).to_be_visible()
    post.get_by_role("button", name="Delete the reply").click()
    expect(page.get_by_role("status").filter(has_text="The reply is deleted.")).to_be_visible()
    expect(page.get_by_text("Reply number 1.")).to_have_count(0)


def test_flagging_says_thank_you_beside_the_post(member_page, talk, log_in, look):
    page = member_page
    log_in(page, "linus")
    page.goto(talk["url"] + "?page=2")
    post = page.locator(".comment", has_text="Reply number 5.")
    open_menu(post)
    post.get_by_text("Flag…").click()
    post.get_by_label("What is wrong with this post?").fill("Off topic.")
    post.get_by_role("button", name="Flag for moderators").click()
    flagged = page.locator(".comment", has_text="Reply number 5.")
    thanks = flagged.get_by_role("status").filter(has_text="the moderators will look at this post")
    expect(thanks).to_be_visible()
    expect(thanks).to_be_in_viewport()
    look(page, "flagged")

    page.get_by_role("button", name="Log out").click()
    log_in(page, "ada")
    expect(page.get_by_role("link", name=re.compile(r"Moderation 1"))).to_be_visible()


def test_quote_puts_the_post_in_the_reply_with_a_link_back(member_page, talk, log_in):
    page = member_page
    log_in(page, "linus")
    page.goto(talk["url"])
    post = page.locator(".opening-post")
    if page.js:  # quote the selected words only
        post.locator(".post-body strong").evaluate(
            "e => { const r = document.createRange(); r.selectNodeContents(e);"
            " const s = getSelection(); s.removeAllRanges(); s.addRange(r); }")
    open_menu(post)
    post.get_by_role("link", name="Quote").click()
    reply = page.get_by_label("Your reply", exact=True)
    expected = "> indent" if page.js else "> Which do you **indent** with?"
    expect(reply).to_have_value(re.compile(r"^\[grace wrote\]\(/p/\d+\):\n\n" + re.escape(expected)))
    page.get_by_role("button", name="Post reply").click()
    newest = page.locator(".comment").last
    expect(newest.locator("blockquote")).to_contain_text("indent")
    expect(newest.get_by_role("link", name="grace wrote")).to_be_visible()


def test_the_author_edits_the_title_and_tags_of_their_thread(member_page, talk, log_in):
    page = member_page
    log_in(page, "grace")
    page.goto(talk["url"])
    tools = page.get_by_role("group", name="Your thread")
    expect(tools).to_be_visible()
    expect(page.get_by_role("group", name="Moderation")).to_have_count(0)
    tools.get_by_role("link", name="Edit title and tags").click()
    page.get_by_label("Title").fill("Tabs or spaces: settled")
    page.get_by_label("Tags").fill("style, editors")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tabs or spaces: settled")
    expect(page.get_by_role("link", name="#editors")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="title and tags are saved")).to_be_visible()


def test_another_member_cannot_edit_the_title(page, talk, log_in):
    log_in(page, "linus")
    page.goto(talk["url"])
    expect(page.get_by_role("link", name="Edit title and tags")).to_have_count(0)
    response = page.goto(f"/t/{talk['thread'].id}/edit")
    assert response.status == 403


def test_marking_a_reply_helpful_says_so_beside_it(member_page, talk, log_in):
    page = member_page
    log_in(page, "grace")
    page.goto(talk["url"])
    post = page.locator(".comment", has_text="Reply number 2.")
    post.get_by_role("button", name=re.compile(r"^Helpful")).click()
    post = page.locator(".comment", has_text="Reply number 2.")
    expect(post.get_by_role("button", name=re.compile("Marked helpful"))).to_be_visible()
    expect(post.locator(".helpful-count")).to_have_text("1")
    if not page.js:  # the page was loaded again: it says what happened beside the post
        expect(post.get_by_role("status").filter(has_text="Marked helpful")).to_be_in_viewport()
