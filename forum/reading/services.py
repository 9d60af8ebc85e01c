"""Writing a member's reading: marking a category read, the private feed's token.

Each function commits its whole change or stores nothing.
"""
import hashlib
import secrets

from sqlalchemy import select

from forum.accounts.models import User
from forum.extensions import db
from forum.reading.models import FeedToken, ReadState
from forum.reading.state import dialect_insert
from forum.threads.models import Category, Thread
from forum.timeutil import utcnow

TOKEN_BYTES = 24


def mark_category_read(member: User, category: Category) -> None:
    """Every thread of ``category`` read up to its last post, in one statement."""
    table = ReadState.__table__
    statement = dialect_insert(db.session.get_bind().dialect.name)(table).from_select(
        ["user_id", "thread_id", "position"],
        select(db.literal(member.id), Thread.id, Thread.post_count)
        .where(Thread.category_id == category.id, Thread.deleted_at.is_(None)))
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.thread_id],
        set_={"position": statement.excluded.position},
        where=table.c.position < statement.excluded.position))
    db.session.commit()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(member: User) -> str:
    """A new secret for the member's private feed, replacing any earlier one; returned once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    table = FeedToken.__table__
    statement = dialect_insert(db.session.get_bind().dialect.name)(table).values(
        user_id=member.id, token_hash=token_digest(token), created_at=utcnow())
    # An upsert: two tabs asking at once leave one token (the later), never an error.
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.user_id],
        set_={"token_hash": statement.excluded.token_hash,
              "created_at": statement.excluded.created_at}))
    db.session.commit()
    return token


def revoke_feed_token(member: User) -> None:
    """End the member's private feed URL: readers polling it get a 404 from now on."""
    db.session.execute(FeedToken.__table__.delete().where(FeedToken.user_id == member.id))
    db.session.commit()


def feed_owner(token: str) -> User | None:
    """The member whose private feed ``token`` opens, or None (unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(User).join(FeedToken, FeedToken.user_id == User.id)
                             .where(FeedToken.token_hash == token_digest(token),
                                    User.deleted_at.is_(None)))


def feed_token_created(member: User):
    """When the member's current feed URL was made, or None if they have none."""
    return db.session.scalar(select(FeedToken.created_at).where(FeedToken.user_id == member.id))


def forget_member(member: User, **_) -> None:
    """When an account is deleted (the ``account_deleting`` signal, in its transaction): its
    read state and private feed address go with it."""
    db.session.execute(ReadState.__table__.delete().where(ReadState.user_id == member.id))
    db.session.execute(FeedToken.__table__.delete().where(FeedToken.user_id == member.id))
