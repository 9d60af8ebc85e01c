"""Reading threads and posts: each page's data in a fixed number of queries."""
from datetime import datetime
from dataclasses import dataclass, field
from math import ceil

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, defer, joinedload, selectinload

from forum import pagecache, permissions
from forum.accounts.models import AccountState, User
from forum.extensions import cache, db
from forum.permissions import VISITOR, visible_posts, visible_threads
from forum.reading.queries import read_marks, read_position, with_read_state
from forum.web import Paginated
from forum.threads.models import Category, Post, PostRevision, Tag, Thread, thread_tags


@dataclass
class Page(Paginated):
    items: list
    page: int
    pages: int
    # For a member: thread id -> ReadMark ("N new", or never opened); empty for visitors.
    reading: dict = field(default_factory=dict)


def listed_threads():
    """The threads listings show, with their tags: the ones everyone sees
    (:func:`permissions.visible_threads`), so one cached listing serves every reader."""
    return visible_threads(VISITOR).options(selectinload(Thread.tags))


def thread_page(statement, page: int, scope: str, per_page: int | None = None,
                reader_id: int | None = None) -> Page:
    """A page of threads by last activity; ``statement`` filters :func:`listed_threads`, and
    ``scope`` names that filter for the cached count (:func:`listed_count`).

    With ``reader_id``, each thread's read state comes in the same query.
    """
    per_page = per_page or current_app.config["THREADS_PER_PAGE"]
    pages = max(1, ceil(listed_count(statement, scope) / per_page))
    rows = db.session.execute(with_read_state(
        statement.order_by(Thread.last_activity_at.desc(), Thread.id.desc())
        .offset((page - 1) * per_page).limit(per_page), reader_id)).all()
    threads, reading = read_marks(rows, reader_id)
    return Page(threads, page, pages, reading)


def listed_count(statement, scope: str) -> int:
    """How many threads ``statement`` lists, counted once per change to any thread: the count
    is kept in the cache under the newest thread revision (forum/pagecache.py), which every
    write that could change it raises, so members' listings do not count every thread on
    every view."""
    key = f"forum:listed:{scope}:{pagecache.listing_validator()}"
    total = cache.get(key)
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
        cache.set(key, total, timeout=current_app.config["CACHE_DEFAULT_TIMEOUT"])
    return total


def categories() -> list[Category]:
    return db.session.scalars(select(Category).order_by(Category.position, Category.name)).all()


