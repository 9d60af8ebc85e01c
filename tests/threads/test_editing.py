"""Editing and deleting posts: revisions, optimistic locking, permissions."""
from sqlalchemy import func, select

from forum.extensions import db
from forum.threads.models import Post, PostRevision, Thread


def test_author_edits_and_the_old_text_is_kept(client, make, login_as):
    author = make.user("grace")
    thread = make.thread(author=author, body="First *draft*")
    post = db.session.scalar(select(Post))
    login_as(author)
    response = client.post(f"/p/{post.id}/edit", data={"body": "Second **draft**", "version": 1})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#post-{post.id}")
    db.session.refresh(post)
    assert post.version == 2 and "<strong>draft</strong>" in post.html and post.edited_at
    history = client.get(f"/p/{post.id}/history").get_data(as_text=True)
    # Each version as it read, and what changed marked word by word.
    assert "First <em>draft</em>" in history and "Second <strong>draft</strong>" in history
    assert "<del>First</del><ins>Second</ins>" in history
    assert thread.id


def test_an_edit_from_a_stale_version_is_refused_and_shows_the_newer_text(client, make, login_as):
    author = make.user("grace")
    make.thread(author=author, body="v1")
    post = db.session.scalar(select(Post))
    login_as(author)
    client.post(f"/p/{post.id}/edit", data={"body": "v2 from another tab", "version": 1})
    stale = client.post(f"/p/{post.id}/edit", data={"body": "v2 from this tab", "version": 1})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "v2 from another tab" in page and "changed while you were editing" in page
    db.session.refresh(post)
    assert post.body == "v2 from another tab"
    assert db.session.scalar(select(func.count()).select_from(PostRevision)) == 1


def test_others_cannot_edit_or_delete_but_moderators_can(client, make, login_as):
    author, stranger = make.user("author"), make.user("stranger")
    moderator = make.user("mod", role="moderator")
    thread = make.thread(author=author)
    reply = make.reply(thread, author, "mine")
    login_as(stranger)
    assert client.post(f"/p/{reply.id}/edit", data={"body": "vandal", "version": 1}).status_code == 403
    assert client.post(f"/p/{reply.id}/delete").status_code == 403
    client.post("/logout")
    login_as(moderator)
    assert client.post(f"/p/{reply.id}/edit", data={"body": "tidied", "version": 1}).status_code == 303
    assert client.post(f"/p/{reply.id}/delete").status_code == 303
    assert client.get(f"/p/{reply.id}").status_code == 404
    assert "tidied" not in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_deleting_the_opening_post_deletes_the_thread(client, make, login_as):
    author = make.user("author")
    thread = make.thread(author=author, title="Gone soon")
    opening = db.session.scalar(select(Post).where(Post.position == 1))
    login_as(author)
    response = client.post(f"/p/{opening.id}/delete")
    assert response.status_code == 303
    assert client.get(f"/t/{thread.id}").status_code == 404
    assert "Gone soon" not in client.get("/").get_data(as_text=True)
    assert db.session.get(Thread, thread.id).deleted_at is not None


def test_editing_missing_posts_is_404(client, make, login_as):
    login_as(make.user())
    assert client.get("/p/999/edit").status_code == 404
    assert client.post("/p/999/edit", data={"body": "x", "version": 1}).status_code == 404
    assert client.post("/p/999/delete").status_code == 404
