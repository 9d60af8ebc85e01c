"""Reading a member's read state: "N new" in listings, the first unread reply, /following."""
from dataclasses import dataclass
from math import ceil
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager

from forum.accounts.models import Follow
from forum.extensions import db
from forum.permissions import visible_posts
from forum.reading.models import ReadState
from forum.threads.models import Post, Thread
from forum.web import Paginated

TIMELINE_PER_PAGE = 30
FEED_SIZE = 50


@dataclass(frozen=True)
class ReadMark:
    """What a listing shows a member beside a thread: never opened, or how many posts are new."""

    position: int | None  # the highest position read; None: never opened
    new: int  # visible posts after it

    @property
    def never_opened(self) -> bool:
        return self.position is None


def with_read_state(statement, reader_id: int | None):
    """``statement`` (over Thread) with two more columns: the reader's position and how many
    visible posts came after it, in the same query, so a member's listing costs no query more
    than a visitor's.

    Both are correlated scalar subqueries rather than a join: they are evaluated only for the
    rows the listing returns (after its ORDER BY .. LIMIT, which keeps walking the activity
    index), whereas an outer join made SQLite scan and sort every thread.
    """
    if reader_id is None:
        return statement
    position = position_read(reader_id)
    later = aliased(Post)  # the posts' (thread, position) index walks the unread range
    new = (select(func.count()).select_from(later)
           .where(later.thread_id == Thread.id, later.position > position,
                  later.deleted_at.is_(None), later.hidden_at.is_(None))
           .correlate(Thread).scalar_subquery())
    return statement.add_columns(position, new)


def read_position(statement, reader_id: int | None):
    """``statement`` (over Thread) with one more column: how far the reader has read the
    thread (None: never opened); for a visitor, the statement as it is."""
    if reader_id is None:
        return statement
    return statement.add_columns(position_read(reader_id))


def position_read(reader_id: int):
    """The reader's position in each thread of the statement it joins, as a correlated
    scalar subquery over Thread."""
    return (select(ReadState.position)
            .where(ReadState.user_id == reader_id, ReadState.thread_id == Thread.id)
            .correlate(Thread).scalar_subquery())


def read_marks(rows, reader_id: int | None) -> tuple[list, dict[int, ReadMark]]:
    """Split rows of :func:`with_read_state` into the threads and their marks by thread id."""
    if reader_id is None:
        return [row[0] for row in rows], {}
    return ([row[0] for row in rows],
            {row[0].id: ReadMark(row[1], row[2] if row[1] is not None else 0) for row in rows})


class PostPlace(NamedTuple):
    id: int
    position: int  # enough for threads.queries.page_of


def first_unread(thread_id: int, reader) -> PostPlace | None:
    """The first post after the reader's position that they may read, else the thread's last
    such post (:func:`permissions.visible_posts`). A thread never opened starts at its
    opening post.

    One query: the next unread post (if any) and the last one; the earlier of the two wins.
    """
    position = func.coalesce(select(ReadState.position).where(
        ReadState.user_id == reader.id, ReadState.thread_id == thread_id).scalar_subquery(), 0)
    readable = visible_posts(reader, Post.id, Post.position).where(Post.thread_id == thread_id)
    after = readable.where(Post.position > position).order_by(Post.position).limit(1)
    last = readable.order_by(Post.position.desc()).limit(1)
    rows = db.session.execute(select(after.subquery()).union_all(select(last.subquery()))).all()
    return min((PostPlace(*row) for row in rows), key=lambda place: place.position, default=None)


# /following ------------------------------------------------------------------------------


@dataclass
class Timeline(Paginated):
    posts: list[Post]
    page: int
    pages: int
    reading: dict[int, ReadMark]


def followed_posts(member):
    """What ``member`` may read of the threads and replies by the members they follow."""
    followed = select(Follow.followed_id).where(Follow.follower_id == member.id)
    return (visible_posts(member).where(Post.author_id.in_(followed))
            .options(contains_eager(Post.thread)))


def timeline(member, page: int, per_page: int = TIMELINE_PER_PAGE) -> Timeline:
    """One page of the member's /following, with "N new" for each post's thread: two queries."""
    statement = followed_posts(member)
    total = db.session.scalar(select(func.count()).select_from(
        statement.with_only_columns(Post.id).subquery()))
    rows = db.session.execute(with_read_state(
        statement.order_by(Post.id.desc()).offset((page - 1) * per_page).limit(per_page),
        member.id)).unique().all()
    reading = {row[0].thread_id: ReadMark(row[1], row[2] if row[1] is not None else 0)
               for row in rows}
    return Timeline([row[0] for row in rows], page, max(1, ceil(total / per_page)), reading)


def feed_posts(member) -> list[Post]:
    """The newest :data:`FEED_SIZE` posts of the member's timeline, for the private feed."""
    return db.session.scalars(
        followed_posts(member).order_by(Post.id.desc()).limit(FEED_SIZE)).unique().all()
