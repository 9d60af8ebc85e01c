"""What each feed holds, and the cheap validator that lets a reader's poll end in a 304.

A feed is a *scope* (the site, a category, a tag, a thread or a member, optionally
filtered to helpful replies) over which we take the newest :data:`FEED_SIZE` entries.
The feed's bytes depend only on the scope's own row (title, description) and on those
entries (which ones, and each one's version). :func:`validator` reads exactly that, in one
statement of narrow columns, so the ETag changes when and only when the feed would: a new
post, an edit (``Post.version``), a hide, a delete, an unhide, an approved or withdrawn
pingback, a share. Deleted posts and threads and hidden posts never appear.

Everything is keyed by what the URL names (slug, tag, username, thread id), resolved in
subqueries, so a conditional request needs no lookup before the validator.
"""
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (DateTime, Integer, String, bindparam, cast, literal, null, select,
                        type_coerce, union_all)
from sqlalchemy.orm import contains_eager

from forum.accounts.models import User
from forum.contribution.models import Share
from forum.database import read_validator
from forum.extensions import db
from forum.links.models import Link
from forum.permissions import VISITOR, visible_posts
from forum.threads.models import Category, Post, Tag, Thread, thread_tags

FEED_SIZE = 50
KINDS = ("site", "category", "tag", "thread", "member")
# Feeds with no entries at all still need a Last-Modified; this one never moves.
EPOCH = datetime(2000, 1, 1)


@dataclass(frozen=True)
class Scope:
    """One feed: ``kind`` and the key its URL names; ``min_helpful`` for helpful feeds."""

    kind: str
    key: str | int | None = None
    min_helpful: int | None = None

    @property
    def helpful(self) -> bool:
        return self.min_helpful is not None

    @property
    def shape(self) -> tuple[str, bool]:
        """What decides a feed's SQL; the key and threshold are bound parameters."""
        return self.kind, self.helpful

    @property
    def params(self) -> dict:
        values = {"key": self.key} if self.kind != "site" else {}
        if self.helpful:
            values["min"] = self.min_helpful
        return values


def key():
    """The URL's key (slug, tag, username, thread id), bound at execution."""
    return bindparam("key")


def thread_key():
    return bindparam("key", type_=Integer)


@dataclass
class Validator:
    etag: str
    last_modified: datetime


@dataclass
class Entries:
    """What a feed shows: its scope's own row, the posts, and the links or shares beside them."""

    owner: object  # Category, Tag, Thread, User, or None for the site
    posts: list[Post] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    shares: list[tuple[Share, Post]] = field(default_factory=list)


def _row(kind: str, id_, version=None, created=None, changed=None, text=None):
    """A row of the validator: (kind, id, version, created, changed, text).

    Columns keep their SQL types (a CAST to a datetime would make SQLite read a number);
    the padding NULLs are typed, as PostgreSQL's UNION wants; ``text`` is cast to a string
    (it is a boolean for posts).
    """
    def typed(value, type_):
        return cast(null(), type_) if value is None else type_coerce(value, type_)

    return select(literal(kind, String).label("kind"), typed(id_, Integer).label("id"),
                  typed(version, Integer).label("version"),
                  typed(created, DateTime).label("created"),
                  typed(changed, DateTime).label("changed"),
                  cast(null() if text is None else text, String).label("text"))


# --- the scope's own row ----------------------------------------------------------------

def owner_id(scope: Scope):
    """The scope's id as a scalar subquery of the URL's key (None for the site)."""
    if scope.kind == "category":
        return select(Category.id).where(Category.slug == key()).scalar_subquery()
    if scope.kind == "tag":
        return select(Tag.id).where(Tag.name == key()).scalar_subquery()
    if scope.kind == "member":
        return select(User.id).where(User.username_key == key()).scalar_subquery()
    if scope.kind == "thread":
        return thread_key()
    return None


def owner_statement(scope: Scope):
    if scope.kind == "category":
        return select(Category).where(Category.slug == key())
    if scope.kind == "tag":
        return select(Tag).where(Tag.name == key())
    if scope.kind == "member":
        return select(User).where(User.username_key == key())
    if scope.kind == "thread":
        return select(Thread).where(Thread.id == thread_key(), Thread.deleted_at.is_(None))
    return None


def owner_fingerprint(scope: Scope):
    """The owner's row in the validator's layout: its id and what of it the feed shows."""
    if scope.kind == "category":
        return _row("owner", Category.id, text=Category.name + "\n" + Category.description).where(
            Category.slug == key())
    if scope.kind == "tag":
        return _row("owner", Tag.id, text=Tag.name).where(Tag.name == key())
    if scope.kind == "member":
        return _row("owner", User.id, text=User.username).where(
            User.username_key == key())
    if scope.kind == "thread":
        return _row("owner", Thread.id, text=Thread.title).where(
            Thread.id == thread_key(), Thread.deleted_at.is_(None))
    return None


# --- the entries' windows ---------------------------------------------------------------

def feed_posts(*columns):
    """Posts that a feed may show: those everyone may read (:func:`permissions.visible_posts`),
    joined to their threads."""
    return visible_posts(VISITOR, *columns)


