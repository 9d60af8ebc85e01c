"""The one lock order of every write, and the helpers that take each lock.

**Lock order.** A write that takes more than one lock takes them in this order, and never
takes an earlier kind while it holds a later one:

1. the thread (:func:`lock_thread`): at most one thread per transaction;
2. what belongs to that thread: the post (:func:`lock_post`) or the incoming link
   (:func:`lock_link`);
3. member rows (:func:`lock_member`), in user-id order;
4. the ledger (``forum/contribution/ledger.py``): contribution event rows, then member score
   rows (:func:`lock_scores`) in user-id order.

A service may skip steps (a flag locks only its post; a follow locks nothing) but never goes
back up: a helpful mark locks the thread, then the post, then the author's score, exactly as
an accept or a delete does, so they queue instead of deadlocking.

**The page-cache revision** (``forum.pagecache.bump_thread``) is an ``UPDATE`` of the thread
row, so it is step 1: call it right after :func:`lock_thread`, in every service that writes
something the thread's page shows. A write that also changes *another* thread's page (an
internal pingback lands there) bumps that thread after its own commit, in a transaction of its
own (``pagecache.bump_threads_apart``): it never waits for a second thread while holding one.

**Rows held unique** (a tag's name, a ping's source and target) are written with an insert
that does nothing on a conflict (``database.insert_ignore``) and then read back, so two
requests creating the same row both end with the one row. Marks, shares and follows catch the
unique violation instead (``contribution/services.py``). Whatever conflict is still left (a
deadlock, a serialization failure) is retried by ``database.retrying`` or answered 409 by
``forum.errors``; SQLite's lock timeout is a 503 with ``Retry-After``.

**PostgreSQL** takes row locks: ``SELECT ... FOR NO KEY UPDATE``, which does not block the
foreign-key checks of rows that merely point at the locked one (a reply's ledger event naming
a post). Reads before the first lock see committed data (READ COMMITTED), so every helper loads
the row afresh (``populate_existing``): decide on what the lock returns, not on what was read
before it.

**SQLite** has one write lock for the whole database. Each helper takes it first
(:func:`forum.database.begin_write`: the transaction becomes ``BEGIN IMMEDIATE``), and so does
the first write statement of a transaction that took no helper. Until then a request only
reads, and other writers go on. So do the slow work (checking input, rendering Markdown,
fetching a URL) *before* the first lock: the write lock is then held for milliseconds. (Taking
the lock starts a new transaction, so never make a transaction's first write while iterating
over the rows of a query it is still reading.)
"""
from sqlalchemy import select

from forum.database import begin_write
from forum.errors import Refused
from forum.extensions import db


def _locked(statement):
    begin_write()
    return db.session.scalar(
        statement.with_for_update(key_share=True)
        # A row loaded earlier in this transaction keeps its old values unless refreshed:
        # the lock must hand back the row as the previous lock holder committed it.
        .execution_options(populate_existing=True))


def lock_thread(thread_id: int, *, deleted: bool = False):
    """The thread, locked for this transaction (step 1); 404 when there is none.

    A deleted thread counts as none unless ``deleted`` is true.
    """
    from forum.threads.models import Thread

    statement = select(Thread).where(Thread.id == thread_id)
    if not deleted:
        statement = statement.where(Thread.deleted_at.is_(None))
    thread = _locked(statement)
    if thread is None:
        db.session.rollback()
        raise Refused("There is no such thread.", 404)
    return thread


def lock_post(post_id: int):
    """The post, locked for this transaction (step 2), or None when there is no such post.

    Lock its thread first when the write changes the thread's page. Callers judge what the
    locked post allows (deleted, hidden), since that is what other writers committed.
    """
    from forum.threads.models import Post

    return _locked(select(Post).where(Post.id == post_id))


def post_thread_id(post_id: int) -> int | None:
    """The thread a post belongs to (which never changes), read without a lock: what a
    service needs to lock the thread before the post."""
    from forum.threads.models import Post

    return db.session.scalar(select(Post.thread_id).where(Post.id == post_id))


def lock_link(link_id: int):
    """An incoming or internal link, locked (step 2, after its target thread), or None."""
    from forum.links.models import Link

    return _locked(select(Link).where(Link.id == link_id))


def link_thread_id(link_id: int) -> int | None:
    from forum.links.models import Link

    return db.session.scalar(select(Link.target_thread_id).where(Link.id == link_id))


def lock_member(user_id: int):
    """A member's row, locked (step 3), or None."""
    from forum.accounts.models import User

    return _locked(select(User).where(User.id == user_id))


def lock_scores(user_id: int):
    """A member's score row, created if missing and locked (step 4)."""
    from forum.contribution.models import MemberScore, create_score_rows

    begin_write()
    create_score_rows([user_id])
    return _locked(select(MemberScore).where(MemberScore.user_id == user_id))
