"""Trust: recognition counts only when its giver is trusted (``FORUM_TRUST_GATE``, default on).

The rule (pure, in :mod:`forum.contribution.rules`: ``is_trusted``, ``is_held``,
``confers_trust``):

- Moderators and admins are trusted. A member becomes trusted when a moderator trusts them
  (``POST /u/<name>/trust``, in the moderation log) or when a trusted member's helpful mark,
  acceptance or share of their post counts.
- Trust is a stored flag on the member (``User.trusted_at``, with ``trusted_by_id`` and
  ``trusted_via`` saying who and how), read when an act is recorded (``ledger.giver_trusted``)
  and never recomputed when a page is shown.
- Recognition from a member not yet trusted is recorded as held: 0 points, the note "held:
  the giver is not yet trusted", shown on both profiles. When the giver becomes trusted, one
  job re-counts it through the same mechanism that lifting a suspension uses
  (``services.restore_given``): the held events are reversed as "released" and the acts that
  still stand are recorded again as new events, under the caps as of that moment. The ledger
  stays append-only.

The cascade. A member made trusted may have held recognition waiting; released, it counts,
and its receivers become trusted in turn, whose held recognition is released... One job walks
this breadth first (:func:`spread_trust`), one member per transaction. It terminates: a member
enters the walk only in the step that turns them from untrusted to trusted (a conditional
UPDATE that succeeds once), so the walk holds at most as many steps as there are members.
It is explainable: every member it reaches records who trusted them and by which act, so each
member's trust traces back, profile by profile, to a moderator.

Races. The act being recorded holds a share lock on its giver's row while it reads the flag;
making a member trusted is an UPDATE of that row. So a mark racing a trust either commits
first, held, and is then released by the job (which runs after the trust commits), or waits
and counts at once. The release locks the acts' rows before the events (see
``restore_given``) and, on PostgreSQL, runs one at a time (an advisory lock); it re-counts
only acts without a live event, so two trusts at once count every act once.

Weighting by where recognition comes from (an EigenTrust-style standing seeded by
moderators, computed in a job) was considered and not built. Such a weight depends on the
whole graph: one new mark anywhere changes the worth of points recorded months ago, so a
profile could no longer say "this event gave you 10 points, for this reason" and the ledger
would have to be rewritten on every run. The gate keeps what matters of it, that rank flows
only from people the community already vouches for, in a form a member can check event by
event; the per-pair and daily caps bound what any one trusted giver can pass on; a moderator
who finds a trusted ring stops trusting it or suspends it for abuse, which reverses what
it gave.
"""
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from forum import jobs, locking, permissions
from forum.accounts.models import User
from forum.contribution import ledger
from forum.contribution.models import ContributionEvent
from forum.database import begin_write
from forum.errors import Refused
from forum.extensions import db
from forum.moderation.audit import log_action
from forum.timeutil import utcnow

RELEASE_LOCK_KEY = 7_318_432  # pg_advisory_xact_lock key: one release at a time
JOB_RETRIES = (1, 10, 60)


def gate_on() -> bool:
    return bool(current_app.config["TRUST_GATE"])


def set_trust(member: User, moderator, state: bool | None = None) -> bool:
    """Trust a member, or stop trusting them (``state`` None: toggle); whether they are now
    trusted. Audited when it changes anything.

    Trusting re-counts their held recognition in a background job (:func:`spread_trust`).
    Stopping holds what they give from now on; what already counted stays counted (a
    suspension for abuse is what takes it back).
    """
    if not permissions.can_trust(moderator, member):
        raise Refused("Moderators and admins are trusted by their role." if member.is_moderator
                      else "Only a moderator can trust members, and not themselves.", 403)
    member = locking.lock_member(member.id)
    trusted = member.trusted_at is not None
    wanted = not trusted if state is None else state
    if wanted == trusted:
        db.session.rollback()
        return trusted
    if wanted:
        member.trusted_at, member.trusted_by_id, member.trusted_via = utcnow(), moderator.id, "moderator"
    else:
        member.trusted_at = member.trusted_by_id = member.trusted_via = None
    member_id = member.id
    log_action(moderator, "trust" if wanted else "untrust", "user", member_id)
    db.session.commit()
    if wanted:
        recount_later(member_id)
    return wanted


def recount_later(member_id: int) -> None:
    """After the commit that made a member trusted: re-count their held recognition in a job,
    if they have any (read after that commit, so an act that raced the trust is seen)."""
    if with_held([member_id]):
        jobs.enqueue(spread_trust, member_id, retry_delays=JOB_RETRIES)


def enqueue_pending() -> None:
    """After a commit that recorded recognition: make its receivers trusted (one short write
    per giver and kind), and re-count in a job what those receivers had held.

    It never fails the act that already committed: if the write meets a conflict, a job
    does it instead.
    """
    pending = db.session.info.pop(ledger.PENDING_TRUST, [])
    if not pending:
        return
    try:
        made = trust_all(pending)
    except DBAPIError:
        db.session.rollback()
        jobs.enqueue(settle_pending, [list(item) for item in pending], retry_delays=JOB_RETRIES)
        return
    for member_id in sorted(with_held(made)) if made else ():
        jobs.enqueue(spread_trust, member_id, retry_delays=JOB_RETRIES)


def settle_pending(pending: list) -> None:
    """The job that does what :func:`enqueue_pending` could not."""
    for member_id in sorted(with_held(trust_all([tuple(item) for item in pending]))):
        spread_trust(member_id)


def trust_pending() -> list[int]:
    """Make trusted the receivers noted by ``ledger.record_acts`` in this session; commits.
    Returns those it made trusted (each exactly once, whoever else is trying)."""
    return trust_all(db.session.info.pop(ledger.PENDING_TRUST, []))


