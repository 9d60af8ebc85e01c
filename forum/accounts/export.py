"""A member's own data as JSON (``GET /settings/export``), to take with them before they go."""
from sqlalchemy import or_, select

from forum.accounts.models import Follow, User
from forum.extensions import db
from forum.timeutil import as_utc


def iso(moment) -> str | None:
    return as_utc(moment).isoformat() if moment else None


def export(user: User) -> dict:
    """Posts (with their Markdown), helpful marks and shares given, follows both ways, the
    ledger events that gave or earned them points, and notifications when that table exists."""
    from forum.contribution.models import ContributionEvent, HelpfulMark, Share
    from forum.threads.models import Post, Thread

    posts = db.session.execute(
        select(Post, Thread.title).join(Thread, Post.thread_id == Thread.id)
        .where(Post.author_id == user.id).order_by(Post.id)).all()
    marks = db.session.scalars(select(HelpfulMark).where(HelpfulMark.user_id == user.id)
                               .order_by(HelpfulMark.id)).all()
    shares = db.session.scalars(select(Share).where(Share.user_id == user.id).order_by(Share.id)).all()
    follows = db.session.execute(
        select(Follow, User.username).join(User, or_(
            (Follow.follower_id == user.id) & (User.id == Follow.followed_id),
            (Follow.followed_id == user.id) & (User.id == Follow.follower_id))).order_by(Follow.created_at)).all()
    events = db.session.scalars(select(ContributionEvent).where(or_(
        ContributionEvent.beneficiary_id == user.id, ContributionEvent.actor_id == user.id))
        .order_by(ContributionEvent.id)).all()
    data = {
        "member": {"username": user.username, "email": user.email, "role": user.role,
                   "bio": user.bio, "joined_at": iso(user.created_at)},
        "posts": [{
            "id": post.id, "thread_id": post.thread_id, "thread_title": title,
            "position": post.position, "markdown": post.body, "created_at": iso(post.created_at),
            "edited_at": iso(post.edited_at), "deleted": post.deleted_at is not None,
            "hidden": post.hidden_at is not None,
        } for post, title in posts],
        "helpful_marks": [{"post_id": m.post_id, "created_at": iso(m.created_at)} for m in marks],
        "shares": [{"post_id": s.post_id, "created_at": iso(s.created_at)} for s in shares],
        "following": [{"username": name, "since": iso(f.created_at)}
                      for f, name in follows if f.follower_id == user.id],
        "followers": [{"username": name, "since": iso(f.created_at)}
                      for f, name in follows if f.followed_id == user.id],
        "ledger_events": [{
            "id": e.id, "kind": e.kind, "points": e.points, "note": e.note,
            "direction": "received" if e.beneficiary_id == user.id else "given",
            "post_id": e.post_id, "created_at": iso(e.created_at),
            "reversed_at": iso(e.reversed_at),
        } for e in events],
    }
    notifications = notifications_of(user)
    if notifications is not None:
        data["notifications"] = notifications
    return data


def notifications_of(user: User) -> list[dict] | None:
    """The member's notifications, when the notifications package has its table; else None."""
    table = db.metadata.tables.get("notifications")
    if table is None or "user_id" not in table.c:
        return None
    rows = db.session.execute(select(table).where(table.c.user_id == user.id)
                              .order_by(table.c.id)).mappings().all()
    return [{key: (iso(value) if hasattr(value, "isoformat") else value)
             for key, value in row.items()} for row in rows]
