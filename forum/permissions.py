"""Who may do what: every permission rule of the forum, each in one named check.

Services refuse with these, routes answer 403 with them, and templates show a tool only
where they say yes (they are Jinja globals: see :func:`init_app`). Nothing else re-derives
a rule from roles or author ids.

Each check takes the acting member first. A visitor (``None``, or Flask-Login's anonymous
user) is welcome everywhere and may only read. A suspended member reads like anyone else
but may not write, recognize, flag or moderate.

Reading has one rule, in two spellings side by side: :func:`can_see_post` for one loaded
post, :func:`visible_posts` for a query. Every read path (thread pages, permalinks, edit
histories, feeds, search, the API, profiles, listings) filters through them.
"""
from flask import Flask
from sqlalchemy import Select, select, true

from forum.accounts.models import User
from forum.extensions import db
from forum.threads.models import Post, Thread

# What the read checks accept for a reader who is not signed in.
VISITOR = None


# --- who is acting ----------------------------------------------------------------------

def is_member(user) -> bool:
    """Signed in (a visitor is not)."""
    return user is not None and bool(user.is_authenticated)


def is_active_member(user) -> bool:
    """A signed-in member who is not suspended: the one who may write and recognize."""
    return is_member(user) and not user.is_suspended


def is_suspended(user) -> bool:
    """A signed-in member whom a moderator has suspended."""
    return is_member(user) and user.is_suspended


def is_author(user, thing: Post | Thread) -> bool:
    return is_member(user) and user.id == thing.author_id


def can_moderate(user) -> bool:
    """Moderators and admins moderate, unless an admin has suspended them."""
    return is_active_member(user) and user.role in ("moderator", "admin")


def is_admin(user) -> bool:
    return is_active_member(user) and user.role == "admin"


# --- reading ----------------------------------------------------------------------------

def can_see_thread(viewer, thread: Thread | None) -> bool:
    """A thread is there for everyone until it is deleted; then for nobody."""
    return thread is not None and thread.deleted_at is None


def can_see_post(viewer, post: Post | None) -> bool:
    """A post's text: everyone's while it is neither deleted nor in a deleted thread, and
    not hidden by a moderator; moderators read hidden posts too."""
    if post is None or post.deleted_at is not None or not can_see_thread(viewer, post.thread):
        return False
    return post.hidden_at is None or can_moderate(viewer)


def can_see_placeholder(viewer, post: Post | None) -> bool:
    """Whether the thread page holds the post's place: hidden posts keep theirs, showing
    readers who may not see them only "hidden by a moderator"."""
    return (post is not None and post.deleted_at is None
            and can_see_thread(viewer, post.thread))


def visible_threads(viewer, *columns) -> Select:
    """``select(Thread)`` (or ``columns``) of the threads ``viewer`` may see
    (:func:`can_see_thread`)."""
    return select(*columns or (Thread,)).where(Thread.deleted_at.is_(None))


def visible_posts(viewer, *columns, placeholders: bool = False) -> Select:
    """``select(Post)`` (or ``columns``) of the posts whose text ``viewer`` may read
    (:func:`can_see_post`), joined to their threads.

    With ``placeholders``, also the hidden posts a thread page shows as a placeholder
    (:func:`can_see_placeholder`); the template decides with :func:`can_see_post` whether
    to show the text.
    """
    statement = (select(*columns or (Post,)).select_from(Post)
                 .join(Thread, Thread.id == Post.thread_id)
                 .where(Post.deleted_at.is_(None), Thread.deleted_at.is_(None)))
    return statement.where(post_text_visible(viewer, placeholders))


def post_text_visible(viewer, placeholders: bool = False):
    """The hidden-post part of :func:`visible_posts`, as a condition on ``Post``."""
    if placeholders or can_moderate(viewer):
        return true()
    return Post.hidden_at.is_(None)


def can_see_history(viewer, post: Post) -> bool:
    """A post's earlier texts are shown to those who may read the post."""
    return can_see_post(viewer, post)


def can_see_outgoing_mentions(viewer, post: Post) -> bool:
    """Whether the sites a post notified, and how that went, are shown: to its author and
    to moderators."""
    return is_author(viewer, post) or can_moderate(viewer)


# --- writing ----------------------------------------------------------------------------

def can_post(member) -> bool:
    """Start threads and write replies at all: any member who is not suspended."""
    return is_active_member(member)


def can_reply(member, thread: Thread) -> bool:
    """Reply to a thread: a member who may post, in a thread that is there and open."""
    return can_post(member) and can_see_thread(member, thread) and not thread.is_closed


def can_quote(member, post: Post) -> bool:
    """Quote a post into a reply: whoever may reply to its thread, from a post everyone can
    read (a hidden post's text never goes into a reply)."""
    return can_reply(member, post.thread) and can_see_post(VISITOR, post)


