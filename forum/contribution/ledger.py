"""The contribution ledger: every point is an event, and scores follow the events.

``record`` and ``reverse_where`` run inside the caller's transaction and never commit.
Each keeps ``MemberScore`` in step, so ranking is an indexed read of one table:

- ``all_time`` and ``decayed`` change only when events are recorded or reversed;
- ``week``/``month``/``year`` also lose events as they age out, which :func:`sweep` applies.
  An event's ``window_level`` says which windows still count it, and sweeping and reversing
  both lock the event rows they change, so an event leaves each window exactly once.

Lock order, to stay free of deadlocks on PostgreSQL: the ledger comes last in the forum's
one lock order (``forum/locking.py``); within it, event rows first, then score rows in
user-id order. ``record`` and ``record_acts`` take a share lock on the giver's member row
first (step 3 of that order: reading their trust, see forum/contribution/trust.py), then the
beneficiaries' score rows in user-id order (they serialize the cap checks for those members).

The trust gate lives here too: recognition from a giver not yet trusted is recorded as held
(0 points, the note ``rules.HELD_NOTE``); :func:`release_held` reverses such events as
"released" when the giver becomes trusted, and the acts are recorded again as new events.
Incoming links from other sites carry their ``source_host`` as the actor, for their cap.
"""
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, text, update

from forum import jobs
from forum.accounts.models import User
from forum.contribution import revision, rules
from forum.contribution.models import ContributionEvent, MemberScore, create_score_rows
from forum.extensions import cache, db
from forum.database import begin_write
from forum.timeutil import utcnow

SWEEP_LOCK_KEY = 7_318_431  # pg_advisory_xact_lock key: one sweeper at a time
# Session info key: receivers whom recognition recorded in this transaction makes trusted.
PENDING_TRUST = "forum.trust.pending"


def half_life() -> float:
    return float(current_app.config["SCORE_HALF_LIFE_DAYS"])


def lock_score_rows(user_ids: list[int]) -> None:
    """Each member's score row, created if missing and locked, in user-id order (step 4 of
    forum/locking.py, for many members at once: ``locking.lock_scores`` takes one)."""
    begin_write()
    user_ids = sorted(set(user_ids))
    table = MemberScore.__table__
    for start in range(0, len(user_ids), 1000):
        chunk = user_ids[start:start + 1000]
        create_score_rows(chunk)
        db.session.execute(select(table.c.user_id).where(table.c.user_id.in_(chunk))
                           .order_by(table.c.user_id).with_for_update(key_share=True))


def _live_events():
    return select(func.count()).select_from(ContributionEvent).where(
        ContributionEvent.reversed_at.is_(None))


@dataclass(frozen=True)
class Act:
    """An act worth points: ``kind`` to ``beneficiary_id`` through ``post_id`` (or a link)."""

    kind: str
    beneficiary_id: int
    post_id: int | None = None
    link_id: int | None = None


def giver_trusted(actor_id: int) -> bool:
    """The giver's stored trust, read under a share lock on their member row, so that a trust
    being given waits for this act to commit (and is then re-counted by it), or this act for
    the trust (and then counts at once). See forum/contribution/trust.py."""
    row = db.session.execute(
        select(User.role, User.trusted_at).where(User.id == actor_id).with_for_update(read=True)
    ).one_or_none()
    return row is not None and rules.is_trusted(row.role, row.trusted_at)


def record(kind: str, beneficiary_id: int, actor_id: int | None, *, post_id: int | None = None,
           link_id: int | None = None, source_host: str | None = None) -> ContributionEvent | None:
    """Record that ``actor_id`` gave ``beneficiary_id`` points of ``kind``; None when it earns none.

    Self-given points are never recorded. Capped events are recorded with the points they
    still earn (possibly 0) and a note, so every point on a profile traces to its event;
    recognition from a giver not yet trusted is recorded as held (0 points, a note). An
    external link has no member as actor: ``source_host`` (its site) stands for one.
    """
    rows = _priced(actor_id, [Act(kind, beneficiary_id, post_id, link_id)], source_host)
    if not rows:
        return None
    event = ContributionEvent(**rows[0])
    db.session.add(event)
    db.session.flush()
    return event


