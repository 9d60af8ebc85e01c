"""Closing threads: "Comments are closed." with a reason, who may close and reopen, auto-close."""
from datetime import timedelta

from sqlalchemy import func, select

from forum.extensions import db
from forum.moderation.models import ModerationAction
from forum.threads.models import Post, Thread
from forum.timeutil import utcnow


def switch_to(auth, user):
    auth.logout()
    auth.login(user)


def replies_in(thread) -> int:
    return db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id,
                                                               Post.position > 1))


def fresh(thread) -> Thread:
    db.session.expire_all()
    return db.session.get(Thread, thread.id)


def test_moderator_closes_with_a_reason_shown_where_the_reply_form_was(client, make, auth):
    thread = make.thread(title="Release 1.0")
    mod = make.user("mona", role="moderator")
    auth.login(mod)
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f'action="/t/{thread.id}/close"' in page
    response = client.post(f"/t/{thread.id}/close", data={"reason": "Answered; see the docs."})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/t/{thread.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Comments are closed." in page and "Answered; see the docs." in page
    assert 'action="/t/%d/reply"' % thread.id not in page
    assert f'action="/t/{thread.id}/reopen"' in page
    thread = fresh(thread)
    assert thread.closed_by_role == "moderator" and thread.closed_by_id == mod.id
    entry = db.session.scalar(select(ModerationAction))
    assert (entry.moderator_id, entry.action, entry.target_type, entry.target_id, entry.reason) == \
        (mod.id, "close", "thread", thread.id, "Answered; see the docs.")


def test_a_reply_to_a_closed_thread_is_refused_with_403_and_nothing_is_stored(client, make, auth):
    thread = make.thread()
    auth.login(make.user("mona", role="moderator"))
    client.post(f"/t/{thread.id}/close", data={"reason": "Off topic."})
    switch_to(auth, make.user("rita"))
    response = client.post(f"/t/{thread.id}/reply", data={"body": "One more thing"})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Comments are closed." in page and "Off topic." in page
    assert replies_in(thread) == 0
    assert fresh(thread).reply_count == 0


def test_closing_needs_a_reason(client, make, auth):
    thread = make.thread()
    auth.login(thread.author)
    response = client.post(f"/t/{thread.id}/close", data={"reason": "  "})
    assert response.status_code == 400
    assert "Say why" in response.get_data(as_text=True)
    assert client.post(f"/t/{thread.id}/close", data={"reason": "x" * 501}).status_code == 400
    assert fresh(thread).closed_at is None
    assert db.session.scalar(select(func.count(ModerationAction.id))) == 0


def test_author_closes_and_reopens_their_own_thread_but_no_one_else_s(client, make, auth):
    thread = make.thread(title="Mine")
    other = make.user("otto")
    auth.login(other)
    assert f'action="/t/{thread.id}/close"' not in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert client.post(f"/t/{thread.id}/close", data={"reason": "Nope"}).status_code == 403
    assert fresh(thread).closed_at is None
    switch_to(auth, thread.author)
    assert f'action="/t/{thread.id}/close"' in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert client.post(f"/t/{thread.id}/close", data={"reason": "Solved, thanks all."}).status_code == 303
    assert fresh(thread).closed_by_role == "author"
    switch_to(auth, other)
    assert client.post(f"/t/{thread.id}/reopen").status_code == 403
    switch_to(auth, thread.author)
    assert client.post(f"/t/{thread.id}/reopen").status_code == 303
    assert fresh(thread).closed_at is None
    assert client.post(f"/t/{thread.id}/reply", data={"body": "Open again"}).status_code == 303


def test_only_a_moderator_reopens_what_a_moderator_closed(client, make, auth):
    thread = make.thread()
    mod = make.user("mona", role="moderator")
    auth.login(mod)
    client.post(f"/t/{thread.id}/close", data={"reason": "Heated."})
    switch_to(auth, thread.author)
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f'action="/t/{thread.id}/reopen"' not in page
    response = client.post(f"/t/{thread.id}/reopen")
    assert response.status_code == 403
    assert "Only a moderator can reopen" in response.get_data(as_text=True)
    assert fresh(thread).closed_at is not None
    switch_to(auth, mod)
    assert client.post(f"/t/{thread.id}/reopen", data={"reason": "Calmer now."}).status_code == 303
    assert fresh(thread).closed_at is None
    actions = db.session.scalars(select(ModerationAction.action).order_by(ModerationAction.id)).all()
    assert actions == ["close", "reopen"]


def test_closing_a_closed_thread_or_reopening_an_open_one_is_a_conflict(client, make, auth):
    thread = make.thread()
    auth.login(make.user("mona", role="moderator"))
    assert client.post(f"/t/{thread.id}/reopen").status_code == 409
    client.post(f"/t/{thread.id}/close", data={"reason": "Done."})
    response = client.post(f"/t/{thread.id}/close", data={"reason": "Again."})
    assert response.status_code == 409
    assert fresh(thread).closed_reason == "Done."
    assert client.post("/t/999/close", data={"reason": "Gone."}).status_code == 404


def age(thread, days: float) -> None:
    """Move a thread's last reply ``days`` into the past."""
    db.session.execute(Thread.__table__.update().where(Thread.__table__.c.id == thread.id)
                       .values(last_activity_at=utcnow() - timedelta(days=days)))
    db.session.commit()


def test_auto_close_holds_from_its_moment_without_any_job(client, make, auth):
    category = make.category("news", auto_close_days=3)
    thread = make.thread(category=category)
    auth.login(make.user("rita"))
    assert client.post(f"/t/{thread.id}/reply", data={"body": "Still open"}).status_code == 303
    age(thread, 3.01)
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Comments are closed." in page and "Closed automatically after 3 days" in page
    response = client.post(f"/t/{thread.id}/reply", data={"body": "Too late"})
    assert response.status_code == 403
    assert "Comments are closed." in response.get_data(as_text=True)
    assert replies_in(thread) == 1
    assert fresh(thread).closed_at is None  # nothing was written: the calendar closed it


def test_close_stale_records_auto_closes_at_the_moment_they_took_effect(app, make, runner):
    category = make.category("news", auto_close_days=3)
    other = make.category("forever")
    stale = make.thread(category=category, title="Stale")
    lively = make.thread(category=category, title="Lively")
    old_but_open = make.thread(category=other, title="No auto-close here")
    age(stale, 5)
    age(lively, 2)
    age(old_but_open, 400)
    last_activity = fresh(stale).last_activity_at
    result = runner.invoke(args=["close-stale"])
    assert result.exit_code == 0, result.output
    assert "Closed 1 stale thread." in result.output
    stale, lively, old_but_open = fresh(stale), fresh(lively), fresh(old_but_open)
    assert stale.closed_at == last_activity + timedelta(days=3)
    assert stale.closed_by_role == "auto" and stale.closed_by_id is None
    assert stale.closed_reason == "Closed automatically after 3 days without a reply."
    assert lively.closed_at is None and old_but_open.closed_at is None
    assert runner.invoke(args=["close-stale"]).output.strip() == "Closed 0 stale threads."
    entry = db.session.scalar(select(ModerationAction))
    assert (entry.moderator_id, entry.action, entry.target_id) == (None, "close", stale.id)


def test_moderator_reopens_an_auto_closed_thread_and_its_clock_starts_again(client, make, auth,
                                                                            runner):
    category = make.category("news", auto_close_days=3)
    thread = make.thread(category=category)
    age(thread, 4)
    runner.invoke(args=["close-stale"])
    auth.login(thread.author)
    assert client.post(f"/t/{thread.id}/reopen").status_code == 403  # the calendar closed it
    switch_to(auth, make.user("mona", role="moderator"))
    assert client.post(f"/t/{thread.id}/reopen").status_code == 303
    thread = fresh(thread)
    assert thread.closed_state() == (False, None)
    assert thread.last_activity_at > utcnow() - timedelta(minutes=1)
    assert client.post(f"/t/{thread.id}/reply", data={"body": "Back"}).status_code == 303


def test_closed_threads_are_badged_in_listings(client, make, auth):
    thread = make.thread(title="Badge me")
    auth.login(make.user("mona", role="moderator"))
    client.post(f"/t/{thread.id}/close", data={"reason": "Done."})
    page = client.get("/").get_data(as_text=True)
    assert "badge-closed" in page
