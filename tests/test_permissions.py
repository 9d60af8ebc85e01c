"""Who may do what (forum/permissions.py): the rules as a table, then the holes they closed,
each through the app on both databases."""
import subprocess
import sys
from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from forum import models  # noqa: F401 (every model, for unsaved instances)
from forum import permissions
from forum.accounts.models import User
from forum.contribution.models import ContributionEvent
from forum.extensions import db
from forum.links.models import Link
from forum.threads.models import Category, Post, PostRevision, Thread
from forum.timeutil import utcnow

# --- the rules as a table -----------------------------------------------------------------
# Each act names the actors allowed; every other actor is refused. "author" wrote the thread
# and its opening post; "replier" wrote the reply; "suspended" is the author, suspended.
ACTORS = ("visitor", "anonymous", "member", "author", "moderator", "admin", "suspended",
          "suspended_mod")
MODS = {"moderator", "admin"}
ACTIVE = {"member", "author"} | MODS
EVERYONE = set(ACTORS)


def member(id_, role="member", suspended=False):
    return User(id=id_, username=f"u{id_}", username_key=f"u{id_}", email=f"u{id_}@x.org",
                password_hash="-", role=role, suspended_at=utcnow() if suspended else None)


class World:
    """Unsaved models: the checks are pure functions of what they are given."""

    def __init__(self):
        self.people = {
            "visitor": None, "anonymous": AnonymousUserMixin(),
            "member": member(1), "author": member(2), "moderator": member(3, "moderator"),
            "admin": member(4, "admin"), "suspended": member(2, suspended=True),
            "suspended_mod": member(5, "moderator", suspended=True),
        }
        self.replier = member(6)
        self.other_admin = member(7, "admin")
        self.thread = self.make_thread()
        self.opening = Post(id=10, thread=self.thread, author_id=2, position=1)
        self.reply = Post(id=11, thread=self.thread, author_id=6, position=2)

    def make_thread(self, **values):
        now = utcnow()
        return Thread(author_id=2, category=Category(auto_close_days=None),
                      created_at=now, last_activity_at=now, **values)

    def reply_in(self, thread=None, **values):
        return Post(id=12, thread=thread or self.thread, author_id=6, position=2, **values)


W = World()
closed_by_author = W.make_thread(closed_at=utcnow() - timedelta(minutes=1), closed_by_role="author")
closed_by_mod = W.make_thread(closed_at=utcnow() - timedelta(minutes=1), closed_by_role="moderator")
deleted_thread = W.make_thread(deleted_at=utcnow())
hidden_reply = W.reply_in(hidden_at=utcnow())
deleted_reply = W.reply_in(deleted_at=utcnow())
reply_in_deleted = W.reply_in(deleted_thread)
own_reply_in_deleted = Post(id=13, thread=deleted_thread, author_id=2, position=2)

