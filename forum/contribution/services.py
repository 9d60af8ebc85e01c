"""The acts of recognition: helpful marks, accepted replies, shares and follows.

Each function locks what it changes in the one lock order (``forum/locking.py``: the thread,
then the post, then scores), raises the thread's page-cache revision, applies the rule of who
may act, records or reverses the ledger event in the same transaction and commits; or raises
:class:`Refused` having stored nothing. Uniqueness (one mark and one share per member and
post, one follow per pair) is held by the database's unique constraints, so simultaneous
requests cannot leave two.
"""
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from forum import locking, pagecache, permissions
from forum.accounts.models import Follow, User
from forum.contribution import ledger, revision, trust
from forum.contribution.models import ContributionEvent, HelpfulMark, Share
from forum.database import retrying
from forum.errors import Refused
from forum.extensions import db
from forum.signals import recognized
from forum.threads.models import Post, Thread


@dataclass
class Outcome:
    """What an act left: the post (or member) acted on and whether the act now stands."""

    post_id: int | None
    state: bool
    thread_id: int | None = None
    # The post that held the thread's acceptance before this act, if another did.
    moved_from: int | None = None


def check_can_recognize(member: User) -> None:
    if not permissions.is_active_member(member):
        raise Refused("Your account is suspended, so you cannot mark, accept, share or follow.",
                      403)


def lock_post(post_id: int) -> tuple[Thread, Post]:
    """The post's thread and the post, locked in that order, if members may act on the post.

    The thread's page-cache revision is raised: every act here changes what its page shows.
    """
    thread_id = locking.post_thread_id(post_id)
    if thread_id is None:
        raise Refused("There is no such post.", 404)
    try:
        thread = locking.lock_thread(thread_id)
    except Refused:
        raise Refused("There is no such post.", 404) from None
    post = locking.lock_post(post_id)
    if not permissions.can_see_placeholder(permissions.VISITOR, post):
        db.session.rollback()
        raise Refused("There is no such post.", 404)
    if not permissions.can_see_post(permissions.VISITOR, post):
        db.session.rollback()
        raise Refused("A moderator hid this post, so it cannot be marked, accepted or shared.",
                      403)
    pagecache.bump_thread(thread.id)
    return thread, post


def refuse_unless(allowed: bool, message: str, status: int = 403) -> None:
    if not allowed:
        db.session.rollback()
        raise Refused(message, status)


def _flush_unique() -> bool:
    """Flush a new row held unique by the database; False when a simultaneous request
    stored the same row first (nothing of ours is kept)."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def count_mark(post_id: int, change: int) -> None:
    """Keep ``Post.helpful_count`` in step with the marks, under the post's lock. A plain
    UPDATE: a mark must not raise the post's version, or an edit open meanwhile would fail."""
    db.session.execute(update(Post.__table__).where(Post.__table__.c.id == post_id)
                       .values(helpful_count=Post.__table__.c.helpful_count + change))


@retrying
def toggle_helpful(post_id: int, member: User) -> Outcome:
    """Mark a post helpful, or take the mark back; the author gets (or loses) its points."""
    check_can_recognize(member)
    _thread, post = lock_post(post_id)
    refuse_unless(permissions.can_recognize(member, post), "You cannot mark your own post helpful.")
    mark = db.session.scalar(select(HelpfulMark).where(
        HelpfulMark.post_id == post.id, HelpfulMark.user_id == member.id))
    if mark is not None:
        db.session.delete(mark)
        count_mark(post.id, -1)
        ledger.reverse_where("the mark was taken back", kind="helpful", post_id=post.id,
                             actor_id=member.id)
        db.session.commit()
        return Outcome(post_id, False, post.thread_id)
    thread_id = post.thread_id
    db.session.add(HelpfulMark(post_id=post.id, user_id=member.id))
    if not _flush_unique():
        return Outcome(post_id, True, thread_id)
    count_mark(post_id, 1)
    author_id = post.author_id
    ledger.record("helpful", author_id, member.id, post_id=post.id)
    db.session.commit()
    trust.enqueue_pending()
    recognized.send("helpful", post_id=post_id, beneficiary_id=author_id, actor_id=member.id)
    return Outcome(post_id, True, thread_id)


