"""The weekly digest (``send-digests``): only what others found valuable.

The accepted replies and the replies marked helpful most, written in the last seven days:
first those in threads the member watches or by members they follow, then the site's best.
Nothing else; no message at all when the week holds nothing valuable. A member gets at most
one digest per ISO week, however often the command runs: the week is claimed in the same
statement that checks it, before the message is queued.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import or_, select, update

from forum.accounts.models import Follow, User
from forum.extensions import db
from forum.mail import mail_base_url, send_mail
from forum.markup import plain_text
from forum.notifications.fanout import insert_ignoring
from forum.notifications.mailing import one_click_headers, unsubscribe_token
from forum.notifications.models import CategoryWatch, NotificationSettings, ThreadWatch
from forum.notifications.rules import iso_week
from forum.threads.models import Post, Thread
from forum.timeutil import utcnow

CANDIDATES = 200
PERSONAL = 10
SITE = 5


@dataclass
class Pick:
    post_id: int
    thread_id: int
    category_id: int
    author_id: int
    title: str
    author: str
    marks: int
    accepted: bool
    excerpt: str
    url: str = ""


def week_best(now: datetime) -> list[Pick]:
    """The week's valuable replies, the accepted first, then by helpful marks."""
    accepted = Thread.accepted_post_id == Post.id
    rows = db.session.execute(
        select(Post.id, Post.thread_id, Thread.category_id, Post.author_id, Thread.title,
               User.username, Post.helpful_count, accepted, Post.html)
        .join(Thread, Thread.id == Post.thread_id).join(User, User.id == Post.author_id)
        .where(Post.position > 1, Post.created_at >= now - timedelta(days=7),
               Post.deleted_at.is_(None), Post.hidden_at.is_(None), Thread.deleted_at.is_(None),
               or_(accepted, Post.helpful_count > 0))
        .order_by(accepted.desc(), Post.helpful_count.desc(), Post.id)
        .limit(CANDIDATES)).all()
    picks = []
    for post_id, thread_id, category_id, author_id, title, author, count, is_accepted, html in rows:
        text = plain_text(html)
        picks.append(Pick(post_id, thread_id, category_id, author_id, title, author, count,
                          bool(is_accepted), text[:200] + ("…" if len(text) > 200 else "")))
    return picks


def for_member(user_id: int, picks: list[Pick]) -> tuple[list[Pick], list[Pick]]:
    """(from what the member watches and follows, from the rest of the site)."""
    thread_ids = {p.thread_id for p in picks}
    thread_levels = dict(db.session.execute(select(ThreadWatch.thread_id, ThreadWatch.level).where(
        ThreadWatch.user_id == user_id, ThreadWatch.thread_id.in_(thread_ids))).all())
    category_levels = dict(db.session.execute(select(
        CategoryWatch.category_id, CategoryWatch.level).where(
        CategoryWatch.user_id == user_id,
        CategoryWatch.category_id.in_({p.category_id for p in picks}))).all())
    followed = set(db.session.scalars(select(Follow.followed_id).where(
        Follow.follower_id == user_id, Follow.followed_id.in_({p.author_id for p in picks}))))
    personal, site = [], []
    for pick in picks:
        if pick.author_id == user_id:
            continue
        level = thread_levels.get(pick.thread_id) or category_levels.get(pick.category_id, "normal")
        if level == "muted":
            continue
        if level == "watching" or pick.author_id in followed:
            personal.append(pick)
        else:
            site.append(pick)
    return personal[:PERSONAL], site[:SITE]


def recipients(week: str, after_id: int, batch: int = 500) -> list[User]:
    """Confirmed, active members who keep the digest on and have not had this week's."""
    settings = NotificationSettings
    return db.session.scalars(
        select(User).outerjoin(settings, settings.user_id == User.id)
        .where(User.id > after_id, User.email_confirmed_at.is_not(None),
               User.suspended_at.is_(None),
               or_(settings.user_id.is_(None),
                   (settings.digest.is_(True)) & or_(settings.digest_week.is_(None),
                                                     settings.digest_week != week)))
        .order_by(User.id).limit(batch)).all()


def claim_week(user_id: int, week: str) -> bool:
    """Mark this week's digest as the member's; False if another run did first."""
    db.session.execute(insert_ignoring(NotificationSettings, [{"user_id": user_id}]))
    claimed = db.session.execute(
        update(NotificationSettings).where(
            NotificationSettings.user_id == user_id, NotificationSettings.digest.is_(True),
            or_(NotificationSettings.digest_week.is_(None), NotificationSettings.digest_week != week))
        .values(digest_week=week).returning(NotificationSettings.user_id)).first()
    db.session.commit()
    return claimed is not None


def send_digests(now: datetime | None = None) -> int:
    """Queue this week's digest for every member who has something valuable in it."""
    now = now or utcnow()
    week = iso_week(now)
    picks = week_best(now)
    if not picks:
        return 0
    sent, after_id = 0, 0
    with current_app.test_request_context(base_url=mail_base_url()):
        for pick in picks:
            pick.url = url_for("threads.permalink", post_id=pick.post_id, _external=True)
        while members := recipients(week, after_id):
            after_id = members[-1].id
            for member in members:
                personal, site = for_member(member.id, picks)
                if not (personal or site) or not claim_week(member.id, week):
                    continue
                unsubscribe = url_for("notifications.unsubscribe", _external=True,
                                      token=unsubscribe_token(member.id, ["digest"]))
                send_mail(member.email, f"[{current_app.config['SITE_NAME']}] The week's most "
                          "helpful replies", "digest", headers=one_click_headers(unsubscribe),
                          member=member, personal=personal, site=site, week=week,
                          unsubscribe_url=unsubscribe)
                sent += 1
    return sent
