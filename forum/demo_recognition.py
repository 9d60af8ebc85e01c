"""The demo's trust, helpful marks, accepts, shares and follows, given through the real services.

Trust is visible: the moderator ada trusts the founding members (in the moderation log);
barbara becomes trusted when grace, who is trusted, marks her reply helpful; quinn, the
newcomer, marks and shares posts, and those are held until someone trusted recognizes quinn.
"""
from sqlalchemy import select

from forum.contribution import services, trust
from forum.extensions import db
from forum.threads.models import Post, Thread

# Trusted by the moderator ada: the forum's founding members.
TRUSTED_BY_ADA = ["grace", "linus", "margaret", "tim", "radia", "ward"]

# (thread title starts with, post author) -> who marks it helpful
MARKS = [
    ("How do you close", "barbara", ["grace", "tim"]),  # first: grace's mark makes barbara trusted
    ("Why rank people", "margaret", ["grace", "ward", "ada"]),
    ("Why rank people", "radia", ["grace", "barbara", "ada", "margaret"]),
    ("Why rank people", "linus", ["ward"]),
    ("Why rank people", "tim", ["grace"]),
    ("How should scores decay", "margaret", ["radia", "linus", "tim"]),
    ("How should scores decay", "ward", ["tim"]),
    ("Pingbacks are the best", "linus", ["tim"]),
    # The newcomer's marks: held, since nobody trusted has recognized quinn yet.
    ("How should scores decay", "ward", ["quinn"]),
    ("Why rank people", "radia", ["quinn"]),
]
# (thread, reply author): the thread's author accepts it
ACCEPTS = [("Why rank people", "margaret"), ("How should scores decay", "margaret")]
# (thread, post author, sharer); the opening post's author shares nothing of their own
SHARES = [
    ("Why rank people", "grace", "linus"),
    ("Why rank people", "radia", "barbara"),
    ("How should scores decay", "margaret", "tim"),
    ("How should scores decay", "margaret", "quinn"),
]
FOLLOWS = [("linus", "grace"), ("tim", "margaret"), ("barbara", "radia"), ("ward", "margaret")]


def _post(title: str, author) -> int:
    return db.session.scalar(
        select(Post.id).join(Thread, Thread.id == Post.thread_id)
        .where(Thread.title.startswith(title), Post.author_id == author.id)
        .order_by(Post.position.desc()).limit(1))


def recognize(users: dict) -> None:
    """Give the demo community some trust and recognition (helpful marks, accepted answers,
    shares). Nobody's held recognition is released here, so no background job runs."""
    for name in TRUSTED_BY_ADA:
        trust.set_trust(users[name], users["ada"], True)
    for title, author, markers in MARKS:
        post_id = _post(title, users[author])
        for marker in markers:
            services.toggle_helpful(post_id, users[marker])
    for title, author in ACCEPTS:
        thread = db.session.scalar(select(Thread).where(Thread.title.startswith(title)))
        services.toggle_accept(_post(title, users[author]), db.session.get(
            type(users[author]), thread.author_id))
    for title, author, sharer in SHARES:
        services.share(_post(title, users[author]), users[sharer])
    for follower, followed in FOLLOWS:
        services.toggle_follow(users[followed], users[follower])