@retrying
def toggle_accept(post_id: int, member: User) -> Outcome:
    """Make a reply the thread's accepted answer (moving the choice from any other), or
    take it back. The thread's author or a moderator chooses; closed threads included."""
    check_can_recognize(member)
    thread, post = lock_post(post_id)
    thread_id = thread.id
    if post.is_opening:
        db.session.rollback()
        raise Refused("The opening post cannot be accepted: accept one of the replies.", 400)
    refuse_unless(permissions.can_accept(member, post),
                  "Only the thread's author or a moderator can accept a reply.")
    previous = thread.accepted_post_id
    if previous is not None:
        ledger.reverse_where("the acceptance was taken back" if previous == post.id else
                             "another reply was accepted instead", kind="accepted",
                             post_id=previous)
    if previous == post.id:
        thread.accepted_post_id = None
        db.session.commit()
        return Outcome(post_id, False, thread_id)
    thread.accepted_post_id = post.id
    author_id = post.author_id
    ledger.record("accepted", author_id, member.id, post_id=post.id)
    db.session.commit()
    trust.enqueue_pending()
    recognized.send("accepted", post_id=post_id, beneficiary_id=author_id, actor_id=member.id)
    return Outcome(post_id, True, thread_id, moved_from=previous)


@retrying
def share(post_id: int, member: User) -> Outcome:
    """Share a post: once per member and post; sharing again changes nothing."""
    check_can_recognize(member)
    _thread, post = lock_post(post_id)
    refuse_unless(permissions.can_recognize(member, post), "You cannot share your own post.")
    thread_id = post.thread_id
    exists = db.session.scalar(select(Share.id).where(
        Share.post_id == post.id, Share.user_id == member.id))
    if exists is not None:
        db.session.rollback()
        return Outcome(post_id, True, thread_id)
    db.session.add(Share(post_id=post.id, user_id=member.id))
    if not _flush_unique():
        return Outcome(post_id, True, thread_id)
    author_id = post.author_id
    ledger.record("shared", author_id, member.id, post_id=post.id)
    db.session.commit()
    trust.enqueue_pending()
    recognized.send("shared", post_id=post_id, beneficiary_id=author_id, actor_id=member.id)
    return Outcome(post_id, True, thread_id)


@retrying
def toggle_follow(followed: User, member: User) -> Outcome:
    """Follow a member, or stop. Shown on profiles; never worth a point."""
    check_can_recognize(member)
    refuse_unless(permissions.can_follow(member, followed), "You cannot follow yourself.")
    follow = db.session.get(Follow, (member.id, followed.id))
    revision.changed()  # profiles show who follows whom
    if follow is not None:
        db.session.delete(follow)
        db.session.commit()
        return Outcome(None, False)
    followed_id, member_id = followed.id, member.id
    db.session.add(Follow(follower_id=member_id, followed_id=followed_id))
    if _flush_unique():
        db.session.commit()
        recognized.send("follow", post_id=None, beneficiary_id=followed_id, actor_id=member_id)
    return Outcome(None, True)


def restore_given(member: User) -> int:
    """Record again the points ``member`` gave whose acts still stand; returns how many.

    One mechanism for two moments: lifting a suspension for abuse (which reversed everything
    the member gave) and the member becoming trusted (their held events were just released,
    see forum/contribution/trust.py). Marks and shares that still exist on visible posts
    count again, and so does an acceptance whose reply is still its thread's accepted one;
    acts that still have a live event are left alone, so running it twice changes nothing.
    The acts' rows are locked first (threads, then marks and shares), so an unmark or an
    un-accept racing this either lands before it or finds the new event to reverse. The caps
    apply as of now. No commit.
    """
    visible = permissions.visible_posts(permissions.VISITOR, Post.id, Post.author_id)
    acts = []
    accepted_by_member = select(ContributionEvent.post_id).where(
        ContributionEvent.kind == "accepted", ContributionEvent.actor_id == member.id)
    rows = db.session.execute(
        visible.where(Thread.accepted_post_id == Post.id, Post.id.in_(accepted_by_member))
        .with_for_update(read=True, of=Thread))
    acts += [("accepted", post_id, author_id) for post_id, author_id in rows]
    for model, kind in ((HelpfulMark, "helpful"), (Share, "shared")):
        rows = db.session.execute(
            visible.join(model, model.post_id == Post.id).where(model.user_id == member.id)
            .with_for_update(read=True, of=model))
        acts += [(kind, post_id, author_id) for post_id, author_id in rows]
    ledger.release_held(member.id)
    live = ContributionEvent.reversed_at.is_(None)
    standing = {(kind, post_id) for kind, post_id in db.session.execute(
        select(ContributionEvent.kind, ContributionEvent.post_id)
        .where(ContributionEvent.actor_id == member.id, live))}
    # An acceptance counts once per reply, whoever recorded it.
    standing |= {("accepted", post_id) for post_id in db.session.scalars(
        select(ContributionEvent.post_id).where(
            ContributionEvent.kind == "accepted", live,
            ContributionEvent.post_id.in_([p for k, p, _a in acts if k == "accepted"])))}
    return ledger.record_acts(member.id, [
        ledger.Act(kind, author_id, post_id) for kind, post_id, author_id in acts
        if (kind, post_id) not in standing])