def record_acts(actor_id: int | None, acts: list[Act], *,
                source_host: str | None = None) -> int:
    """Record what one actor gave, in bulk (a fixed number of statements); returns how many."""
    rows = _priced(actor_id, acts, source_host)
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(ContributionEvent.__table__), rows[start:start + 5000])
    return len(rows)


def _priced(actor_id: int | None, acts: list[Act], source_host: str | None) -> list[dict]:
    """The events for what one actor gave, each act after the last; their scores are added.

    The trust gate, the caps and the cascade of trust all apply here and nowhere else: the
    giver's trust is read once (:func:`giver_trusted`), the score rows are locked in user-id
    order, the caps counted per beneficiary once and carried forward act by act through the
    pure :func:`rules.award`. Receivers that this recognition makes trusted are noted in the
    session for :func:`forum.contribution.trust.enqueue_pending` after the commit.
    """
    acts = [act for act in acts if act.beneficiary_id != actor_id]
    if not acts:
        return []
    config = current_app.config
    gate = bool(config["TRUST_GATE"])
    needs_trust = actor_id is not None and gate and any(a.kind in rules.RECOGNITION for a in acts)
    trusted = giver_trusted(actor_id) if needs_trust else True
    now = utcnow()
    week_ago = now - timedelta(days=rules.ACTOR_CAP_DAYS)
    beneficiaries = sorted({act.beneficiary_id for act in acts})
    lock_score_rows(beneficiaries)
    events = ContributionEvent.__table__.c
    live = (events.reversed_at.is_(None), events.beneficiary_id.in_(beneficiaries))
    actor_counts: dict[int, int] = defaultdict(int)
    if actor_id is not None:
        actor_counts.update(db.session.execute(
            select(events.beneficiary_id, func.count()).where(
                *live, events.actor_id == actor_id, events.points > 0,
                events.created_at > week_ago).group_by(events.beneficiary_id)).all())
    helpful_today: dict[int, int] = defaultdict(int)
    if any(act.kind == "helpful" for act in acts):
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        helpful_today.update(db.session.execute(
            select(events.beneficiary_id, func.coalesce(func.sum(events.points), 0)).where(
                *live, events.kind == "helpful", events.created_at >= day_start)
            .group_by(events.beneficiary_id)).all())
    source_counts: dict[int | None, int] = defaultdict(int)
    if source_host is not None:
        source_counts.update(db.session.execute(
            select(events.post_id, func.count()).where(
                events.reversed_at.is_(None), events.source_host == source_host,
                events.post_id.in_({act.post_id for act in acts}), events.points > 0,
                events.created_at > now - timedelta(days=rules.SOURCE_CAP_DAYS))
            .group_by(events.post_id)).all())
    receivers_trusted = {}
    if gate and trusted and actor_id is not None:
        receivers_trusted = {user_id: rules.is_trusted(role, trusted_at) for user_id, role, trusted_at
                             in db.session.execute(select(User.id, User.role, User.trusted_at)
                                                   .where(User.id.in_(beneficiaries)))}
    weight = rules.decay_weight(now, half_life())
    changes: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    rows = []
    for act in sorted(acts, key=lambda a: (a.beneficiary_id, a.post_id or 0)):
        held = rules.is_held(act.kind, gate=gate, giver_trusted=trusted)
        awarded = rules.award(act.kind, rules.points_for(act.kind, config),
                              actor_events_this_week=actor_counts[act.beneficiary_id],
                              helpful_points_today=helpful_today[act.beneficiary_id], held=held,
                              source_events_this_week=source_counts[act.post_id])
        rows.append({"kind": act.kind, "beneficiary_id": act.beneficiary_id, "actor_id": actor_id,
                     "post_id": act.post_id, "link_id": act.link_id, "points": awarded.points,
                     "note": awarded.note, "held": held, "source_host": source_host,
                     "created_at": now, "reversed_at": None, "reversal_note": None,
                     "window_level": len(rules.WINDOWS)})
        if awarded.points:
            actor_counts[act.beneficiary_id] += 1
            source_counts[act.post_id] += 1
            if act.kind == "helpful":
                helpful_today[act.beneficiary_id] += awarded.points
            change = changes[act.beneficiary_id]
            for window in ("week", "month", "year", "all_time"):
                change[window] += awarded.points
            change["decayed"] += awarded.points * weight
        if rules.confers_trust(act.kind, gate=gate, giver_trusted=trusted,
                               receiver_trusted=receivers_trusted.get(act.beneficiary_id, True)):
            receivers_trusted[act.beneficiary_id] = True  # once per receiver
            db.session.info.setdefault(PENDING_TRUST, []).append(
                (act.beneficiary_id, actor_id, act.kind))
    if rows:
        revision.changed()  # new events, even held ones worth nothing, show on profiles
    _apply(changes)
    return rows


