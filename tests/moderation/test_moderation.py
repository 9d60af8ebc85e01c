"""Moderators pin, hide, review flags and suspend from the web pages; all of it in the log."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.links.models import Link
from forum.moderation.models import Flag, ModerationAction
from forum.threads.models import Post, Thread
from forum.timeutil import utcnow


def switch_to(auth, user):
    auth.logout()
    auth.login(user)


def actions() -> list[tuple[str, str, int, str]]:
    return [tuple(row) for row in db.session.execute(
        select(ModerationAction.action, ModerationAction.target_type, ModerationAction.target_id,
               ModerationAction.reason).order_by(ModerationAction.id))]


@pytest.fixture
def mod(make):
    return make.user("mona", role="moderator")


def test_moderator_pins_and_unpins_a_thread(client, make, auth, mod):
    thread = make.thread(title="House rules")
    auth.login(mod)
    assert "Pin to the front page" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert client.post(f"/t/{thread.id}/pin").status_code == 303
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).pinned
    page = client.get("/").get_data(as_text=True)
    assert "badge-pinned" in page and "House rules" in page
    assert client.post(f"/t/{thread.id}/pin").status_code == 303
    db.session.expire_all()
    assert not db.session.get(Thread, thread.id).pinned
    assert [a[:3] for a in actions()] == [("pin", "thread", thread.id), ("unpin", "thread", thread.id)]


def test_members_cannot_pin_and_see_no_moderator_tools(client, make, auth):
    thread = make.thread()
    reply = make.reply(thread, body="a reply")
    auth.login(make.user("rita"))
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "/pin" not in page and "/hide" not in page and "/suspend" not in page
    assert f'action="/p/{reply.id}/flag"' in page
    assert client.post(f"/t/{thread.id}/pin").status_code == 403
    assert client.post(f"/p/{reply.id}/hide").status_code == 403
    db.session.expire_all()
    assert not db.session.get(Thread, thread.id).pinned
    assert db.session.get(Post, reply.id).hidden_at is None
    assert actions() == []


def test_anonymous_visitors_see_no_tools_and_are_sent_to_log_in(client, make):
    thread = make.thread()
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "/close" not in page and "/flag" not in page
    response = client.post(f"/t/{thread.id}/close", data={"reason": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/mod/queue").status_code == 302


def test_hidden_post_shows_members_a_placeholder_and_moderators_the_text(client, make, auth, mod):
    thread = make.thread()
    reply = make.reply(thread, body="Buy cheap watches")
    auth.login(mod)
    response = client.post(f"/p/{reply.id}/hide", data={"reason": "Spam"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#post-{reply.id}")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Buy cheap watches" in page and "Hidden from members: Spam" in page
    assert f'action="/p/{reply.id}/restore"' in page
    switch_to(auth, make.user("rita"))
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Buy cheap watches" not in page and "hidden by a moderator" in page
    switch_to(auth, mod)
    assert client.post(f"/p/{reply.id}/hide").status_code == 409
    assert client.post(f"/p/{reply.id}/restore").status_code == 303
    assert client.post(f"/p/{reply.id}/restore").status_code == 409
    auth.logout()
    assert "Buy cheap watches" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert [a[0] for a in actions()] == ["hide", "restore"]
    auth.login(mod)
    assert client.post("/p/999/hide").status_code == 404


def test_member_flags_a_post_and_it_waits_in_the_queue(client, make, auth, mod):
    thread = make.thread(title="Flag me")
    reply = make.reply(thread, body="rude words")
    flagger = make.user("fred")
    auth.login(flagger)
    assert client.post(f"/p/{reply.id}/flag", data={"reason": "  "}).status_code == 400
    response = client.post(f"/p/{reply.id}/flag", data={"reason": "Insults another member"})
    assert response.status_code == 303
    again = client.post(f"/p/{reply.id}/flag", data={"reason": "Still rude"})
    assert again.status_code == 409 and "flagged this post already" in again.get_data(as_text=True)
    assert client.get("/mod/queue").status_code == 403
    switch_to(auth, reply.author)
    assert client.post(f"/p/{reply.id}/flag", data={"reason": "Mine"}).status_code == 400
    assert db.session.scalar(select(func.count(Flag.id))) == 1
    switch_to(auth, mod)
    page = client.get("/mod/queue").get_data(as_text=True)
    assert f'id="flagged-{reply.id}"' in page
    assert "Insults another member" in page and "fred" in page and "rude words" in page


def test_dismissing_flags_clears_the_queue_and_is_logged(client, make, auth, mod):
    reply = make.reply(make.thread(), body="fine, really")
    for name in ("fred", "gina"):
        auth.login(make.user(name))
        client.post(f"/p/{reply.id}/flag", data={"reason": f"{name} thinks so"})
        auth.logout()
    auth.login(mod)
    response = client.post(f"/p/{reply.id}/dismiss-flags", data={"next": "/mod/queue"})
    assert response.status_code == 303 and response.headers["Location"] == "/mod/queue"
    assert "No flagged posts." in client.get("/mod/queue").get_data(as_text=True)
    assert client.post(f"/p/{reply.id}/dismiss-flags").status_code == 409
    flags = db.session.scalars(select(Flag)).all()
    assert {(f.resolution, f.resolved_by_id) for f in flags} == {("dismissed", mod.id)}
    assert [a[:2] for a in actions()] == [("resolve_flag", "flag")] * 2


def test_hiding_from_the_queue_resolves_the_post_s_flags(client, make, auth, mod):
    reply = make.reply(make.thread(), body="spam spam")
    auth.login(make.user("fred"))
    client.post(f"/p/{reply.id}/flag", data={"reason": "Spam"})
    switch_to(auth, mod)
    response = client.post(f"/p/{reply.id}/hide", data={"reason": "Spam", "next": "/mod/queue"})
    assert response.headers["Location"] == "/mod/queue"
    assert "No flagged posts." in client.get("/mod/queue").get_data(as_text=True)
    assert db.session.scalar(select(Flag.resolution)) == "hidden"
    assert [a[0] for a in actions()] == ["hide", "resolve_flag"]
    # ``next`` never leads off the site
    other = make.reply(reply.thread, body="more")
    response = client.post(f"/p/{other.id}/hide", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"#post-{other.id}")


def test_queue_lists_pending_incoming_links_with_approve_and_reject(client, make, auth, mod):
    thread = make.thread(title="Linked to")
    pending = Link(kind="webmention", status="pending", source_url="https://blog.example/post",
                   target_url=f"http://localhost/t/{thread.id}", target_thread_id=thread.id,
                   title="A blog post", excerpt="...as the forum says...")
    approved = Link(kind="pingback", status="approved", source_url="https://other.example/",
                    target_url=f"http://localhost/t/{thread.id}", target_thread_id=thread.id,
                    title="Already approved")
    db.session.add_all([pending, approved])
    db.session.commit()
    auth.login(mod)
    page = client.get("/mod/queue").get_data(as_text=True)
    assert "A blog post" in page and "...as the forum says..." in page and "Linked to" in page
    assert f'action="/mod/links/{pending.id}/approve"' in page
    assert f'action="/mod/links/{pending.id}/reject"' in page
    assert "Already approved" not in page


def test_suspended_member_cannot_post_until_unsuspended(client, make, auth, mod):
    make.category("general")
    thread = make.thread()
    troll = make.user("troll")
    auth.login(mod)
    page = client.get("/u/troll/suspend").get_data(as_text=True)
    assert 'name="reason"' in page and 'name="abuse"' in page
    assert client.post("/u/troll/suspend", data={"reason": ""}).status_code == 400
    response = client.post("/u/troll/suspend", data={"reason": "Trolling"})
    assert response.status_code == 303
    assert "Suspended" in client.get("/u/troll/suspend").get_data(as_text=True)
    assert client.post("/u/troll/suspend", data={"reason": "Again"}).status_code == 409
    switch_to(auth, troll)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "hi"})
    assert response.status_code == 403 and "suspended" in response.get_data(as_text=True)
    assert client.post("/c/general/new", data={"title": "T", "body": "B"}).status_code == 403
    assert client.post(f"/p/{thread.id}/flag", data={"reason": "x"}).status_code == 403
    assert db.session.scalar(select(func.count(Post.id))) == 1
    switch_to(auth, mod)
    assert client.post("/u/troll/unsuspend", data={"reason": "Apologized"}).status_code == 303
    assert client.post("/u/troll/unsuspend").status_code == 409
    switch_to(auth, troll)
    assert client.post(f"/t/{thread.id}/reply", data={"body": "sorry"}).status_code == 303
    assert [a[:2] for a in actions()] == [("suspend", "user"), ("unsuspend", "user")]


def test_who_may_suspend_whom(client, make, auth, mod):
    other_mod = make.user("otto", role="moderator")
    admin = make.user("ada", role="admin")
    member = make.user("rita")
    auth.login(member)
    assert client.get("/u/otto/suspend").status_code == 403
    assert client.post("/u/mona/suspend", data={"reason": "x"}).status_code == 403
    switch_to(auth, mod)
    assert client.post("/u/mona/suspend", data={"reason": "me"}).status_code == 403
    assert client.post("/u/otto/suspend", data={"reason": "peer"}).status_code == 403
    assert client.post("/u/nobody/suspend", data={"reason": "x"}).status_code == 404
    switch_to(auth, admin)
    assert client.post("/u/otto/suspend", data={"reason": "Abused the tools"}).status_code == 303
    db.session.expire_all()
    assert other_mod.is_suspended and not member.is_suspended and not mod.is_suspended


def test_audit_log_lists_every_action_newest_first_and_cannot_be_edited(client, make, auth, mod,
                                                                        app):
    thread = make.thread(title="Logged")
    make.user("troll")
    auth.login(mod)
    client.post(f"/t/{thread.id}/close", data={"reason": "Closing reason"})
    client.post(f"/t/{thread.id}/pin")
    client.post("/u/troll/suspend", data={"reason": "Suspension reason"})
    page = client.get("/mod/log").get_data(as_text=True)
    assert "can never be edited or deleted" in page
    assert page.index("Suspension reason") < page.index("<td>pin</td>") < page.index("Closing reason")
    assert "member <a" in page and "troll" in page and "thread Logged" in page
    assert client.post("/mod/log").status_code == 405
    edit_routes = [rule.rule for rule in app.url_map.iter_rules()
                   if "/mod/log" in rule.rule and rule.methods & {"POST", "PUT", "DELETE"}]
    assert edit_routes == []
    switch_to(auth, make.user("rita"))
    assert client.get("/mod/log").status_code == 403


def test_audit_log_paginates(client, make, auth, mod):
    from forum.moderation.audit import log_action

    start = utcnow() - timedelta(days=1)
    for i in range(55):
        entry = log_action(mod, "pin", "thread", i + 1, f"entry {i:02d}")
        entry.created_at = start + timedelta(minutes=i)
    db.session.commit()
    auth.login(mod)
    first = client.get("/mod/log").get_data(as_text=True)
    assert "entry 54" in first and "entry 05" in first and "entry 04" not in first
    second = client.get("/mod/log?page=2").get_data(as_text=True)
    assert "entry 04" in second and "entry 00" in second and "entry 05" not in second
    assert client.get("/mod/log?page=3").status_code == 404
    assert client.get("/mod/log?page=x").status_code == 400


def test_suspension_for_abuse_reverses_every_point_the_member_gave(client, make, auth, mod):
    from forum.contribution import ledger
    from forum.contribution.models import ContributionEvent, MemberScore

    thread = make.thread()
    friend = thread.author
    sock = make.user("sock")
    honest = make.user("hal")
    post = db.session.get(Post, db.session.scalar(select(Post.id)))
    ledger.record("helpful", friend.id, sock.id, post_id=post.id)
    ledger.record("shared", friend.id, sock.id, post_id=post.id)
    ledger.record("helpful", friend.id, honest.id, post_id=post.id)
    db.session.commit()
    auth.login(mod)
    response = client.post("/u/sock/suspend", data={"reason": "Sock puppet", "abuse": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    events = db.session.scalars(select(ContributionEvent).order_by(ContributionEvent.id)).all()
    assert [(e.actor_id, e.reversed_at is not None) for e in events] == [
        (sock.id, True), (sock.id, True), (honest.id, False)]
    assert db.session.get(MemberScore, friend.id).all_time == 10
    assert db.session.get(type(sock), sock.id).suspended_for_abuse
    assert actions()[-1][:2] == ("suspend_for_abuse", "user")


def test_plain_suspension_keeps_the_points_the_member_gave(client, make, auth, mod):
    from forum.contribution import ledger
    from forum.contribution.models import ContributionEvent

    thread = make.thread()
    member = make.user("slow")
    post_id = db.session.scalar(select(Post.id))
    ledger.record("helpful", thread.author_id, member.id, post_id=post_id)
    db.session.commit()
    auth.login(mod)
    assert client.post("/u/slow/suspend", data={"reason": "Cooling off"}).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(ContributionEvent.reversed_at)) is None


def test_hiding_a_post_withdraws_its_pingbacks_and_restoring_brings_them_back(client, make, auth, mod):
    target = make.thread(author=make.user("target_author"), title="Target thread")
    source = make.thread(title="Source thread")
    linking = make.reply(source, make.user("linker"), f"See [this thread](/t/{target.id}).")
    assert "Pingback: " in client.get(f"/t/{target.id}").get_data(as_text=True)
    auth.login(mod)
    assert client.post(f"/p/{linking.id}/hide", data={"reason": "Spam"}).status_code == 303
    auth.logout()
    assert "Pingback: " not in client.get(f"/t/{target.id}").get_data(as_text=True)
    auth.login(mod)
    assert client.post(f"/p/{linking.id}/restore").status_code == 303
    auth.logout()
    assert "Pingback: " in client.get(f"/t/{target.id}").get_data(as_text=True)


def test_lifting_an_abuse_suspension_counts_again_what_the_member_gave(client, make, auth, mod):
    from forum.contribution.models import MemberScore

    author = make.user("author")
    thread = make.thread(author=author)
    reply = make.reply(thread, make.user("replier"), "An answer")
    giver = make.user("giver")
    auth.login(author)
    client.post(f"/p/{reply.id}/accept")
    switch_to(auth, giver)
    client.post(f"/p/{reply.id}/helpful")
    opening = db.session.scalar(select(Post.id).where(Post.position == 1))
    client.post(f"/p/{opening}/share")

    def scores():
        db.session.expire_all()
        return {name: getattr(db.session.get(MemberScore, user.id), "all_time", 0)
                for name, user in (("author", author), ("replier", reply.author))}

    assert scores() == {"author": 5, "replier": 25}
    switch_to(auth, mod)
    client.post("/u/giver/suspend", data={"reason": "Ring voting", "abuse": "y"})
    assert scores() == {"author": 0, "replier": 15}  # the accept was the author's, not giver's
    assert client.post("/u/giver/unsuspend", data={"reason": "Appeal upheld"}).status_code == 303
    assert scores() == {"author": 5, "replier": 25}
    client.post("/u/giver/unsuspend")  # not suspended any more: a 409, and nothing counted twice
    assert scores() == {"author": 5, "replier": 25}


def test_lifting_a_moderator_s_abuse_suspension_restores_the_accept_they_made(client, make, auth, mod):
    from forum.contribution.models import MemberScore

    admin = make.user("root", role="admin")
    thread = make.thread()
    reply = make.reply(thread, make.user("replier"), "An answer")
    auth.login(mod)
    client.post(f"/p/{reply.id}/accept")

    def replier_score():
        db.session.expire_all()
        return db.session.get(MemberScore, reply.author_id).all_time

    assert replier_score() == 15
    switch_to(auth, admin)
    client.post(f"/u/{mod.username}/suspend", data={"reason": "Favouritism", "abuse": "y"})
    assert replier_score() == 0
    client.post(f"/u/{mod.username}/unsuspend", data={"reason": "Reviewed"})
    assert replier_score() == 15


def test_the_queue_holds_the_longest_waiting_flagged_posts_first_and_no_deleted_ones(app, make, mod):
    from forum.moderation import queries, services
    from forum.threads.services import delete_post

    thread = make.thread(make.user("op"))
    flaggers = [make.user(f"flagger{i}") for i in range(2)]
    posts = [make.reply(thread, make.user(f"writer{i}"), f"Reply {i}") for i in range(4)]
    for post in (posts[2], posts[0], posts[3], posts[1]):  # flagged in this order
        for flagger in flaggers:
            services.flag_post(post.id, flagger, "spam")
    delete_post(posts[2], mod)  # the first flagged is gone: it takes no place in the queue
    queue = queries.flagged_posts(limit=2)
    assert [entry.post.id for entry in queue] == [posts[0].id, posts[3].id]
    assert all(len(entry.flags) == 2 for entry in queue)
    assert [entry.post.id for entry in queries.flagged_posts()] == [posts[0].id, posts[3].id,
                                                                   posts[1].id]
