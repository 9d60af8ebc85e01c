"""Reading members: what a profile shows."""
from flask import abort
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import contains_eager

from forum.accounts.models import Follow, User
from forum.extensions import db
from forum.permissions import VISITOR, visible_posts
from forum.threads.models import Post

RECENT_POSTS = 20


def follow_counts(user: User) -> tuple[int, int]:
    """(followers, following): shown on the profile, never ranked on."""
    followers = db.session.scalar(select(func.count()).where(Follow.followed_id == user.id))
    following = db.session.scalar(select(func.count()).where(Follow.follower_id == user.id))
    return followers, following


def recent_posts(user: User, limit: int = RECENT_POSTS) -> list[Post]:
    """The member's newest posts that everyone may read (a profile is the same for all)."""
    return db.session.scalars(
        visible_posts(VISITOR).where(Post.author_id == user.id)
        .options(contains_eager(Post.thread))  # each post's thread title, in the same query
        .order_by(Post.created_at.desc()).limit(limit)
    ).all()


def is_following(follower_id: int | None, followed_id: int) -> bool:
    return follower_id is not None and db.session.get(Follow, (follower_id, followed_id)) is not None


PROFILE_SHOWN = None


def profile_validator(username: str) -> str:
    """What a visitor's cached profile is keyed on (forum/pagecache.py): the member's row as
    the profile shows it (name, bio, role, suspension, trust), the contribution revision
    (their ledger, ranks and follows: forum/contribution/revision.py) and the newest thread
    revision (their posts: every post written, edited, hidden or deleted raises one). The row
    is read afresh each time, in one round trip outside the request's session: the writers of
    a bio, a suspension or trust mint no revision. 404 for nobody by that name."""
    from forum import pagecache
    from forum.contribution import ledger, revision
    from forum.database import read_validator

    global PROFILE_SHOWN
    if PROFILE_SHOWN is None:  # built once: it runs on every visitor's request
        PROFILE_SHOWN = select(
            User.id, User.username, User.role, User.bio_html, User.suspended_at,
            User.trusted_at, User.trusted_via).where(
            User.username_key == bindparam("key"), User.deleted_at.is_(None))
    rows = read_validator(PROFILE_SHOWN, {"key": username.lower()}, remember=False)
    if not rows:
        abort(404, "There is no such member.")
    ledger.sweep_if_due()
    return f"{tuple(rows[0])!r}:{revision.current()}:{pagecache.listing_validator()}"


def profile(user: User, page: int, viewer_id: int | None = None) -> dict:
    from forum.contribution.queries import profile_contribution
    from forum.reading.relationships import fading_prompts, relationships

    contribution = profile_contribution(user, page)  # first: it may bring scores up to date
    followers, following = follow_counts(user)
    exchanged = relationships(user)
    return {"followers": followers, "following": following, "posts": recent_posts(user),
            "viewer_follows": is_following(viewer_id, user.id), **contribution,
            "relationships": exchanged,
            "relationship_prompts": fading_prompts(exchanged) if viewer_id == user.id else []}
