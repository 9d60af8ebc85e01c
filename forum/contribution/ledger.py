"""The contribution ledger: every point is an event, and scores follow the events.

``record`` and ``reverse_where`` run inside the caller's transaction and never commit.
Each keeps ``MemberScore`` in step, so ranking is an indexed read of one table:

- ``all_time`` and ``decayed`` change only when events are recorded or reversed;
- ``week``/``month``/``year`` also lose events as they age out, which :func:`sweep` applies.
  An event's ``window_level`` says which windows still count it, and sweeping and reversing
  both lock the event rows they change, so an event leaves each window exactly once.

Lock order, to stay free of deadlocks on PostgreSQL: the ledger comes last in the forum's
one lock order (``forum/locking.py``); within it, event rows first, then score rows in
user-id order. ``record`` locks only the beneficiary's score row (it serializes the cap
checks for that member).
"""
from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text, update

from forum import jobs
from forum.contribution import rules
from forum.contribution.models import ContributionEvent, MemberScore
from forum.extensions import cache, db
from forum.locking import lock_scores
from forum.timeutil import utcnow

SWEEP_LOCK_KEY = 7_318_431  # pg_advisory_xact_lock key: one sweeper at a time


def half_life() -> float:
    return float(current_app.config["SCORE_HALF_LIFE_DAYS"])


def _live_events():
    return select(func.count()).select_from(ContributionEvent).where(
        ContributionEvent.reversed_at.is_(None))


def record(kind: str, beneficiary_id: int, actor_id: int | None, *, post_id: int | None = None,
           link_id: int | None = None) -> ContributionEvent | None:
    """Record that ``actor_id`` gave ``beneficiary_id`` points of ``kind``; None when it earns none.

    Self-given points are never recorded. Capped events are recorded with the points they
    still earn (possibly 0) and a note, so every point on a profile traces to its event.
    """
    if actor_id is not None and actor_id == beneficiary_id:
        return None
    now = utcnow()
    score = lock_scores(beneficiary_id)
    actor_events = 0
    if actor_id is not None:
        actor_events = db.session.scalar(_live_events().where(
            ContributionEvent.actor_id == actor_id,
            ContributionEvent.beneficiary_id == beneficiary_id,
            ContributionEvent.points > 0,
            ContributionEvent.created_at > now - timedelta(days=rules.ACTOR_CAP_DAYS)))
    helpful_today = 0
    if kind == "helpful":
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        helpful_today = db.session.scalar(
            select(func.coalesce(func.sum(ContributionEvent.points), 0)).where(
                ContributionEvent.reversed_at.is_(None),
                ContributionEvent.beneficiary_id == beneficiary_id,
                ContributionEvent.kind == "helpful",
                ContributionEvent.created_at >= day_start))
    awarded = rules.award(kind, rules.points_for(kind, current_app.config),
                          actor_events_this_week=actor_events, helpful_points_today=helpful_today)
    event = ContributionEvent(kind=kind, beneficiary_id=beneficiary_id, actor_id=actor_id,
                              post_id=post_id, link_id=link_id, points=awarded.points,
                              note=awarded.note, created_at=now, window_level=len(rules.WINDOWS))
    db.session.add(event)
    if awarded.points:
        score.week += awarded.points
        score.month += awarded.points
        score.year += awarded.points
        score.all_time += awarded.points
        score.decayed += awarded.points * rules.decay_weight(now, half_life())
    db.session.flush()
    return event


