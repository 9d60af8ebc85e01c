"""Delivering notifications: background jobs, never the request that caused them.

Each job is a module-level function with plain arguments (``forum.jobs``). Fan-out to
watchers is one ``INSERT ... SELECT ... ON CONFLICT`` statement, however many watch: a new
notification per member, or ``count + 1`` on the one they have not read yet (collapsing).
Nobody hears of their own acts, of a kind they turned off, or of a post they cannot see
(hidden, deleted, in a thread or category they muted).
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import DateTime, Integer, String, case, delete, exists, literal, or_, select, union
from sqlalchemy.sql import Select

from forum.accounts.models import Follow, User
from forum.extensions import db
from forum.notifications import mailing
from forum.notifications.mentions import mentioned_names
from forum.permissions import VISITOR, can_see_post
from forum.notifications.models import CategoryWatch, Heard, Notification, NotificationSettings, ThreadWatch
from forum.notifications.rules import BY_MEMBERS, open_key
from forum.threads.models import Post, Thread
from forum.timeutil import utcnow


def insert_ignoring(model, rows: list[dict]):
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).values(rows).on_conflict_do_nothing()


def dialect_insert(model):
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def deliver(recipients: Select, kind: str, *, thread_id: int | None, post_id: int | None,
            actor_id: int | None, count_repeat: bool = True) -> int:
    """Give each member ``recipients`` selects (one ``user_id`` column) a notification, or
    collapse it into their unread one. No commit. Returns how many rows were written."""
    now = utcnow()
    due = now + timedelta(seconds=int(current_app.config["MAIL_DELAY_SECONDS"]))
    chosen = recipients.subquery("recipients")
    rows = select(
        chosen.c.user_id, literal(kind, String), literal(thread_id, Integer),
        literal(post_id, Integer), literal(actor_id, Integer), literal(1, Integer),
        literal(open_key(kind, thread_id, post_id), String), literal(now, DateTime),
        literal(now, DateTime), literal(due, DateTime),
    ).where(chosen.c.user_id.is_not(None))  # SQLite's upsert needs a WHERE after a SELECT
    columns = ["user_id", "kind", "thread_id", "post_id", "actor_id", "count", "open_key",
               "created_at", "updated_at", "mail_due_at"]
    statement = dialect_insert(Notification).from_select(columns, rows)
    table = Notification.__table__
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "open_key"],
        set_={"count": table.c.count + (1 if count_repeat else 0),
              "actor_id": statement.excluded.actor_id,
              "updated_at": statement.excluded.updated_at},
    )
    return db.session.execute(statement).rowcount


def not_off(preference):
    """Members who have not turned this kind off (no settings row: the default, never off)."""
    return or_(preference.is_(None), preference != "off")


def wants(user_ids: Select, kind_column, *, actor_id: int | None, excluded=()) -> Select:
    """``user_ids`` (a select of ``user_id``) less the actor, ``excluded`` and those who turned
    the kind off; ``kind_column`` picks the settings column from the settings row."""
    chosen = user_ids.subquery("chosen")
    settings = NotificationSettings
    preference = kind_column(chosen.c.user_id, settings)
    query = (select(chosen.c.user_id).outerjoin(settings, settings.user_id == chosen.c.user_id)
             .where(not_off(preference)))
    if actor_id is not None:
        query = query.where(chosen.c.user_id != actor_id)
    if excluded:
        query = query.where(chosen.c.user_id.not_in(sorted(excluded)))
    return query


def thread_watchers(thread: Thread) -> Select:
    """Members watching the thread: set on the thread, or on its category with nothing set
    on the thread."""
    watch, category_watch = ThreadWatch, CategoryWatch
    on_thread = select(watch.user_id.label("user_id")).where(
        watch.thread_id == thread.id, watch.level == "watching")
    through_category = select(category_watch.user_id.label("user_id")).where(
        category_watch.category_id == thread.category_id, category_watch.level == "watching",
        ~exists().where(watch.user_id == category_watch.user_id, watch.thread_id == thread.id))
    return union(on_thread, through_category)


def muted(user_id: int, thread: Thread) -> bool:
    """Whether the member muted the thread, or its category with nothing set on the thread."""
    level = db.session.scalar(select(ThreadWatch.level).where(
        ThreadWatch.user_id == user_id, ThreadWatch.thread_id == thread.id))
    if level is None:
        level = db.session.scalar(select(CategoryWatch.level).where(
            CategoryWatch.user_id == user_id, CategoryWatch.category_id == thread.category_id))
    return level == "muted"


def can_see(user_id: int, post: Post) -> bool:
    """Whether the member may see the post (``permissions.can_see_post``)."""
    return can_see_post(db.session.get(User, user_id), post)


def first_hearing(user_id: int, key: str) -> bool:
    """Record that the member heard of ``key``; False when they had already."""
    inserted = db.session.execute(insert_ignoring(Heard, [{"user_id": user_id, "key": key,
                                                           "created_at": utcnow()}])
                                  .returning(Heard.key)).first()
    return inserted is not None


def watch(user_id: int, thread_id: int) -> None:
    """Start watching a thread unless the member chose a level for it already."""
    db.session.execute(insert_ignoring(ThreadWatch, [{"user_id": user_id, "thread_id": thread_id,
                                                      "level": "watching",
                                                      "updated_at": utcnow()}]))


# --- the jobs ----------------------------------------------------------------------------------


def post_written(post_id: int, action: str) -> None:
    """After a post was created or edited: mentions, then replies or the new thread, then
    internal pingbacks. An edit notifies only members not mentioned in the post before."""
    post = db.session.get(Post, post_id)
    if not can_see_post(VISITOR, post):
        return  # hidden or deleted before the job ran: nobody hears of it
    thread = post.thread
    mentioned = notify_mentions(post)
    if action == "created":
        if post.is_opening:
            watch(post.author_id, thread.id)
            new_thread(post, thread, excluded=mentioned)
        else:
            if watches_what_they_reply_to(post.author_id):
                watch(post.author_id, thread.id)
            def reply_kind(user_id, s, author_id=thread.author_id):
                """A reply in the member's own thread has a preference of its own."""
                return case((user_id == author_id, s.reply_own), else_=s.reply)

            deliver(wants(thread_watchers(thread), reply_kind, actor_id=post.author_id,
                          excluded=mentioned),
                    "reply", thread_id=thread.id, post_id=post.id, actor_id=post.author_id)
    notify_internal_pingbacks(post)
    db.session.commit()
    mailing.schedule()


