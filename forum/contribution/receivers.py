"""Keeping the ledger true when posts go away or come back (forum.signals.post_changed,
connected by :func:`forum.contribution.init_app`).

A deleted or hidden post's points are reversed in the same transaction: the marks,
shares and acceptance it earned no longer count. Deleting the opening post deletes the
thread, so every post of it loses its points. A hidden post that a moderator restores
earns them again from the marks and shares that still stand.
"""
from sqlalchemy import select

from forum.contribution import ledger, rules
from forum.contribution.models import ContributionEvent, HelpfulMark, Share
from forum.extensions import db
from forum.threads.models import Post

RECOGNITION = rules.RECOGNITION


def reverse_post(post_id: int) -> None:
    for kind in RECOGNITION:
        ledger.reverse_where(kind=kind, post_id=post_id)


def restore_post(post: Post) -> None:
    """Record again what still stands for ``post``: its marks, shares and acceptance."""
    for user_id in db.session.scalars(select(HelpfulMark.user_id).where(
            HelpfulMark.post_id == post.id)):
        ledger.record("helpful", post.author_id, user_id, post_id=post.id)
    for user_id in db.session.scalars(select(Share.user_id).where(Share.post_id == post.id)):
        ledger.record("shared", post.author_id, user_id, post_id=post.id)
    if post.thread.accepted_post_id == post.id:
        accepter = db.session.scalar(
            select(ContributionEvent.actor_id)
            .where(ContributionEvent.kind == "accepted", ContributionEvent.post_id == post.id)
            .order_by(ContributionEvent.id.desc()).limit(1))
        if accepter is not None:
            ledger.record("accepted", post.author_id, accepter, post_id=post.id)


def on_post_changed(post: Post, action: str, **_extra) -> None:
    if action == "hidden":
        reverse_post(post.id)
    elif action == "deleted":
        thread = post.thread
        if post.is_opening:
            for post_id in db.session.scalars(select(Post.id).where(
                    Post.thread_id == thread.id)):
                reverse_post(post_id)
        else:
            reverse_post(post.id)
            if thread.accepted_post_id == post.id:
                thread.accepted_post_id = None
    elif action == "restored":
        restore_post(post)
