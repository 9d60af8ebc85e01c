"""Members hear of replies, mentions, recognition, follows and closing: through the app."""
import re

from sqlalchemy import select

from forum.extensions import db
from forum.notifications.models import Notification


def reply_via_app(client, login_as, member, thread, body):
    login_as(member)
    response = client.post(f"/t/{thread.id}/reply", data={"body": body})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("#post-", 1)[1])


def test_the_author_hears_of_a_reply_and_the_replier_of_nothing(client, make, login_as, bell):
    ada, bob = make.user("ada"), make.user("bob")
    thread = make.thread(author=ada, title="Bridges")
    post_id = reply_via_app(client, login_as, bob, thread, "Steel or stone?")
    [notification] = bell.of(ada)
    assert (notification.kind, notification.post_id, notification.actor_id) == ("reply", post_id, bob.id)
    assert bell.of(bob) == []  # nobody hears of their own acts
    login_as(ada)
    page = client.get("/notifications").get_data(as_text=True)
    assert "bob replied in “Bridges”" in page and "is-unread" in page
    assert f"/p/{post_id}" in page


def test_replies_collapse_until_read_then_start_again(client, make, login_as, bell):
    ada = make.user("ada")
    thread = make.thread(author=ada, title="Bridges")
    for name in ("bob", "cy", "dee"):
        make.reply(thread, make.user(name), f"Reply from {name}")
    [notification] = bell.of(ada)
    assert notification.count == 3
    login_as(ada)
    assert "3 new replies (the latest by dee) in “Bridges”" in client.get("/notifications").get_data(as_text=True)
    assert client.post("/notifications/read", data={"id": notification.id}).status_code == 303
    make.reply(thread, make.user("eve"), "Late")
    unread = bell.of(ada, unread_only=True)
    assert [(n.kind, n.count) for n in unread] == [("reply", 1)]
    assert len(bell.of(ada)) == 2


def test_three_helpful_marks_are_one_notification_and_a_remark_is_not_news(client, make, login_as, bell):
    ada = make.user("ada")
    thread = make.thread(author=make.user("op"))
    post = make.reply(thread, ada, "An answer")
    markers = [make.user(name) for name in ("bob", "cy", "dee")]
    for marker in markers:
        login_as(marker)
        assert client.post(f"/p/{post.id}/helpful").status_code in (200, 303)
    # bob takes his mark back and marks again: still three members
    login_as(markers[0])
    client.post(f"/p/{post.id}/helpful")
    client.post(f"/p/{post.id}/helpful")
    helpful = [n for n in bell.of(ada) if n.kind == "helpful"]
    assert [(n.count, n.post_id) for n in helpful] == [(3, post.id)]
    login_as(ada)
    page = client.get("/notifications").get_data(as_text=True)
    assert "3 members marked your reply helpful" in page


def test_accepted_shared_and_followed(client, make, login_as, bell):
    ada, op, bob = make.user("ada"), make.user("op"), make.user("bob")
    thread = make.thread(author=op)
    post = make.reply(thread, ada, "The answer")
    login_as(op)
    client.post(f"/p/{post.id}/accept")
    login_as(bob)
    client.post(f"/p/{post.id}/share")
    client.post("/u/ada/follow")
    assert sorted(bell.kinds(ada)) == ["accepted", "follow", "shared"]
    login_as(ada)
    page = client.get("/notifications").get_data(as_text=True)
    assert "op accepted your reply as the answer" in page
    assert "bob shared your reply" in page and "bob followed you" in page