def category_by_slug(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def tag_by_name(name: str) -> Tag | None:
    return db.session.scalar(select(Tag).where(Tag.name == name.lower()))


def pinned_threads(reader_id: int | None = None) -> Page:
    rows = db.session.execute(with_read_state(
        listed_threads().where(Thread.pinned.is_(True)).order_by(Thread.last_activity_at.desc()),
        reader_id)).all()
    threads, reading = read_marks(rows, reader_id)
    return Page(threads, 1, 1, reading)


def home_threads(page: int, reader_id: int | None = None) -> Page:
    return thread_page(listed_threads().where(Thread.pinned.is_(False)), page, "home",
                       reader_id=reader_id)


def category_threads(category: Category, page: int, reader_id: int | None = None) -> Page:
    return thread_page(listed_threads().where(Thread.category_id == category.id), page,
                       f"category:{category.id}", reader_id=reader_id)


def tag_threads(tag: Tag, page: int, reader_id: int | None = None) -> Page:
    return thread_page(listed_threads().where(
        Thread.id.in_(select(thread_tags.c.thread_id).where(thread_tags.c.tag_id == tag.id))), page,
        f"tag:{tag.id}", reader_id=reader_id)


def get_thread(thread_id: int, viewer=VISITOR) -> Thread | None:
    """The thread, if ``viewer`` may see it (:func:`permissions.can_see_thread`)."""
    return db.session.scalar(
        visible_threads(viewer).where(Thread.id == thread_id).options(selectinload(Thread.tags)))


def thread_for_reader(thread_id: int, reader_id: int | None) -> tuple[Thread | None, int | None]:
    """The thread (as :func:`get_thread`) and how far ``reader_id`` has read it (None: never
    opened, or a visitor), in the same query."""
    row = db.session.execute(read_position(
        visible_threads(VISITOR).where(Thread.id == thread_id)
        .options(selectinload(Thread.tags)), reader_id)).first()
    if row is None:
        return None, None
    return row[0], (row[1] if reader_id is not None else None)


def get_post(post_id: int, viewer, placeholders: bool = False) -> Post | None:
    """The post, if ``viewer`` may read it (:func:`permissions.can_see_post`); with
    ``placeholders``, also a hidden one whose place the thread page keeps."""
    post = db.session.get(Post, post_id)
    see = permissions.can_see_placeholder if placeholders else permissions.can_see_post
    return post if see(viewer, post) else None


def reply_pages(thread: Thread) -> int:
    """How many pages the replies fill (positions 2.. at POSTS_PER_PAGE a page)."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    return max(1, ceil((thread.post_count - 1) / per_page))


def page_of(post: Post) -> int:
    """The page of its thread that shows ``post``: positions never move, so neither do pages."""
    if post.position == 1:
        return 1
    return (post.position - 2) // current_app.config["POSTS_PER_PAGE"] + 1


def latest_post(thread: Thread) -> Post | None:
    """The thread's newest post still there (its opening post when no reply is); a hidden
    one too, whose place the thread page keeps."""
    return db.session.scalar(
        visible_posts(VISITOR, placeholders=True).where(Post.thread_id == thread.id)
        .order_by(Post.position.desc()).limit(1)
    )


def page_of_posts(statement, thread: Thread, page: int):
    """``statement`` (over visible posts) narrowed to the opening post and one page of
    replies, oldest first."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    first = (page - 1) * per_page + 2
    return (statement.where(Post.thread_id == thread.id,
                            (Post.position == 1) | Post.position.between(first, first + per_page - 1))
            .order_by(Post.position))


def thread_posts(thread: Thread, page: int, viewer, placeholders: bool = True) -> list[Post]:
    """The opening post and one page of replies that ``viewer`` may see, oldest first, in
    one query.

    Deleted posts leave the page; with ``placeholders`` (the thread page), hidden ones keep
    their place and the template shows their text only to those who may read it.
    """
    return db.session.scalars(page_of_posts(
        visible_posts(viewer, placeholders=placeholders).options(*POST_PAGE_LOAD), thread, page)
    ).all()


@dataclass(frozen=True)
class AuthorRow(AccountState):
    id: int
    username: str
    role: str
    deleted_at: datetime | None
    suspended_at: datetime | None


@dataclass(frozen=True)
class PostRow:
    """What the thread page needs of a post before it knows whether the post's HTML is in the
    cache (forum/threads/fragments.py): its place, its state, its author, its counts."""

    id: int
    position: int
    author_id: int
    version: int
    hidden_at: object
    edited_at: object
    helpful_count: int
    author_score: int
    author: AuthorRow

    @property
    def is_opening(self) -> bool:
        return self.position == 1


def thread_post_rows(thread: Thread, page: int) -> list[PostRow]:
    """The posts :func:`thread_posts` shows on the thread page (placeholders included), as
    plain rows with their authors and all-time scores, in one query: no post is loaded as an
    object until its HTML has to be rendered."""
    from forum.contribution.models import MemberScore

    columns = (Post.id, Post.position, Post.author_id, Post.version, Post.hidden_at,
               Post.edited_at, Post.helpful_count, MemberScore.all_time, User.id, User.username,
               User.role, User.deleted_at, User.suspended_at)
    statement = (visible_posts(VISITOR, *columns, placeholders=True)
                 .join(User, User.id == Post.author_id)
                 .outerjoin(MemberScore, MemberScore.user_id == Post.author_id))
    return [PostRow(*row[:7], row[7] or 0, AuthorRow(*row[8:]))
            for row in db.session.execute(page_of_posts(statement, thread, page))]


def posts_by_id(ids) -> dict[int, Post]:
    """These posts as objects, for rendering (their visibility decided already)."""
    if not ids:
        return {}
    return {post.id: post for post in db.session.scalars(
        select(Post).where(Post.id.in_(list(ids))).options(*POST_PAGE_LOAD))}


# What a page of posts loads: the Markdown source only when asked for (quoting, the API),
# and of each author what the post templates show.
POST_PAGE_LOAD = (
    defer(Post.body),
    joinedload(Post.author, innerjoin=True).load_only(
        User.id, User.username, User.role, User.suspended_at, User.deleted_at),
)


def posts_by_ids(ids: list[int], viewer) -> list[Post]:
    """The posts ``viewer`` may read, with their threads, in the order of ``ids`` (search
    results)."""
    if not ids:
        return []
    posts = db.session.scalars(
        visible_posts(viewer).where(Post.id.in_(ids)).options(contains_eager(Post.thread))
    ).unique().all()
    order = {post_id: i for i, post_id in enumerate(ids)}
    return sorted(posts, key=lambda p: order[p.id])


def post_revisions(post: Post) -> list[PostRevision]:
    """A post's earlier texts, newest first."""
    return db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id)
        .order_by(PostRevision.version.desc())
    ).all()