def in_scope(statement, scope: Scope):
    """``statement`` over visible posts, narrowed to the scope (and to helpful replies)."""
    owner = owner_id(scope)
    if owner is not None and scope.kind != "thread":
        # Evaluated once, before the scan: a missing category, tag or member reads nothing.
        statement = statement.where(owner.is_not(None))
    if scope.kind == "category":
        statement = statement.where(Thread.category_id == owner_id(scope))
    elif scope.kind == "tag":
        statement = statement.where(Post.thread_id.in_(
            select(thread_tags.c.thread_id).where(thread_tags.c.tag_id == owner_id(scope))))
    elif scope.kind == "thread":
        statement = statement.where(Post.thread_id == thread_key())
    elif scope.kind == "member":
        statement = statement.where(Post.author_id == owner_id(scope))
    if scope.helpful:
        statement = statement.where(
            Post.position > 1,
            (Thread.accepted_post_id == Post.id)
            | (Post.helpful_count >= bindparam("min", type_=Integer)))
    # Ids (and, in a thread, positions) grow with time: an index orders them without a sort.
    newest = Post.position.desc() if scope.kind == "thread" else Post.id.desc()
    return statement.order_by(newest).limit(FEED_SIZE)


def shares_in_scope(statement, scope: Scope):
    """A member's shares of others' visible posts, newest first."""
    return (statement.join(Share, Share.post_id == Post.id)
            .where(Share.user_id == owner_id(scope), Post.author_id != Share.user_id)
            .order_by(Share.id.desc()).limit(FEED_SIZE))


def links_in_scope(statement, scope: Scope):
    """Approved pingbacks to a thread, newest first."""
    return (statement.where(Link.target_thread_id == thread_key(), Link.status == "approved")
            .order_by(Link.id.desc()).limit(FEED_SIZE))


def has_links(scope: Scope) -> bool:
    return scope.kind == "thread"


def has_shares(scope: Scope) -> bool:
    return scope.kind == "member" and not scope.helpful


# --- the validator ----------------------------------------------------------------------

def validator_statement(scope: Scope):
    """One statement: the owner's row, then each entry's (kind, id, version, times).

    Built once per shape of feed (see :attr:`Scope.shape`); building it costs more than
    running it.
    """
    return _validator_statement(*scope.shape)


@lru_cache(maxsize=None)
def _validator_statement(kind: str, helpful: bool):
    scope = Scope(kind, None, 1 if helpful else None)
    owner = owner_fingerprint(scope)
    parts = [owner] if owner is not None else []
    accepted = Thread.accepted_post_id == Post.id
    posts = in_scope(feed_posts(Post.id, Post.version, Post.created_at, Post.edited_at,
                                   accepted.label("accepted")), scope).subquery()
    parts.append(_row("post", posts.c.id, posts.c.version, posts.c.created_at,
                      posts.c.edited_at, posts.c.accepted))
    if has_links(scope):
        links = links_in_scope(select(Link.id, Link.created_at, Link.updated_at), scope).subquery()
        parts.append(_row("link", links.c.id, None, links.c.created_at, links.c.updated_at))
    if has_shares(scope):
        shares = shares_in_scope(feed_posts(Share.id, Post.version, Share.created_at,
                                               Post.edited_at), scope).subquery()
        parts.append(_row("share", shares.c.id, shares.c.version, shares.c.created_at,
                          shares.c.edited_at))
    return union_all(*parts) if len(parts) > 1 else parts[0]


def validator(scope: Scope, salt: str = "") -> Validator | None:
    """The feed's ETag and Last-Modified from one small query; None when the scope is missing.

    ``salt`` holds what else changes the bytes (the format, the base URL).
    """
    # Not the ORM session: a poll loads no objects, and on PostgreSQL this is one round trip.
    rows = read_validator(validator_statement(scope), scope.params)
    if scope.kind != "site" and not any(row[0] == "owner" for row in rows):
        return None
    # Rows remembered by read_validator are the same list until it reads again: so is their
    # digest, which costs more than the rest of a poll.
    known = _digested.get((scope, salt))
    if known is not None and known[0] is rows:
        return known[1]
    digest = hashlib.blake2b(repr((scope, salt, sorted(map(tuple, rows), key=repr))).encode(),
                             digest_size=16)
    times = [moment for row in rows for moment in (row[3], row[4]) if moment is not None]
    found = Validator(etag=digest.hexdigest(), last_modified=max(times, default=EPOCH))
    if len(_digested) >= 1000:
        _digested.clear()
    _digested[scope, salt] = (rows, found)
    return found


_digested: dict = {}  # (scope, salt) -> (the rows read, their Validator)


# --- the entries ------------------------------------------------------------------------

def entries(scope: Scope) -> Entries | None:
    """The feed's owner and entries in at most three queries; None when the scope is missing."""
    statement = owner_statement(scope)
    owner = db.session.scalar(statement, scope.params) if statement is not None else None
    if statement is not None and owner is None:
        return None
    found = Entries(owner=owner)
    params = scope.params
    # visible_posts() joins the thread already: fill Post.thread from that join rather than
    # joining threads a second time (SQLite plans that second, outer join badly).
    found.posts = db.session.scalars(
        in_scope(feed_posts(Post), scope).options(contains_eager(Post.thread)), params
    ).unique().all()
    if has_links(scope):
        found.links = db.session.scalars(links_in_scope(select(Link), scope), params).all()
    if has_shares(scope):
        found.shares = [tuple(row) for row in db.session.execute(
            shares_in_scope(feed_posts(Share, Post), scope).options(contains_eager(Post.thread)),
            params).unique()]
    return found