def trust_all(pending) -> list[int]:
    """Make trusted each (receiver, giver, kind) of ``pending``: one UPDATE per giver and kind."""
    batches: dict[tuple[int, str], list[int]] = {}
    for receiver_id, giver_id, kind in pending:
        batches.setdefault((giver_id, kind), []).append(receiver_id)
    made = []
    for (giver_id, kind), receiver_ids in sorted(batches.items()):
        made += trust_for_recognition(giver_id, kind, sorted(receiver_ids))
    return made


def trust_for_recognition(giver_id: int, kind: str, receiver_ids: list[int]) -> list[int]:
    """Make trusted the receivers whom ``giver_id``'s ``kind`` now counts for; commits.

    The UPDATE is conditional (still untrusted, a member, and the recognition still stands:
    a mark taken back meanwhile trusts nobody), so each member is made trusted once. Returns
    those it made trusted.
    """
    users = User.__table__.c
    events = ContributionEvent.__table__.c
    made = []
    for start in range(0, len(receiver_ids), 1000):
        chunk = receiver_ids[start:start + 1000]
        # Not correlated, so the database reads the giver's events once per chunk.
        standing = select(events.beneficiary_id).where(
            events.actor_id == giver_id, events.kind == kind, events.held.is_(False),
            events.reversed_at.is_(None), events.beneficiary_id.in_(chunk))
        made += db.session.scalars(
            update(User.__table__)
            .where(users.id.in_(standing), users.trusted_at.is_(None), users.role == "member")
            .values(trusted_at=utcnow(), trusted_by_id=giver_id, trusted_via=kind)
            .returning(users.id)).all()
    db.session.commit()
    return made


def with_held(member_ids: list[int]) -> set[int]:
    """Those of ``member_ids`` who gave recognition that is still held."""
    events = ContributionEvent.__table__.c
    found = set()
    for start in range(0, len(member_ids), 1000):
        found |= set(db.session.scalars(select(events.actor_id).distinct().where(
            events.actor_id.in_(member_ids[start:start + 1000]), events.held.is_(True),
            events.reversed_at.is_(None))))
    db.session.commit()
    return found


def release(member_id: int) -> int:
    """Re-count a trusted member's held recognition, in one transaction; returns how many acts
    were recorded again. Nothing for a member not trusted (any more), or suspended for abuse
    (lifting that suspension re-counts), or while the gate is off."""
    begin_write()  # SQLite: the write lock first, so what is read below stays true
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": RELEASE_LOCK_KEY})
    member = db.session.scalar(select(User).where(User.id == member_id)
                               .execution_options(populate_existing=True))
    if (member is None or not gate_on() or not member.is_trusted
            or member.suspended_for_abuse):
        db.session.rollback()
        return 0
    from forum.contribution.services import restore_given

    count = restore_given(member)
    db.session.commit()
    return count


def spread_trust(member_id: int) -> list[int]:
    """The job run when a member becomes trusted: release their held recognition, then make
    its receivers trusted and release theirs, breadth first. Returns the members it made
    trusted, in order (each at most once: see the module's docstring)."""
    made = []
    walk = deque([member_id])
    while walk:
        release(walk.popleft())
        newly = trust_pending()
        made += newly
        walk.extend(sorted(with_held(newly)))  # nothing held, nothing to release
    return made


@dataclass
class TrustState:
    """What a profile and the API say about a member's trust."""

    gate: bool  # FORUM_TRUST_GATE
    trusted: bool
    since: datetime | None
    via: str | None  # "role", "moderator", or the recognition that did it: "helpful"...
    by: str | None  # the username of who made them trusted
    held_given: int  # their recognition still held
    held_received: int  # recognition for them still held (its givers are not trusted yet)

    @property
    def explanation(self) -> str:
        if not self.gate:
            return "Every member's recognition counts here: the trust gate is off."
        if self.via == "role":
            return "Trusted as a moderator: their recognition counts."
        if not self.trusted:
            return ("Not yet trusted: the marks, accepts and shares they give are held (shown, "
                    "worth nothing yet) until a trusted member recognizes one of their posts "
                    "or a moderator trusts them. Then they count.")
        if self.via == "moderator":
            return f"Trusted by {self.by or 'a moderator'}, a moderator: their recognition counts."
        what = {"helpful": "marked one of their posts helpful", "accepted": "accepted their reply",
                "shared": "shared one of their posts"}.get(self.via or "", "recognized them")
        return (f"Trusted: {self.by or 'a trusted member'}, who is trusted, {what}; "
                "their recognition counts.")


def trust_columns(user: User) -> tuple:
    """Who made the member trusted, and their held recognition given and received: scalar
    subqueries, so a page reads them in a query it makes anyway."""
    events = ContributionEvent.__table__.c
    waiting = (events.held.is_(True), events.reversed_at.is_(None))
    return (
        select(User.username).where(User.id == user.trusted_by_id).scalar_subquery(),
        select(func.count()).where(*waiting, events.actor_id == user.id).scalar_subquery(),
        select(func.count()).where(*waiting, events.beneficiary_id == user.id).scalar_subquery(),
    )


def trust_state(user: User, found: tuple | None = None) -> TrustState:
    """The member's trust and their held events: one query, or none given what
    :func:`trust_columns` found."""
    by, held_given, held_received = found or db.session.execute(
        select(*trust_columns(user))).one()
    via = "role" if user.is_moderator else user.trusted_via
    return TrustState(gate_on(), user.is_trusted, user.trusted_at, via, by, held_given,
                      held_received)