def test_a_mention_links_the_member_and_notifies_once_even_across_edits(client, make, login_as, bell):
    ada, bob, cy = make.user("ada"), make.user("bob"), make.user("cyd")
    thread = make.thread(author=make.user("op"))
    login_as(bob)
    response = client.post(f"/t/{thread.id}/reply", data={
        "body": "Thanks @Ada and @ada, not @nobody here. `@cyd` in code stays, mail ada@example.org"})
    post_id = int(response.headers["Location"].rsplit("#post-", 1)[1])
    html = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert html.count('<a class="mention" href="/u/ada">@ada</a>') == 2
    assert "@nobody" in html and 'href="/u/nobody"' not in html  # a missing name is plain text
    assert "<code>@cyd</code>" in html and "ada@example.org" in html
    assert bell.kinds(ada) == ["mention"]
    assert bell.kinds(cy) == []
    edit = client.get(f"/p/{post_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', edit) or re.search(r'value="(\d+)"[^>]*name="version"', edit)
    edited = client.post(f"/p/{post_id}/edit", data={"body": "Thanks @ada and now @cyd too", "version": version.group(1)})
    assert edited.status_code == 303, edited.get_data(as_text=True)[-3000:]
    assert bell.kinds(ada) == ["mention"]  # not again
    assert bell.kinds(cy) == ["mention"]  # only the new name


def test_a_mentioned_watcher_gets_the_mention_not_also_the_reply(client, make, login_as, bell):
    ada = make.user("ada")
    thread = make.thread(author=ada)
    make.reply(thread, make.user("bob"), "Hello @ada")
    assert bell.kinds(ada) == ["mention"]


def test_new_members_mention_at_most_five_members(client, make, login_as, app):
    names = [make.user(f"name{i}").username for i in range(6)]
    thread = make.thread(author=make.user("op"))
    login_as(make.user("newbie"))
    app.config["RATELIMIT_ENABLED"] = True
    app.config["LIMIT_POST"] = "100 per second"
    body = " ".join(f"@{name}" for name in names)
    response = client.post(f"/t/{thread.id}/reply", data={"body": body})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "at most 5 members" in page and "@name5" in page  # the text is kept
    ok = client.post(f"/t/{thread.id}/reply", data={"body": " ".join(f"@{n}" for n in names[:5])})
    assert ok.status_code == 303


def test_followers_hear_of_new_threads_and_category_watchers_too(client, make, login_as, bell):
    ada, fan, watcher, muter = make.user("ada"), make.user("fan"), make.user("watcher"), make.user("muter")
    category = make.category("news")
    login_as(fan)
    client.post("/u/ada/follow")
    login_as(watcher)
    assert client.post("/c/news/watch", data={"level": "watching"}).status_code == 303
    login_as(muter)
    client.post("/u/ada/follow")
    client.post("/c/news/watch", data={"level": "muted"})
    make.thread(author=ada, category=category, title="Big news")
    assert bell.kinds(fan) == ["new_thread"]
    assert bell.kinds(watcher) == ["new_thread"]
    assert bell.kinds(muter) == []  # a muted category notifies nothing
    login_as(fan)
    assert "ada started a new thread: “Big news”" in client.get("/notifications").get_data(as_text=True)


def test_watching_levels_decide_who_hears_of_replies(client, make, login_as, bell):
    ada, bob, cy = make.user("ada"), make.user("bob"), make.user("cy")
    category = make.category("news")
    thread = make.thread(author=ada, category=category)
    bell.settle()  # the new thread's fan-out is done before cy watches the category
    login_as(ada)
    assert client.post(f"/t/{thread.id}/watch", data={"level": "muted"}).status_code == 303
    login_as(cy)
    client.post("/c/news/watch", data={"level": "watching"})
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert '<option value="watching" selected>' in page and "you watch the category" in page
    make.reply(thread, bob, "First")
    assert bell.kinds(ada) == []  # muted her own thread
    assert bell.kinds(cy) == ["reply"]
    make.reply(thread, ada, "Me again")
    assert bell.kinds(bob) == ["reply"]  # repliers watch what they reply in


def test_bad_watch_levels_are_400_and_change_nothing(client, make, login_as):
    thread = make.thread()
    make.category("news")
    ada = make.user("ada")
    login_as(ada)
    for level in ("", "loud", "WATCHING", "watching\u00b2", "x" * 40000):
        assert client.post(f"/t/{thread.id}/watch", data={"level": level}).status_code == 400
        assert client.post("/c/news/watch", data={"level": level}).status_code == 400
    assert client.post(f"/t/{thread.id}/watch", data={}).status_code == 400
    assert client.post("/t/999999/watch", data={"level": "muted"}).status_code == 404
    assert client.post("/c/nope/watch", data={"level": "muted"}).status_code == 404
    from forum.notifications.models import CategoryWatch, ThreadWatch
    assert db.session.scalars(select(ThreadWatch).where(ThreadWatch.user_id == ada.id)).all() == []
    assert db.session.scalars(select(CategoryWatch)).all() == []


def test_nobody_hears_of_a_post_they_cannot_see(client, make, login_as, bell, app):
    ada = make.user("ada")
    thread = make.thread(author=ada)
    post = make.reply(thread, make.user("bob"), "Soon hidden")
    assert bell.kinds(ada) == ["reply"]
    login_as(make.user("mod", role="moderator"))
    client.post(f"/p/{post.id}/hide", data={"reason": "spam"})
    assert bell.kinds(ada) == []  # the notification went with the post


def test_closing_a_thread_tells_its_watchers(client, make, login_as, bell):
    ada, bob = make.user("ada"), make.user("bob")
    thread = make.thread(author=ada)
    make.reply(thread, bob, "I watch now")
    login_as(make.user("mod", role="moderator"))
    assert client.post(f"/t/{thread.id}/close", data={"reason": "Done"}).status_code == 303
    assert "closed" in bell.kinds(bob) and "closed" in bell.kinds(ada)


def test_mark_read_one_or_all(client, make, login_as, bell):
    ada = make.user("ada")
    for title in ("One", "Two", "Three"):
        make.reply(make.thread(author=ada, title=title), make.user(), "hi")
    first, *rest = bell.of(ada)
    login_as(ada)
    client.post("/notifications/read", data={"id": first.id})
    assert len(bell.of(ada, unread_only=True)) == 2
    other = make.user("other")
    login_as(other)
    assert client.post("/notifications/read", data={"id": rest[0].id}).status_code == 404
    for bad in ("x", "-1", "²", "9" * 30):
        assert client.post("/notifications/read", data={"id": bad}).status_code == 400
    login_as(ada)
    client.post("/notifications/read")
    assert bell.of(ada, unread_only=True) == []


def test_the_bell_shows_the_count_and_the_poll_answers_304_while_it_holds(client, make, login_as, bell, count_queries):
    ada = make.user("ada")
    thread = make.thread(author=ada)
    make.reply(thread, make.user(), "one")
    bell.settle()
    login_as(ada)
    page = client.get("/").get_data(as_text=True)
    assert 'class="bell has-unread"' in page and 'data-count="1"' in page
    assert "js/notifications.js" in page
    with count_queries() as queries:
        first = client.get("/notifications/unread")
    assert first.json == {"unread": 1, "url": "/notifications"}
    assert sum("notifications" in q for q in queries) == 1 and len(queries) <= 2
    again = client.get("/notifications/unread", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    make.reply(thread, make.user(), "two")
    bell.settle()
    collapsed = client.get("/notifications/unread", headers={"If-None-Match": first.headers["ETag"]})
    assert collapsed.status_code == 304  # the second reply collapsed into the unread one
    make.reply(make.thread(author=ada), make.user(), "elsewhere")
    bell.settle()
    changed = client.get("/notifications/unread", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.json["unread"] == 2
    client.post("/notifications/read")
    assert client.get("/notifications/unread", headers={"If-None-Match": first.headers["ETag"]}).json["unread"] == 0


def test_the_api_lists_notifications_with_kind_read_and_unread(client, make, login_as, bell):
    assert client.get("/api/v1/me/notifications").status_code == 401
    assert client.get("/api/v1/me/notifications").json["error"]["code"] == "unauthorized"
    ada = make.user("ada")
    make.reply(make.thread(author=ada), make.user("bob"), "hi @ada")
    bell.settle()
    login_as(ada)
    data = client.get("/api/v1/me/notifications").json
    assert data["unread"] == 1
    assert [(n["kind"], n["read"]) for n in data["notifications"]] == [("mention", False)]
    assert data["notifications"][0]["url"].startswith("http")


def test_the_notifications_page_pages_with_a_constant_query_count(client, make, login_as, count_queries, app):
    from datetime import timedelta

    from forum.timeutil import utcnow

    ada, bob = make.user("ada"), make.user("bob")
    thread = make.thread(author=bob)
    now = utcnow()

    def add(count):
        db.session.execute(Notification.__table__.insert(), [
            {"user_id": ada.id, "kind": "helpful", "thread_id": thread.id, "post_id": None,
             "actor_id": bob.id, "count": 1, "open_key": None, "created_at": now - timedelta(seconds=i),
             "updated_at": now - timedelta(seconds=i), "read_at": None} for i in range(count)])
        db.session.commit()

    login_as(ada)
    add(5)
    client.get("/notifications")
    with count_queries() as few:
        assert client.get("/notifications").status_code == 200
    add(400)
    client.get("/notifications?page=3")
    with count_queries() as many:
        page = client.get("/notifications?page=3")
    assert page.status_code == 200 and "Page 3 of 14" in page.get_data(as_text=True)
    assert len(few) == len(many)


def test_deleting_an_account_erases_its_notifications_watches_and_choices(client, make, login_as, bell):
    from forum.notifications.models import NotificationSettings, ThreadWatch

    ada = make.user("ada")
    thread = make.thread(author=ada)
    make.reply(thread, make.user("bob"), "hi")
    bell.settle()
    login_as(ada)
    client.post("/settings/notifications", data={"mention": "off"})
    assert client.post("/settings/delete", data={"password": "correct horse battery"}).status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Notification).where(Notification.user_id == ada.id)).all() == []
    assert db.session.scalars(select(ThreadWatch).where(ThreadWatch.user_id == ada.id)).all() == []
    assert db.session.get(NotificationSettings, ada.id) is None
