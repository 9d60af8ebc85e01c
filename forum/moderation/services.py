"""Moderation rules: closing, pinning, hiding, flagging and suspending, and who may do each.

Every function commits a complete change, with its audit-log entry in the same transaction,
or raises :class:`Refused` having stored nothing. Locks are taken in the one order
(``forum/locking.py``: thread, post, member, scores) and decided on as the lock returns them.
"""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from forum import locking, pagecache
from forum.accounts.models import User
from forum.contribution import trust
from forum.database import retrying
from forum.permissions import (VISITOR, can_close, can_flag, can_hide, can_moderate, can_pin,
                               can_reopen, can_see_placeholder, can_suspend, is_author,
                               is_suspended)
from forum.errors import Refused
from forum.extensions import db
from forum.locking import lock_thread
from forum.moderation.audit import log_action
from forum.moderation.models import Flag
from forum.signals import post_changed, post_committed, thread_closed
from forum.threads.models import Category, Post, Thread, auto_close_reason, new_revision
from forum.timeutil import utcnow

REASON_MAX = 500
SUSPENDED = "Your account is suspended, so you cannot do that."


def check_reason(reason: str | None, required: bool, what: str) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise Refused(f"Say why you {what}: the reason is shown to members.")
    if len(reason) > REASON_MAX:
        raise Refused(f"A reason holds at most {REASON_MAX} characters.")
    return reason


def refuse(message: str, status: int):
    db.session.rollback()
    raise Refused(message, status)


# Threads: the thread row is locked first, so a close and a reply queue on it (see
# threads.services.reply): a reply lands before the close or is refused.

@retrying
def close_thread(thread_id: int, actor: User, reason: str) -> Thread:
    """Close a thread with a reason shown where the reply form was."""
    reason = check_reason(reason, True, "are closing this thread")
    thread = lock_thread(thread_id)
    if not can_close(actor, thread):
        refuse(SUSPENDED if is_suspended(actor) else
               "Only a moderator or the thread's author can close it.", 403)
    now = utcnow()
    if thread.closed_state(now)[0]:
        refuse("This thread is closed already.", 409)
    pagecache.bump_thread(thread.id)
    thread.closed_at = now
    thread.closed_reason = reason
    thread.closed_by_id = actor.id
    thread.closed_by_role = "moderator" if can_moderate(actor) else "author"
    log_action(actor, "close", "thread", thread.id, reason)
    db.session.commit()
    thread_closed.send(thread_id, actor_id=actor.id)
    return thread


@retrying
def reopen_thread(thread_id: int, actor: User, reason: str = "") -> Thread:
    """Reopen a closed thread. Reopening an auto-closed thread starts its clock again."""
    reason = check_reason(reason, False, "are reopening this thread")
    thread = lock_thread(thread_id)
    now = utcnow()
    if not thread.closed_state(now)[0]:
        refuse("This thread is open.", 409)
    if not can_reopen(actor, thread):
        refuse(SUSPENDED if is_suspended(actor) else
               "Only a moderator can reopen this thread." if is_author(actor, thread) else
               "Only a moderator or the author who closed it can reopen this thread.", 403)
    pagecache.bump_thread(thread.id)
    thread.closed_at = thread.closed_reason = thread.closed_by_id = thread.closed_by_role = None
    if thread.closed_state(now)[0]:
        # Closed by the calendar: the reopened thread gets a full auto_close_days again.
        thread.last_activity_at = now
    log_action(actor, "reopen", "thread", thread.id, reason)
    db.session.commit()
    return thread


@retrying
def toggle_pin(thread_id: int, moderator: User) -> Thread:
    """Pin a thread to the top of the front page, or unpin it."""
    thread = lock_thread(thread_id)
    if not can_pin(moderator, thread):
        refuse("Only a moderator can pin threads.", 403)
    pagecache.bump_thread(thread.id)
    thread.pinned = not thread.pinned
    log_action(moderator, "pin" if thread.pinned else "unpin", "thread", thread.id)
    db.session.commit()
    return thread


