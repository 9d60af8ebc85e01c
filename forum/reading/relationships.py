"""Relationships: the members with whom a member exchanged recognition, and how alive that is.

Relationships have a shelf life: they keep their value only while value keeps flowing. So
each one shows what flowed each way and when it last did, and :func:`state_of` says whether
it is fresh, fading or stale. Shown on profiles and in the API, never ranked on: nothing
here feeds a score or an order of members other than recency.

Read from the ledger (live events, capped ones included: recognition given counts as an
exchange even when it earns no points) in one query over its actor and beneficiary indexes.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, func, literal, select, union_all

from forum.accounts.models import User
from forum.contribution.models import ContributionEvent
from forum.extensions import db
from forum.threads.models import Thread
from forum.timeutil import utcnow

FRESH_DAYS = 30
FADING_DAYS = 90
STATES = ("fresh", "fading", "stale")
# The prompt on one's own profile: a fading partner's thread this recent, still unanswered.
PROMPT_DAYS = 14
PROMPT_LIMIT = 3


def state_of(last_exchange: datetime, now: datetime) -> str:
    """"fresh" within 30 days of the last exchange, "fading" within 90, else "stale".

    Both ends inclusive (exactly 30 days is still fresh); an exchange stamped in the future
    (another process's clock) is fresh.
    """
    age = now - last_exchange
    if age <= timedelta(days=FRESH_DAYS):
        return "fresh"
    if age <= timedelta(days=FADING_DAYS):
        return "fading"
    return "stale"


@dataclass(frozen=True)
class Flow:
    count: int  # acts of recognition
    points: int  # the points they earned (capped acts earn fewer, possibly none)


@dataclass(frozen=True)
class Relationship:
    username: str
    user_id: int
    given: Flow  # from the profile's member to the other
    received: Flow  # from the other to the profile's member
    last_exchange: datetime
    state: str
    deleted: bool = False  # the other member deleted their account: no profile to link to


def relationships(user: User, now: datetime | None = None) -> list[Relationship]:
    """Everyone ``user`` exchanged recognition with, either way, most recent exchange first:
    one query. Each side is summed per member over its covering index (ledger events given
    by ``user``, and received), then the two sides are added up."""
    now = now or utcnow()
    events = ContributionEvent
    zero = literal(0, Integer)
    gave = (select(events.beneficiary_id.label("other"), func.count().label("gave"),
                   func.sum(events.points).label("given"), zero.label("got"),
                   zero.label("received"), func.max(events.created_at).label("at"))
            .where(events.actor_id == user.id, events.reversed_at.is_(None))
            .group_by(events.beneficiary_id))
    got = (select(events.actor_id, zero, zero, func.count(), func.sum(events.points),
                  func.max(events.created_at))
           .where(events.beneficiary_id == user.id, events.actor_id.is_not(None),
                  events.reversed_at.is_(None))
           .group_by(events.actor_id))
    flows = union_all(gave, got).subquery()
    last = func.max(flows.c.at, type_=DateTime).label("last")
    rows = db.session.execute(
        select(User.username, User.id, func.sum(flows.c.gave), func.sum(flows.c.given),
               func.sum(flows.c.got), func.sum(flows.c.received), last, User.deleted_at)
        .join(User, User.id == flows.c.other)
        .group_by(User.id, User.username, User.deleted_at)
        .order_by(last.desc(), User.username)
    ).all()
    return [Relationship(username, user_id, Flow(int(gave_n), int(given or 0)),
                         Flow(int(got_n), int(received or 0)), at, state_of(at, now),
                         deleted is not None)
            for username, user_id, gave_n, given, got_n, received, at, deleted in rows]


@dataclass(frozen=True)
class Prompt:
    relationship: Relationship
    thread_id: int
    thread_slug: str
    thread_title: str
    posted_at: datetime


def fading_prompts(found: list[Relationship], now: datetime | None = None) -> list[Prompt]:
    """For one's own profile: fading relationships whose other member recently started a
    thread nobody has answered yet, at most :data:`PROMPT_LIMIT`, newest first (one query)."""
    fading = {r.user_id: r for r in found if r.state == "fading" and not r.deleted}
    if not fading:
        return []
    now = now or utcnow()
    threads = db.session.execute(
        select(Thread.id, Thread.slug, Thread.title, Thread.author_id, Thread.created_at)
        .where(Thread.author_id.in_(sorted(fading)), Thread.reply_count == 0,
               Thread.deleted_at.is_(None),
               Thread.created_at >= now - timedelta(days=PROMPT_DAYS))
        .order_by(Thread.created_at.desc())
    ).all()
    prompts, seen = [], set()
    for thread_id, slug, title, author_id, created_at in threads:
        if author_id in seen:
            continue
        seen.add(author_id)
        prompts.append(Prompt(fading[author_id], thread_id, slug, title, created_at))
    return prompts[:PROMPT_LIMIT]