def can_edit(member, post: Post) -> bool:
    """Edit a post: its author or a moderator, neither suspended, while the post and its
    thread are there (a deleted thread's replies are gone for edits too)."""
    if not can_see_placeholder(member, post):
        return False
    return (is_active_member(member) and is_author(member, post)) or can_moderate(member)


def can_edit_thread(member, thread: Thread) -> bool:
    """Change a thread's title and tags: its author or a moderator, neither suspended."""
    if not can_see_thread(member, thread):
        return False
    return (is_active_member(member) and is_author(member, thread)) or can_moderate(member)


def can_delete(member, post: Post) -> bool:
    """Delete a post: a moderator, any post; its author (not suspended) their replies, and
    their opening post, which deletes the thread, only while nobody else has replied.

    What others earned in a thread stays theirs: after someone else's first reply only a
    moderator deletes the thread (and so takes back what its posts earned). A suspended
    author deletes nothing, so a suspension cannot be used to erase anything either.
    """
    if not can_edit(member, post):
        return False
    return can_moderate(member) or not post.is_opening or not others_replied(post)


def others_replied(post: Post) -> bool:
    """Whether anyone but the thread's author has a reply (not deleted) in the post's thread."""
    return db.session.scalar(select(Post.id).where(
        Post.thread_id == post.thread_id, Post.position > 1, Post.author_id != post.author_id,
        Post.deleted_at.is_(None)).limit(1)) is not None


# --- recognition ------------------------------------------------------------------------

def can_recognize(member, post: Post) -> bool:
    """Mark a post helpful or share it: a member who is not suspended, on someone else's
    post that everyone can read (not hidden, not deleted). Closed threads included."""
    return (is_active_member(member) and not is_author(member, post)
            and can_see_post(VISITOR, post))


def can_accept(member, post: Post) -> bool:
    """Accept a reply as the thread's answer (or take it back): the thread's author or a
    moderator, neither suspended, on a reply everyone can read. Closed threads included."""
    if not is_active_member(member) or post.is_opening or not can_see_post(VISITOR, post):
        return False
    return is_author(member, post.thread) or can_moderate(member)


def can_follow(member, other: User) -> bool:
    """Follow another member: any member who is not suspended; not oneself."""
    return is_active_member(member) and member.id != other.id


def can_flag(member, post: Post) -> bool:
    """Ask moderators to look at a post: a member who is not suspended, not its author."""
    return (is_active_member(member) and not is_author(member, post)
            and can_see_placeholder(member, post))


# --- moderation -------------------------------------------------------------------------

def can_close(member, thread: Thread) -> bool:
    """Close a thread: moderators any, a member who is not suspended their own."""
    if not can_see_thread(member, thread):
        return False
    return can_moderate(member) or (is_active_member(member) and is_author(member, thread))


def can_reopen(member, thread: Thread) -> bool:
    """Reopen a thread: moderators any; its author, not suspended, only what the author
    closed (not what a moderator or the calendar closed)."""
    if not can_see_thread(member, thread):
        return False
    if can_moderate(member):
        return True
    return (is_active_member(member) and is_author(member, thread)
            and thread.closed_by_role == "author")


def can_pin(member, thread: Thread) -> bool:
    """Pin a thread to the front page, or unpin it: moderators."""
    return can_moderate(member) and can_see_thread(member, thread)


def can_hide(member, post: Post) -> bool:
    """Hide a post from members, restore it, or dismiss its flags: moderators."""
    return can_moderate(member) and can_see_placeholder(member, post)


def can_suspend(actor, member: User) -> bool:
    """Suspend a member or lift their suspension: moderators; only an admin a moderator or
    another admin; nobody themselves, nor a deleted account."""
    if not can_moderate(actor) or actor.id == member.id or member.is_deleted:
        return False
    return member.role not in ("moderator", "admin") or is_admin(actor)


def can_trust(actor, member: User) -> bool:
    """Grant or withdraw a member's trust (forum/contribution/trust.py): moderators, for
    members other than themselves; moderators and admins are trusted by their role."""
    return (can_moderate(actor) and actor.id != member.id and member.role == "member"
            and not member.is_deleted)


def can_decide_link(member) -> bool:
    """Approve or reject an incoming Pingback or Webmention: moderators."""
    return can_moderate(member)


def can_see_moderation(member) -> bool:
    """The moderation queue and the audit log: moderators."""
    return can_moderate(member)


CHECKS = {name: check for name, check in dict(globals()).items()
          if name.startswith(("can_", "is_")) and callable(check)}


def init_app(app: Flask) -> None:
    """Every check as a Jinja global, so templates ask the same rules services apply."""
    app.jinja_env.globals.update(CHECKS)