TABLE = [
    # act, check, object, who may
    ("read a post", permissions.can_see_post, W.reply, EVERYONE),
    ("read a hidden post", permissions.can_see_post, hidden_reply, MODS),
    ("read a deleted post", permissions.can_see_post, deleted_reply, set()),
    ("read a post in a deleted thread", permissions.can_see_post, reply_in_deleted, set()),
    ("see a hidden post's place", permissions.can_see_placeholder, hidden_reply, EVERYONE),
    ("read a hidden post's history", permissions.can_see_history, hidden_reply, MODS),
    ("see a thread", permissions.can_see_thread, W.thread, EVERYONE),
    ("see a deleted thread", permissions.can_see_thread, deleted_thread, set()),
    ("start a thread", lambda who, _: permissions.can_post(who), None, ACTIVE),
    ("reply", permissions.can_reply, W.thread, ACTIVE),
    ("reply to a closed thread", permissions.can_reply, closed_by_author, set()),
    ("reply to a deleted thread", permissions.can_reply, deleted_thread, set()),
    ("edit the opening post", permissions.can_edit, W.opening, {"author"} | MODS),
    ("edit a hidden reply", permissions.can_edit, hidden_reply, MODS),
    ("edit a reply in a deleted thread", permissions.can_edit, own_reply_in_deleted, set()),
    # (Deleting an opening post also asks the database whether others replied: that rule is
    # told through the app in tests/threads/test_delete_rule.py.)
    ("delete a reply in a deleted thread", permissions.can_delete, own_reply_in_deleted, set()),
    ("mark or share the opening post", permissions.can_recognize, W.opening,
     {"member"} | MODS),
    ("mark or share a hidden reply", permissions.can_recognize, hidden_reply, set()),
    ("accept a reply", permissions.can_accept, W.reply, {"author"} | MODS),
    ("accept the opening post", permissions.can_accept, W.opening, set()),
    ("accept a hidden reply", permissions.can_accept, hidden_reply, set()),
    ("flag the opening post", permissions.can_flag, W.opening, {"member"} | MODS),
    ("follow the replier", permissions.can_follow, W.replier, ACTIVE),
    ("close a thread", permissions.can_close, W.thread, {"author"} | MODS),
    ("reopen what its author closed", permissions.can_reopen, closed_by_author,
     {"author"} | MODS),
    ("reopen what a moderator closed", permissions.can_reopen, closed_by_mod, MODS),
    ("pin a thread", permissions.can_pin, W.thread, MODS),
    ("hide a post", permissions.can_hide, W.reply, MODS),
    ("suspend a member", permissions.can_suspend, W.replier, MODS),
    ("suspend a moderator", permissions.can_suspend, member(8, "moderator"), {"admin"}),
    ("suspend an admin", permissions.can_suspend, W.other_admin, {"admin"}),
    ("trust a member", permissions.can_trust, W.replier, MODS),
    ("decide an incoming link", lambda who, _: permissions.can_decide_link(who), None, MODS),
    ("see the queue and the log", lambda who, _: permissions.can_see_moderation(who), None, MODS),
    ("see a post's outgoing mentions", permissions.can_see_outgoing_mentions, W.opening,
     {"author", "suspended"} | MODS),
]


@pytest.mark.parametrize("act, check, thing, allowed", TABLE, ids=[row[0] for row in TABLE])
def test_who_may(act, check, thing, allowed):
    verdicts = {actor: check(W.people[actor], thing) for actor in ACTORS}
    assert all(isinstance(v, bool) for v in verdicts.values()), verdicts
    assert {actor for actor, allowed_ in verdicts.items() if allowed_} == allowed


@pytest.mark.parametrize("actor", [a for a in ACTORS if W.people[a] is not None
                                   and W.people[a].is_authenticated])
def test_nobody_suspends_or_trusts_themselves(actor):
    who = W.people[actor]
    assert not permissions.can_suspend(who, who)
    assert not permissions.can_trust(who, who)


def test_every_check_is_a_template_global(app):
    for name in ("can_edit", "can_delete", "can_recognize", "can_accept", "can_close",
                 "can_reopen", "can_pin", "can_moderate", "can_suspend", "can_trust",
                 "can_see_post", "can_see_thread", "can_reply"):
        assert app.jinja_env.globals[name] is getattr(permissions, name)


def test_the_sql_filter_and_the_python_check_agree(app, make):
    """visible_posts(viewer) holds exactly the posts can_see_post(viewer, post) allows."""
    thread = make.thread()
    kept, hidden, deleted = (make.reply(thread, body=text) for text in ("kept", "hid", "gone"))
    gone_thread = make.thread(title="Gone")
    in_gone = make.reply(gone_thread, body="in a gone thread")
    now = utcnow()
    db.session.get(Post, hidden.id).hidden_at = now
    db.session.get(Post, deleted.id).deleted_at = now
    db.session.get(Thread, gone_thread.id).deleted_at = now
    db.session.commit()
    everyone = db.session.scalars(select(Post)).all()
    for viewer in (None, make.user("reader"), make.user("mod", role="moderator")):
        listed = set(db.session.scalars(permissions.visible_posts(viewer).with_only_columns(Post.id)))
        assert listed == {p.id for p in everyone if permissions.can_see_post(viewer, p)}
        assert kept.id in listed and deleted.id not in listed and in_gone.id not in listed
        assert (hidden.id in listed) == (viewer is not None and viewer.role == "moderator")