def watches_what_they_reply_to(user_id: int) -> bool:
    chosen = db.session.scalar(select(NotificationSettings.watch_replied).where(
        NotificationSettings.user_id == user_id))
    return chosen is None or chosen


def notify_mentions(post: Post) -> set[int]:
    """Notify the members ``post`` mentions who have not heard of it yet; returns every
    member it mentions (they get a mention, not also a reply)."""
    names = mentioned_names(post.html)
    if not names:
        return set()
    members = db.session.execute(select(User.id).where(User.username_key.in_(names))).scalars()
    mentioned = set(members)
    for user_id in sorted(mentioned - {post.author_id}):
        if not can_see(user_id, post) or muted(user_id, post.thread):
            continue
        if first_hearing(user_id, f"mention:p{post.id}"):
            deliver(wants(select(literal(user_id, Integer).label("user_id")),
                          lambda _user, s: s.mention, actor_id=post.author_id),
                    "mention", thread_id=post.thread_id, post_id=post.id, actor_id=post.author_id)
    return mentioned


def new_thread(post: Post, thread: Thread, excluded: set[int]) -> None:
    """A new thread: members watching its category, and the author's followers unless they
    muted the category."""
    category_watch = CategoryWatch
    in_category = select(category_watch.user_id.label("user_id")).where(
        category_watch.category_id == thread.category_id, category_watch.level == "watching")
    followers = select(Follow.follower_id.label("user_id")).where(
        Follow.followed_id == post.author_id,
        ~exists().where(category_watch.user_id == Follow.follower_id,
                        category_watch.category_id == thread.category_id,
                        category_watch.level == "muted"))
    deliver(wants(union(in_category, followers), lambda _user, s: s.new_thread,
                  actor_id=post.author_id, excluded=excluded),
            "new_thread", thread_id=thread.id, post_id=post.id, actor_id=post.author_id)


def notify_internal_pingbacks(post: Post) -> None:
    """Authors of posts in other threads that this post now links to, once per link."""
    from forum.links.models import Link

    links = db.session.execute(
        select(Link.id, Post.id, Post.author_id).join(Post, Post.id == Link.target_post_id)
        .where(Link.source_post_id == post.id, Link.kind == "internal",
               Link.status == "approved", Link.target_thread_id != post.thread_id)).all()
    for link_id, target_post_id, target_author_id in links:
        notify_one("pingback", target_author_id, post.author_id, target_post_id,
                   f"pingback:l{link_id}")


def notify_one(kind: str, user_id: int, actor_id: int | None, post_id: int | None,
               heard_key: str) -> None:
    """One member hears of one act on their post (or of a new follower). No commit."""
    if user_id == actor_id:
        return
    thread_id = None
    if post_id is not None:
        post = db.session.get(Post, post_id)
        if post is None or not can_see(user_id, post) or muted(user_id, post.thread):
            return
        thread_id = post.thread_id
    if not first_hearing(user_id, heard_key):
        return
    deliver(wants(select(literal(user_id, Integer).label("user_id")),
                  lambda _user, s: getattr(s, kind), actor_id=actor_id),
            kind, thread_id=thread_id, post_id=post_id, actor_id=actor_id,
            count_repeat=kind in BY_MEMBERS)


def recognition(kind: str, beneficiary_id: int, actor_id: int | None, post_id: int | None,
                link_id: int | None = None) -> None:
    """The job after a helpful mark, an acceptance, a share, an approved pingback or a follow."""
    key = {
        "helpful": f"helpful:p{post_id}:u{actor_id}",
        "shared": f"shared:p{post_id}:u{actor_id}",
        "accepted": f"accepted:p{post_id}",
        "pingback": f"pingback:l{link_id}",
        "follow": f"follow:u{actor_id}",
    }[kind]
    notify_one(kind, beneficiary_id, actor_id, post_id, key)
    db.session.commit()
    mailing.schedule()


def thread_was_closed(thread_id: int, actor_id: int | None) -> None:
    """Members watching a thread hear that it was closed."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.deleted_at is not None:
        return
    opening = db.session.scalar(select(Post.id).where(Post.thread_id == thread_id,
                                                      Post.position == 1))
    deliver(wants(thread_watchers(thread), lambda _user, s: s.closed, actor_id=actor_id),
            "closed", thread_id=thread_id, post_id=opening, actor_id=actor_id)
    db.session.commit()
    mailing.schedule()


def forget_post(post_id: int, thread_id: int, whole_thread: bool) -> None:
    """A post was deleted or hidden: notifications about it go (the whole thread's, when it
    went with its opening post)."""
    where = Notification.thread_id == thread_id if whole_thread else Notification.post_id == post_id
    db.session.execute(delete(Notification).where(where))
    db.session.commit()