def reverse_where(**filters) -> int:
    """Reverse every live event matching ``filters`` (column=value); returns how many.

    E.g. ``reverse_where(kind="helpful", post_id=p, actor_id=a)`` when a mark is taken back.
    """
    conditions = [getattr(ContributionEvent, name) == value for name, value in filters.items()]
    events = db.session.scalars(
        select(ContributionEvent).where(ContributionEvent.reversed_at.is_(None), *conditions)
        .order_by(ContributionEvent.id).with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if not events:
        return 0
    now = utcnow()
    changes: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for event in events:
        change = changes[event.beneficiary_id]
        for window in rules.window_levels_counted(event.window_level):
            change[window] -= event.points
        change["all_time"] -= event.points
        change["decayed"] -= event.points * rules.decay_weight(event.created_at, half_life())
        event.reversed_at = now
        event.window_level = 0
    db.session.flush()
    _apply(changes)
    return len(events)


def reverse_actor(actor_id: int) -> int:
    """Reverse every point a member gave (a suspension for abuse)."""
    return reverse_where(actor_id=actor_id)


def _apply(changes: dict[int, dict[str, float]]) -> None:
    """Add each member's score changes, in user-id order (the lock order)."""
    table = MemberScore.__table__
    for user_id in sorted(changes):
        deltas = {name: table.c[name] + amount for name, amount in changes[user_id].items() if amount}
        if deltas:
            db.session.execute(update(table).where(table.c.user_id == user_id).values(**deltas))


def sweep(now: datetime | None = None) -> int:
    """Take aged events out of the windows they have left; returns how many moved.

    Cheap when nothing aged (three index probes). On PostgreSQL one sweeper runs at a time;
    the others skip, since the running one does their work.
    """
    now = now or utcnow()
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        if not db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY}):
            return 0
    moved = 0
    top = len(rules.WINDOWS)
    for index, (window, days) in enumerate(rules.WINDOWS):
        level = top - index
        aged = db.session.execute(
            select(ContributionEvent.id, ContributionEvent.beneficiary_id, ContributionEvent.points)
            .where(ContributionEvent.window_level == level,
                   ContributionEvent.created_at <= now - timedelta(days=days))
            .order_by(ContributionEvent.id).with_for_update()
        ).all()
        if not aged:
            continue
        changes: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        ids = []
        for event_id, beneficiary_id, points in aged:
            changes[beneficiary_id][window] -= points
            ids.append(event_id)
        for start in range(0, len(ids), 1000):
            db.session.execute(update(ContributionEvent.__table__)
                               .where(ContributionEvent.__table__.c.id.in_(ids[start:start + 1000]))
                               .values(window_level=level - 1))
        _apply(changes)
        moved += len(ids)
    return moved


def sweep_if_due() -> None:
    """Queue a sweep, at most once per ``SCORE_SWEEP_SECONDS`` across all processes.

    Called by the pages that show scores, so windows are exact to within that interval without
    any scheduled job; the page itself only reads (a GET never commits): the sweep is a job.
    """
    interval = current_app.config["SCORE_SWEEP_SECONDS"]
    if interval and not cache.add("forum:ledger-sweep", 1, timeout=interval):
        return
    jobs.enqueue(sweep_job)


def sweep_job() -> None:
    """The background job of :func:`sweep_if_due`: sweep and commit."""
    sweep()
    db.session.commit()


def recompute_scores(now: datetime | None = None) -> None:
    """Rebuild every MemberScore and window level from the ledger (repair and bulk loads)."""
    now = now or utcnow()
    events = ContributionEvent.__table__
    live = events.c.reversed_at.is_(None)
    db.session.execute(update(events).values(window_level=0))
    for _window, days in rules.WINDOWS:
        db.session.execute(update(events).where(live, events.c.created_at > now - timedelta(days=days))
                           .values(window_level=events.c.window_level + 1))
    db.session.execute(update(MemberScore.__table__).values(week=0, month=0, year=0, all_time=0,
                                                            decayed=0.0))
    totals: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    rows = db.session.execute(select(events.c.beneficiary_id, events.c.points, events.c.created_at,
                                     events.c.window_level).where(live))
    for beneficiary_id, points, created_at, level in rows:
        total = totals[beneficiary_id]
        for window in rules.window_levels_counted(level):
            total[window] += points
        total["all_time"] += points
        total["decayed"] += points * rules.decay_weight(created_at, half_life())
    for user_id in sorted(totals):
        lock_scores(user_id)
    _apply(totals)