# --- through the app ----------------------------------------------------------------------

def opening_post_id(thread) -> int:
    return db.session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.position == 1))


@pytest.fixture
def mod(make):
    return make.user("mona", role="moderator")


def test_a_hidden_post_s_history_is_for_moderators_only(client, make, auth, mod):
    thread = make.thread()
    reply = make.reply(thread, body="first words")
    auth.login(reply.author)
    client.post(f"/p/{reply.id}/edit", data={"body": "Call 555-0199 for cheap watches",
                                              "version": "1"})
    auth.logout()
    assert "cheap watches" in client.get(f"/p/{reply.id}/history").get_data(as_text=True)
    auth.login(mod)
    assert client.post(f"/p/{reply.id}/hide", data={"reason": "Spam"}).status_code == 303
    page = client.get(f"/p/{reply.id}/history")
    assert page.status_code == 200 and "cheap watches" in page.get_data(as_text=True)
    for reader in (None, make.user("rita"), reply.author):
        auth.logout()
        if reader is not None:
            auth.login(reader)
        page = client.get(f"/p/{reply.id}/history")
        assert page.status_code == 404
        assert "cheap watches" not in page.get_data(as_text=True)
        assert "first words" not in page.get_data(as_text=True)
        # The permalink still leads to the post's place, which says it was hidden.
        assert client.get(f"/p/{reply.id}").status_code == 303
        assert "cheap watches" not in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_replies_in_a_deleted_thread_cannot_be_edited_or_deleted(client, make, auth):
    target = make.thread(title="Linked to", author=make.user("tara"))
    thread = make.thread(title="Going away")
    reply = make.reply(thread, body="A reply, soon in a deleted thread.")
    auth.login(make.user("mod", role="moderator"))  # others replied: a moderator deletes it
    assert client.post(f"/p/{opening_post_id(thread)}/delete").status_code == 303
    auth.logout()
    auth.login(reply.author)
    body = f"See http://localhost/t/{target.id} for more."
    assert client.get(f"/p/{reply.id}/edit").status_code == 404
    assert client.post(f"/p/{reply.id}/edit", data={"body": body, "version": "1"}).status_code == 404
    assert client.post(f"/p/{reply.id}/delete").status_code == 404
    assert client.get(f"/p/{reply.id}").status_code == 404
    assert client.get(f"/p/{reply.id}/history").status_code == 404
    db.session.expire_all()
    stored = db.session.get(Post, reply.id)
    assert stored.body == "A reply, soon in a deleted thread." and stored.deleted_at is None
    assert db.session.scalar(select(func.count(PostRevision.id))) == 0
    assert db.session.scalar(select(func.count(Link.id))) == 0
    assert db.session.scalar(select(func.count(ContributionEvent.id)).where(
        ContributionEvent.reversed_at.is_(None))) == 0


def suspend(user):
    db.session.get(User, user.id).suspended_at = utcnow()
    db.session.commit()


def test_a_suspended_member_cannot_delete_close_or_reopen(client, make, auth, mod):
    author = make.user("sam")
    closed = make.thread(author=author, title="Closed by its author")
    reply = make.reply(closed, author=author, body="my reply")
    open_thread = make.thread(author=author, title="Still open")
    auth.login(author)
    assert client.post(f"/t/{closed.id}/close", data={"reason": "Done"}).status_code == 303
    opening = opening_post_id(open_thread)
    tools = (f'action="/t/{open_thread.id}/close"', f'action="/p/{opening}/delete"',
             f'href="/p/{opening}/edit"')
    page = client.get(f"/t/{open_thread.id}").get_data(as_text=True)
    assert all(tool in page for tool in tools)
    suspend(author)
    page = client.get(f"/t/{open_thread.id}").get_data(as_text=True)
    assert not any(tool in page for tool in tools)
    assert "Your account is suspended, so you cannot reply." in page
    assert client.post(f"/p/{reply.id}/delete").status_code == 403
    response = client.post(f"/t/{open_thread.id}/close", data={"reason": "Mine"})
    assert response.status_code == 403 and "suspended" in response.get_data(as_text=True)
    response = client.post(f"/t/{closed.id}/reopen", data={"reason": ""})
    assert response.status_code == 403 and "suspended" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, reply.id).deleted_at is None
    assert db.session.get(Thread, open_thread.id).closed_at is None
    assert db.session.get(Thread, closed.id).closed_at is not None