def reverse_where(note: str | None = None, **filters) -> int:
    """Reverse every live event matching ``filters`` (column=value); returns how many.

    E.g. ``reverse_where(kind="helpful", post_id=p, actor_id=a)`` when a mark is taken back.
    ``note`` says why, where the profile should say more than "reversed".
    """
    conditions = [getattr(ContributionEvent, name) == value for name, value in filters.items()]
    events = db.session.scalars(
        select(ContributionEvent).where(ContributionEvent.reversed_at.is_(None), *conditions)
        .order_by(ContributionEvent.id).with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if not events:
        return 0
    revision.changed()  # reversed entries show on profiles, worth points or not
    now = utcnow()
    changes: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for event in events:
        change = changes[event.beneficiary_id]
        for window in rules.window_levels_counted(event.window_level):
            change[window] -= event.points
        change["all_time"] -= event.points
        change["decayed"] -= event.points * rules.decay_weight(event.created_at, half_life())
        event.reversed_at = now
        event.reversal_note = note
        event.window_level = 0
    db.session.flush()
    _apply(changes)
    return len(events)


def reverse_actor(actor_id: int) -> int:
    """Reverse every point a member gave (a suspension for abuse)."""
    return reverse_where("the giver was suspended for abuse", actor_id=actor_id)


def release_held(actor_id: int) -> int:
    """Reverse the member's held events (worth 0 points, so no score moves), noting that they
    are released: the acts that still stand are then recorded again as new events."""
    events = ContributionEvent.__table__
    result = db.session.execute(
        update(events).where(events.c.actor_id == actor_id, events.c.held.is_(True),
                             events.c.reversed_at.is_(None))
        .values(reversed_at=utcnow(), reversal_note=rules.RELEASED_NOTE, window_level=0))
    if result.rowcount:
        revision.changed()
    return result.rowcount


SCORE_COLUMNS = ("week", "month", "year", "all_time", "decayed")


def _apply(changes: dict[int, dict[str, float]]) -> None:
    """Add each member's score changes, in user-id order (the lock order): one executemany."""
    table = MemberScore.__table__

    def amount(name: str, value: float):
        return float(value) if name == "decayed" else int(round(value))

    params = [{"b_user": user_id, **{f"b_{name}": amount(name, changes[user_id].get(name, 0))
                                     for name in SCORE_COLUMNS}}
              for user_id in sorted(changes) if any(changes[user_id].values())]
    if params:
        revision.changed()
        db.session.execute(
            update(table).where(table.c.user_id == bindparam("b_user"))
            .values({name: table.c[name] + bindparam(f"b_{name}", type_=table.c[name].type)
                     for name in SCORE_COLUMNS}),
            params)


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


_next_sweep_check = 0.0  # monotonic time before which this process does not ask again


def sweep_if_due() -> None:
    """Queue a sweep, at most once per ``SCORE_SWEEP_SECONDS`` across all processes.

    Called by the pages that show scores, so windows are exact to within that interval without
    any scheduled job; the page itself only reads (a GET never commits): the sweep is a job.
    A process asks the shared cache at most once a second, so a busy page pays nothing.
    """
    global _next_sweep_check
    interval = current_app.config["SCORE_SWEEP_SECONDS"]
    if interval:
        now = time.monotonic()
        if now < _next_sweep_check:
            return
        _next_sweep_check = now + min(1.0, interval)
        if not cache.add("forum:ledger-sweep", 1, timeout=interval):
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
    lock_score_rows(sorted(totals))
    _apply(totals)
