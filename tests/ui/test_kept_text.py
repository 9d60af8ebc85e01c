"""Never lose what a member typed: each refusal of a reply, a new thread or an edit shows the
form again with the text in it, says why once, and links back to the thread; with JavaScript
on, an unsent draft comes back after a reload and goes once it is sent or discarded.

Each refusal runs with JavaScript on and off, at phone and desktop widths.
"""
import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from tests.ui.conftest import DESKTOP, PHONE

TEXT = "I measured it twice: the **second** run was 40% faster.\n\nHere is how."


@pytest.fixture
def app(app_factory):
    """Posting limited to one post an hour, so that a second reply is refused (429)."""
    app = app_factory(RATELIMIT_ENABLED=True, LIMIT_POST="1 per hour")
    with app.app_context():
        yield app


@pytest.fixture
def story(make, settle):
    grace, linus = make.user("grace"), make.user("linus")
    make.user("ada", role="moderator")
    thread = make.thread(grace, title="Benchmarks worth trusting", body="How do you measure?")
    settle()
    return {"thread": thread, "url": f"/t/{thread.id}", "grace": grace, "linus": linus}


def send(page, button: str) -> int:
    """Press ``button`` and return the status of the answer to the form (303 when stored)."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    return answer.value.status


def expect_way_back(page, thread_title: str):
    expect(page.get_by_role("link", name=re.compile(f"Back to .*{thread_title}|Back to the thread"))
           .first).to_be_visible()


def test_a_reply_refused_for_posting_too_fast_keeps_the_text(member_page, story, log_in, look):
    page = member_page
    log_in(page, "linus")
    page.goto(story["url"])
    page.get_by_label("Your reply", exact=True).fill("A first reply, within the limit.")
    assert send(page, "Post reply") == 303
    page.get_by_label("Your reply", exact=True).fill(TEXT)
    assert send(page, "Post reply") == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reply was not posted")
    expect(page.get_by_role("alert")).to_have_count(1)
    expect(page.get_by_role("alert")).to_contain_text("posting too fast")
    expect(page.get_by_label("Your reply", exact=True)).to_have_value(TEXT)
    expect_way_back(page, "Benchmarks worth trusting")
    look(page, "429")


def test_a_reply_to_a_thread_closed_while_it_was_written_keeps_the_text(member_page, story, log_in,
                                                                       app, look):
    page = member_page
    log_in(page, "linus")
    page.goto(story["url"])
    page.get_by_label("Your reply", exact=True).fill(TEXT)

    from forum.accounts.services import find_user
    from forum.moderation.services import close_thread

    db.session.commit()  # a write begins its own transaction (BEGIN IMMEDIATE on SQLite)
    with app.test_request_context(method="POST"):
        close_thread(story["thread"].id, find_user("ada"), "Answered in the docs.")
    db.session.commit()

    assert send(page, "Post reply") == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reply was not posted")
    expect(page.get_by_text("Comments are closed.")).to_have_count(1)
    expect(page.get_by_text("Answered in the docs.")).to_have_count(1)
    expect(page.get_by_text(re.compile("Closed by moderator ada"))).to_be_visible()
    expect(page.get_by_role("textbox", name=re.compile("Your reply"))).to_have_value(TEXT)
    expect_way_back(page, "Benchmarks worth trusting")
    look(page, "403")


def test_a_reply_sent_from_an_expired_form_keeps_the_text_and_goes_through_when_sent_again(
        member_page, story, log_in):
    page = member_page
    log_in(page, "linus")
    page.goto(story["url"])
    page.get_by_label("Your reply", exact=True).fill(TEXT)
    page.locator("form.post-form input[name=csrf_token]").evaluate("e => e.value = 'expired'")
    assert send(page, "Post reply") == 400
    expect(page.get_by_role("alert")).to_contain_text("expired")
    expect(page.get_by_label("Your reply", exact=True)).to_have_value(TEXT)
    expect_way_back(page, "Benchmarks worth trusting")
    assert send(page, "Send the reply again") == 303
    expect(page).to_have_url(re.compile(r"#post-\d+$"))
    expect(page.locator(".comment strong")).to_have_text("second")


def test_an_edit_of_a_post_changed_meanwhile_keeps_the_text_beside_the_newer_one(
        member_page, story, log_in, app):
    page = member_page
    log_in(page, "grace")
    page.goto(story["url"])
    opening = story["thread"].id  # the opening post's id is the thread's first post
    from forum.threads.models import Post
    from sqlalchemy import select

    post = db.session.scalar(select(Post).where(Post.thread_id == opening, Post.position == 1))
    page.goto(f"/p/{post.id}/edit")
    page.get_by_label("Text of the post").fill(TEXT)

    from forum.accounts.services import find_user
    from forum.threads.services import edit_post

    db.session.commit()
    with app.test_request_context(method="POST"):
        edit_post(post, find_user("ada"), "How do you measure? (A moderator fixed a link.)", post.version)
    db.session.commit()

    assert send(page, "Save") == 409
    expect(page.get_by_role("alert")).to_contain_text("changed while you were editing")
    expect(page.get_by_role("region", name=re.compile("newer text"))).to_contain_text("A moderator fixed")
    expect(page.get_by_label("Text of the post")).to_have_value(TEXT)
    expect_way_back(page, "Benchmarks worth trusting")
    assert send(page, "Save") == 303  # sent again, knowingly over the newer text
    expect(page.locator(".opening-post strong")).to_have_text("second")


def test_a_new_thread_with_a_bad_tag_keeps_title_text_and_category(member_page, make, settle, log_in):
    make.category("help", "Help and how-to")
    make.user("linus")
    settle()
    page = member_page
    log_in(page, "linus")
    page.goto("/")
    page.get_by_role("link", name="New thread").click()
    page.get_by_label("Category").select_option(label="Help and how-to")
    page.get_by_label("Title").fill("Faster benchmarks")
    page.get_by_label("Opening post").fill(TEXT)
    page.get_by_label("Tags").fill("speed, no!such tag")
    assert send(page, "Start the thread") == 400
    expect(page.get_by_role("alert")).to_contain_text("is not a tag")
    expect(page.get_by_label("Title")).to_have_value("Faster benchmarks")
    expect(page.get_by_label("Opening post")).to_have_value(TEXT)
    expect(page.get_by_label("Category")).to_have_value("help")
    page.get_by_label("Tags").fill("speed")
    assert send(page, "Start the thread") == 303
    expect(page.get_by_role("heading", level=1)).to_have_text("Faster benchmarks")


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390", "1280"])
def test_an_unsent_reply_comes_back_after_a_reload_and_goes_once_sent(browser, story, log_in, size):
    page = browser.new_page()
    page.set_viewport_size(size)
    log_in(page, "linus")
    page.goto(story["url"])
    page.get_by_label("Your reply", exact=True).fill(TEXT)
    page.goto("/")
    page.goto(story["url"])
    expect(page.get_by_role("status").filter(has_text="unsent draft")).to_be_visible()
    expect(page.get_by_label("Your reply", exact=True)).to_have_value(TEXT)

    page.get_by_role("button", name="Discard draft").click()
    expect(page.get_by_label("Your reply", exact=True)).to_have_value("")
    page.reload()
    expect(page.get_by_label("Your reply", exact=True)).to_have_value("")

    page.get_by_label("Your reply", exact=True).fill(TEXT)
    page.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(r"#post-\d+$"))
    page.goto(story["url"])
    expect(page.get_by_label("Your reply", exact=True)).to_have_value("")
    expect(page.get_by_text("unsent draft")).to_have_count(0)


def test_a_draft_is_per_thread_and_per_member(browser, story, make, settle, log_in):
    other = make.thread(story["grace"], title="Another thread")
    settle()
    page = browser.new_page()
    log_in(page, "linus")
    page.goto(story["url"])
    page.get_by_label("Your reply", exact=True).fill(TEXT)
    page.goto(f"/t/{other.id}")
    expect(page.get_by_label("Your reply", exact=True)).to_have_value("")
    page.get_by_role("button", name="Log out").click()
    log_in(page, "grace")
    page.goto(story["url"])
    expect(page.get_by_label("Your reply", exact=True)).to_have_value("")