def close_stale(now: datetime | None = None) -> int:
    """Record the auto-close of every thread past its category's ``auto_close_days``.

    The close already holds from that moment (Thread.closed_state); this writes it down for
    listings, with the moment it took effect. Safe to run from cron at any interval.
    """
    now = now or utcnow()
    closed = 0
    categories = db.session.scalars(
        select(Category).where(Category.auto_close_days.is_not(None), Category.auto_close_days > 0)
    ).all()
    for category in categories:
        days = category.auto_close_days
        cutoff = now - timedelta(days=days)
        stale = db.session.execute(
            select(Thread.id, Thread.last_activity_at).where(
                Thread.category_id == category.id, Thread.closed_at.is_(None),
                Thread.deleted_at.is_(None), Thread.last_activity_at <= cutoff)
        ).all()
        for thread_id, last_activity_at in stale:
            # The guard repeats the test, so a thread that came alive meanwhile stays open.
            result = db.session.execute(
                update(Thread).where(Thread.id == thread_id, Thread.closed_at.is_(None),
                                     Thread.last_activity_at == last_activity_at)
                .values(closed_at=last_activity_at + timedelta(days=days),
                        closed_reason=auto_close_reason(days), closed_by_id=None,
                        closed_by_role="auto", revision=new_revision())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:
                log_action(None, "close", "thread", thread_id, auto_close_reason(days))
                closed += 1
        db.session.commit()
    return closed


# Posts.

def lock_post(post_id: int) -> Post:
    """The post's thread, then the post, locked (and the thread's page-cache revision raised):
    what a moderator does to a post shows on its thread's page."""
    thread_id = locking.post_thread_id(post_id)
    if thread_id is None:
        refuse("There is no such post.", 404)
    locking.lock_thread(thread_id, deleted=True)
    post = locking.lock_post(post_id)
    if not can_see_placeholder(VISITOR, post):
        refuse("There is no such post.", 404)
    pagecache.bump_thread(thread_id)
    return post


def resolve_flags(post: Post, moderator: User, resolution: str) -> int:
    flags = db.session.scalars(
        select(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
    ).all()
    now = utcnow()
    for flag in flags:
        flag.resolved_at = now
        flag.resolved_by_id = moderator.id
        flag.resolution = resolution
        log_action(moderator, "resolve_flag", "flag", flag.id, resolution)
    return len(flags)


@retrying
def hide_post(post_id: int, moderator: User, reason: str = "") -> Post:
    """Hide a post from members (moderators still see it); resolves its open flags."""
    reason = check_reason(reason, False, "are hiding this post")
    post = lock_post(post_id)
    if not can_hide(moderator, post):
        refuse("Only a moderator can hide posts.", 403)
    if post.hidden_at is not None:
        refuse("This post is hidden already.", 409)
    post.hidden_at = utcnow()
    post.hidden_reason = reason or None
    log_action(moderator, "hide", "post", post.id, reason)
    resolve_flags(post, moderator, "hidden")
    post_changed.send(post, action="hidden")
    db.session.commit()
    post_committed.send(post, action="hidden")
    return post


@retrying
def restore_post(post_id: int, moderator: User, reason: str = "") -> Post:
    """Show a hidden post to members again."""
    reason = check_reason(reason, False, "are restoring this post")
    post = lock_post(post_id)
    if not can_hide(moderator, post):
        refuse("Only a moderator can restore posts.", 403)
    if post.hidden_at is None:
        refuse("This post is not hidden.", 409)
    post.hidden_at = None
    post.hidden_reason = None
    log_action(moderator, "restore", "post", post.id, reason)
    post_changed.send(post, action="restored")
    db.session.commit()
    trust.enqueue_pending()
    post_committed.send(post, action="restored")
    return post


@retrying
def flag_post(post_id: int, member: User, reason: str) -> Flag:
    """A member asks moderators to look at a post; one open flag per member and post (the post
    is locked, so a double click waits for the first flag and is told it is there)."""
    reason = check_reason(reason, True, "are flagging this post")
    post = locking.lock_post(post_id)
    if not can_see_placeholder(VISITOR, post):
        refuse("There is no such post.", 404)
    if not can_flag(member, post):
        if is_author(member, post):
            refuse("You cannot flag your own post; edit or delete it instead.", 400)
        refuse(SUSPENDED, 403)
    already = db.session.scalar(select(Flag.id).where(
        Flag.post_id == post.id, Flag.user_id == member.id, Flag.resolved_at.is_(None)))
    if already:
        refuse("You have flagged this post already; a moderator will look at it.", 409)
    flag = Flag(post_id=post.id, user_id=member.id, reason=reason)
    db.session.add(flag)
    db.session.commit()
    return flag


@retrying
def dismiss_flags(post_id: int, moderator: User, reason: str = "") -> int:
    """Resolve a post's open flags without acting on the post."""
    check_reason(reason, False, "are dismissing these flags")
    post = lock_post(post_id)
    if not can_hide(moderator, post):
        refuse("Only a moderator can dismiss flags.", 403)
    count = resolve_flags(post, moderator, "dismissed")
    if not count:
        refuse("This post has no open flags.", 409)
    db.session.commit()
    return count


# Members.

@retrying
def suspend_member(member: User, moderator: User, reason: str, abuse: bool = False) -> User:
    """Suspend a member: they can no longer post, mark, share or flag.

    A suspension for abuse also reverses every contribution event the member gave.
    """
    reason = check_reason(reason, True, "are suspending this member")
    if not can_suspend(moderator, member):
        refuse("You cannot suspend yourself." if moderator.id == member.id else
               "Only a moderator can suspend members, and only an admin can suspend a moderator.",
               403)
    member = locking.lock_member(member.id)
    if member.is_suspended:
        refuse(f"{member.username} is suspended already.", 409)
    member.suspended_at = utcnow()
    member.suspended_reason = reason
    member.suspended_for_abuse = bool(abuse)
    if abuse:
        from forum.contribution import ledger

        ledger.reverse_actor(member.id)
    log_action(moderator, "suspend_for_abuse" if abuse else "suspend", "user", member.id, reason)
    db.session.commit()
    return member


@retrying
def unsuspend_member(member: User, moderator: User, reason: str = "") -> User:
    """Lift a suspension. After one for abuse, the member's marks, shares and accepts that still
    stand count again."""
    reason = check_reason(reason, False, "are lifting this suspension")
    if not can_suspend(moderator, member):
        refuse("Only a moderator can lift a suspension, and only an admin a moderator's.", 403)
    # Locked and read afresh: of two moderators lifting it at once, the second finds it lifted.
    member = locking.lock_member(member.id)
    if not member.is_suspended:
        refuse(f"{member.username} is not suspended.", 409)
    if member.suspended_for_abuse:
        from forum.contribution.services import restore_given

        restore_given(member)
    member.suspended_at = None
    member.suspended_reason = None
    member.suspended_for_abuse = False
    log_action(moderator, "unsuspend", "user", member.id, reason)
    db.session.commit()
    trust.enqueue_pending()
    return member