def test_the_queue_offers_suspension_only_where_the_rule_allows(client, make, auth, mod):
    thread = make.thread()
    by_member = make.reply(thread, body="member's words", author=make.user("mel"))
    by_mod = make.reply(thread, body="moderator's words", author=make.user("otto", role="moderator"))
    auth.login(make.user("fred"))
    for post in (by_member, by_mod):
        assert client.post(f"/p/{post.id}/flag", data={"reason": "Look"}).status_code == 303
    auth.logout()
    auth.login(mod)
    page = client.get("/mod/queue").get_data(as_text=True)
    assert "/u/mel/suspend" in page and "/u/otto/suspend" not in page
    assert "/u/otto/suspend" not in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert client.get("/u/otto/suspend").status_code == 403
    assert client.post("/u/otto/suspend", data={"reason": "No"}).status_code == 403
    assert db.session.get(User, by_mod.author_id).suspended_at is None
    auth.logout()
    auth.login(make.user("ada", role="admin"))
    page = client.get("/mod/queue").get_data(as_text=True)
    assert "/u/mel/suspend" in page and "/u/otto/suspend" in page
    assert client.post("/u/otto/suspend", data={"reason": "Abused the tools"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, by_mod.author_id).suspended_at is not None
    # A suspended moderator moderates no more.
    auth.logout()
    auth.login(by_mod.author)
    assert client.get("/mod/queue").status_code == 403
    assert client.post(f"/p/{by_member.id}/hide", data={"reason": "x"}).status_code == 403


def test_link_decisions_refuse_non_moderators_before_looking_the_link_up(client, make, auth):
    thread = make.thread()
    link = Link(kind="pingback", status="pending", source_url="http://example.org/a",
                target_url=f"http://localhost/t/{thread.id}", target_thread_id=thread.id,
                target_post_id=opening_post_id(thread))
    db.session.add(link)
    db.session.commit()
    for who in (None, make.user("bob")):
        if who is not None:
            auth.login(who)
        for link_id in (link.id, link.id + 1000):
            for decision in ("approve", "reject"):
                response = client.post(f"/mod/links/{link_id}/{decision}")
                assert response.status_code == 403, (who, link_id, decision)
    auth.logout()
    auth.login(make.user("mo", role="moderator"))
    assert client.post(f"/mod/links/{link.id + 1000}/approve").status_code == 404
    assert client.post(f"/mod/links/{link.id}/approve").status_code == 303
    assert db.session.get(Link, link.id).status == "approved"


# --- wiring -------------------------------------------------------------------------------

def test_importing_modules_connects_nothing_and_create_app_connects_every_receiver(tmp_path):
    """Receivers are connected by each package's init_app, never by an import."""
    script = f"""
import forum.contribution.receivers, forum.contribution.routes, forum.links.routes
import forum.links.receivers, forum.threads.routes, forum.moderation.routes
from forum.signals import post_changed, post_committed
assert not post_changed.receivers and not post_committed.receivers, "connected at import"
from forum import create_app
create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/w.db", "AUTO_MIGRATE": False}})
from forum.contribution.receivers import on_post_changed
from forum.links.receivers import keep_links_in_step, send_mentions
assert set(post_changed.receivers_for(None)) >= {{on_post_changed, keep_links_in_step}}
assert send_mentions in set(post_committed.receivers_for(None))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
