"""Threads and replies as a member uses them: start, reply, read in order, paginate, permalink."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.threads.models import Post, Thread


def test_member_starts_a_thread_in_markdown(client, make, login_as):
    member = make.user("grace")
    make.category("help", "Help")
    login_as(member)
    response = client.post("/c/help/new", data={
        "title": "How do I cite a reply?", "body": "Use **permalinks**.", "tags": "Links, how-to"})
    assert response.status_code == 303
    thread = db.session.scalar(select(Thread))
    assert response.headers["Location"] == f"/t/{thread.id}"
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "How do I cite a reply?" in page
    assert "<strong>permalinks</strong>" in page
    assert [t.name for t in thread.tags] == ["how-to", "links"]


def test_reply_redirects_to_the_new_post_and_replies_read_oldest_first(client, make, login_as):
    thread = make.thread(title="Order")
    login_as(make.user("linus"))
    first = client.post(f"/t/{thread.id}/reply", data={"body": "first reply"})
    second = client.post(f"/t/{thread.id}/reply", data={"body": "second reply"})
    ids = db.session.scalars(select(Post.id).where(Post.position > 1).order_by(Post.id)).all()
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"].endswith(f"#post-{ids[0]}")
    assert second.headers["Location"].endswith(f"#post-{ids[1]}")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert page.index("first reply") < page.index("second reply")
    assert f'id="post-{ids[0]}"' in page and f'id="post-{ids[1]}"' in page


def test_anonymous_visitor_cannot_reply(client, make):
    thread = make.thread()
    response = client.post(f"/t/{thread.id}/reply", data={"body": "hello"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1


def test_replies_paginate_fifty_a_page_and_permalinks_find_the_page(app, client, make):
    thread = make.thread()
    author = make.user()
    replies = [make.reply(thread, author, f"reply number {i}") for i in range(1, 56)]
    first_page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "reply number 50<" in first_page and "reply number 51<" not in first_page
    second_page = client.get(f"/t/{thread.id}?page=2").get_data(as_text=True)
    assert "reply number 51<" in second_page and "reply number 50<" not in second_page
    assert "Opening post." in second_page  # the opening post heads every page
    response = client.get(f"/p/{replies[52].id}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/t/{thread.id}/{thread.slug}?page=2#post-{replies[52].id}"
    assert client.get(f"/t/{thread.id}?page=3").status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "two", "9999999999"])
def test_bad_page_numbers_are_400(client, make, page):
    thread = make.thread()
    assert client.get(f"/t/{thread.id}?page={page}").status_code == 400


def test_home_lists_categories_pinned_then_by_activity(client, make):
    general = make.category("general", "General talk")
    older = make.thread(category=general, title="Older thread")
    newer = make.thread(category=general, title="Newer thread")
    pinned = make.thread(category=general, title="Pinned thread")
    pinned.pinned = True
    db.session.commit()
    make.reply(older, body="bump")
    page = client.get("/").get_data(as_text=True)
    assert "General talk" in page
    assert page.index("Pinned thread") < page.index("Older thread") < page.index("Newer thread")
    assert newer.id  # listed, below the bumped one


def test_category_and_tag_pages(client, make):
    help_ = make.category("help", "Help")
    make.thread(category=help_, title="Tagged thread", tags="scoring")
    make.thread(title="Elsewhere")
    category_page = client.get("/c/help").get_data(as_text=True)
    assert "Tagged thread" in category_page and "Elsewhere" not in category_page
    tag_page = client.get("/tag/scoring").get_data(as_text=True)
    assert "Tagged thread" in tag_page and "Elsewhere" not in tag_page
    assert client.get("/c/missing").status_code == 404
    assert client.get("/tag/missing").status_code == 404
