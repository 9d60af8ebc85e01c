"""Reading what the community gave: post counts, the leaderboard, a member's contribution.

Every function here runs a fixed number of queries, whatever the data.
"""
from dataclasses import dataclass, field
from math import ceil

from flask import current_app
from sqlalchemy import Integer, func, select
from sqlalchemy.orm import aliased

from forum.accounts.models import User
from forum.contribution import ledger, revision, rules
from forum.contribution.trust import trust_columns, trust_state
from forum.contribution.models import ContributionEvent, HelpfulMark, MemberScore, Share
from forum.extensions import cache, db
from forum.threads.models import Post, Thread
from forum.timeutil import utcnow
from forum.web import Paginated

PERIODS = rules.PERIODS
DEFAULT_PERIOD = "month"
LEADERBOARD_PER_PAGE = 50
EVENTS_PER_PAGE = 50
RECENT_MARKS = 20
KIND_LABELS = rules.LABELS


def current_standing(decayed: float, now=None) -> float:
    """The decayed score brought to ``now``: what the member's standing is worth today."""
    return rules.standing(decayed, now or utcnow(), current_app.config["SCORE_HALF_LIFE_DAYS"])


# Below this a decayed standing shows as 0.0: float sums of reversals leave dust.
STANDING_EPSILON = 1e-6


def period_named(raw: str | None) -> str | None:
    """``?period=`` as one of :data:`PERIODS` (missing: the default month); else None."""
    period = raw or DEFAULT_PERIOD
    return period if period in PERIODS else None


def score_column(period: str):
    """The MemberScore column a period ranks by."""
    return {
        "week": MemberScore.week,
        "month": MemberScore.month,
        "year": MemberScore.year,
        "all": MemberScore.all_time,
        "current": MemberScore.decayed,
    }[period]


def positive(column):
    return column > STANDING_EPSILON if column is MemberScore.decayed else column > 0


@dataclass
class PostStats:
    helpful: int = 0
    shares: int = 0
    marked: bool = False  # by the viewer
    shared: bool = False  # by the viewer
    author_score: int = 0  # the post author's all-time contribution score


def _counts(model, post_ids: list[int], viewer_id: int | None):
    """(post_id, count, whether the viewer is among them) for each post with any."""
    mine = func.max((model.user_id == (viewer_id or -1)).cast(Integer))
    return db.session.execute(
        select(model.post_id, func.count(), mine)
        .where(model.post_id.in_(post_ids)).group_by(model.post_id)
    )


def post_stats(post_ids: list[int], viewer_id: int | None,
               counted: dict[int, tuple[int, int]] | None = None) -> dict[int, PostStats]:
    """Helpful and share counts for ``post_ids``, each author's score, and (for a member)
    which of them the viewer marked and shared: two queries, three for a member.
    ``counted`` ({post id: (helpful count, author's score)}, read with the posts) spares one."""
    stats = {post_id: PostStats() for post_id in post_ids}
    if not post_ids:
        return stats
    if counted is None:
        counted = {post_id: (helpful, score or 0) for post_id, helpful, score in db.session.execute(
            select(Post.id, Post.helpful_count, MemberScore.all_time)
            .outerjoin(MemberScore, MemberScore.user_id == Post.author_id)
            .where(Post.id.in_(post_ids)))}
    for post_id, (helpful, score) in counted.items():
        stats[post_id].helpful, stats[post_id].author_score = helpful, score
    for post_id, count, mine in _counts(Share, post_ids, viewer_id):
        stats[post_id].shares, stats[post_id].shared = count, bool(mine)
    if viewer_id is not None:
        for post_id in db.session.scalars(select(HelpfulMark.post_id).where(
                HelpfulMark.user_id == viewer_id, HelpfulMark.post_id.in_(post_ids))):
            stats[post_id].marked = True
    return stats


def author_scores(post_ids: list[int]) -> dict[str, int]:
    """The all-time score of each of these posts' authors, by username: one query."""
    return {username: score or 0 for username, score in db.session.execute(
        select(User.username, MemberScore.all_time)
        .select_from(Post).join(User, User.id == Post.author_id)
        .outerjoin(MemberScore, MemberScore.user_id == Post.author_id)
        .where(Post.id.in_(post_ids)))}


# The leaderboard ------------------------------------------------------------------------


@dataclass
class Standing:
    rank: int
    username: str
    score: float  # points in the window; for "current", the decayed standing
    all_time: int
    user_id: int = 0  # for the avatar
    deleted: bool = False  # a deleted account keeps its points, and has no profile to link


@dataclass
class Leaderboard(Paginated):
    period: str
    rows: list[Standing]
    page: int
    pages: int
    total: int  # members with any points in the window


def members_with_points(period: str) -> int:
    """How many members have points in ``period`` (an index-only count).

    Kept in the cache for ``SCORE_SWEEP_SECONDS``: it only sizes the pagination, and
    counting 100,000 members on every page view would cost more than the page itself.
    """
    interval = current_app.config["SCORE_SWEEP_SECONDS"]
    key = f"forum:leaderboard-total:{period}"
    total = cache.get(key) if interval else None
    if total is None:
        column = score_column(period)
        total = db.session.scalar(
            select(func.count()).select_from(MemberScore).where(positive(column)))
        if interval:
            cache.set(key, total, timeout=interval)
    return total


def leaderboard_validator(period: str) -> str:
    """What a visitor's cached leaderboard page is keyed on (forum/pagecache.py): the
    contribution revision, which every committed score change sets anew, and the period. The
    ledger's sweep is queued from here too, as from a render, when due."""
    ledger.sweep_if_due()
    return f"{revision.current()}:{period}"


def leaderboard(period: str, page: int, per_page: int = LEADERBOARD_PER_PAGE,
                now=None) -> Leaderboard:
    """Members with points in ``period``, best first, ties by username: at most three
    indexed queries (after the ledger's sweep, which is due at most once a minute).

    Ranks are competition ranks: a member's rank is one more than the number of members
    with a strictly higher score. So only the first rank of a page is counted (on the
    first page nobody is above it) and the rest follow from the scores.
    """
    ledger.sweep_if_due()
    column = score_column(period)
    rows = db.session.execute(
        select(User.username, column, MemberScore.all_time, User.id, User.deleted_at)
        .select_from(MemberScore).join(User, User.id == MemberScore.user_id)
        .where(positive(column))
        .order_by(column.desc(), MemberScore.username_key)
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    total = members_with_points(period)
    scores = [row[1] for row in rows]
    previous = None
    if rows and page > 1:
        higher = db.session.scalar(
            select(func.count()).select_from(MemberScore).where(column > scores[0]))
        previous = (scores[0], higher + 1)
    ranks = rules.competition_ranks(scores, (page - 1) * per_page + 1, previous=previous)
    standings = [
        Standing(rank, username,
                 current_standing(score, now) if period == "current" else score, all_time,
                 user_id, deleted_at is not None)
        for rank, (username, score, all_time, user_id, deleted_at) in zip(ranks, rows)
    ]
    total = max(total, (page - 1) * per_page + len(rows))
    return Leaderboard(period, standings, page, max(1, ceil(total / per_page)), total)


# A member's contribution ----------------------------------------------------------------


@dataclass
class KindTotal:
    kind: str
    label: str
    count: int = 0
    points: int = 0


@dataclass
class EventRow:
    """One ledger entry as a profile lists it: who gave what, for which post, when."""

    id: int
    kind: str
    label: str
    points: int
    note: str | None
    created_at: object
    reversed_at: object
    actor: str | None
    post_id: int | None
    thread_title: str | None
    held: bool = False  # recognition from a giver not yet trusted: worth nothing for now
    reversal_note: str | None = None  # why it was reversed, when it says more than "undone"
    source_host: str | None = None  # the site an external link came from
    beneficiary: str | None = None  # on lists of what a member gave

    @property
    def counts(self) -> bool:
        return self.reversed_at is None and not self.held

    @property
    def released(self) -> bool:
        """A held event whose giver became trusted: it counts again as a newer event."""
        return self.held and self.reversed_at is not None and self.reversal_note == rules.RELEASED_NOTE

    @property
    def state(self) -> str:
        """counted, held, released or reversed: what the profile and the API call it."""
        if self.reversed_at is None:
            return "held" if self.held else "counted"
        return "released" if self.released else "reversed"


@dataclass
class Contribution:
    scores: dict  # period -> points (week, month, year, all)
    ranks: dict  # period -> competition rank among members with points, or None
    standing: float  # the current, decayed standing
    received: list[KindTotal]  # live points received, by kind
    given: list[KindTotal]  # live recognition given to others, by kind
    marks_given: int
    marks_received: int
    recent_marks_given: list = field(default_factory=list)  # (post_id, thread title, author, when)
    events: list[EventRow] = field(default_factory=list)
    held_given: list[EventRow] = field(default_factory=list)  # their recognition still held
    events_page: int = 1
    events_pages: int = 1
    events_total: int = 0

    @property
    def value_made(self) -> int:
        return self.scores["all"]

    @property
    def value_given(self) -> int:
        return sum(k.points for k in self.given)

    @property
    def acts_given(self) -> int:
        return sum(k.count for k in self.given)

    @property
    def balance(self) -> int:
        """Points given to others minus points received: below 0, the member takes more
        than they give."""
        return self.value_given - self.value_made


def _by_kind(rows) -> list[KindTotal]:
    totals = {kind: KindTotal(kind, KIND_LABELS[kind]) for kind in rules.KINDS}
    for kind, count, points in rows:
        totals.setdefault(kind, KindTotal(kind, kind)).count = count
        totals[kind].points = int(points or 0)
    return list(totals.values())


def _ranks(score: MemberScore | None) -> dict:
    """The member's competition rank in each window where they have points: one query."""
    periods = ("week", "month", "year", "all", "current")
    if score is None:
        return dict.fromkeys(periods)
    mine = {"week": score.week, "month": score.month, "year": score.year,
            "all": score.all_time, "current": score.decayed}
    counts = db.session.execute(select(*[
        select(func.count()).select_from(MemberScore)
        .where(score_column(p) > mine[p]).scalar_subquery()
        for p in periods
    ])).one()
    return {p: (counts[i] + 1 if mine[p] > (STANDING_EPSILON if p == "current" else 0) else None)
            for i, p in enumerate(periods)}


def profile_contribution(user: User, page: int = 1, now=None,
                         per_page: int = EVENTS_PER_PAGE) -> dict:
    """Everything a profile shows about a member's score, in at most ten queries: scores and ranks
    per window, current standing, points by kind, what they gave, helpful marks both ways,
    one page of their ledger (held, capped, released and reversed entries included, with the
    reason), the recognition they gave that is still held, and their trust, so a member can
    see exactly why they rank where they do and why a mark did not count yet."""
    ledger.sweep_if_due()
    score = db.session.get(MemberScore, user.id)
    live = ContributionEvent.reversed_at.is_(None)
    counted = ContributionEvent.held.is_(False)
    received = db.session.execute(
        select(ContributionEvent.kind, func.count(), func.sum(ContributionEvent.points))
        .where(ContributionEvent.beneficiary_id == user.id, live, counted)
        .group_by(ContributionEvent.kind)
    ).all()
    given = db.session.execute(
        select(ContributionEvent.kind, func.count(), func.sum(ContributionEvent.points))
        .where(ContributionEvent.actor_id == user.id, live, counted)
        .group_by(ContributionEvent.kind)
    ).all()
    author = aliased(User)
    marks_given, marks_received = db.session.execute(select(
        select(func.count()).select_from(HelpfulMark)
        .where(HelpfulMark.user_id == user.id).scalar_subquery(),
        select(func.count()).select_from(HelpfulMark).join(Post, Post.id == HelpfulMark.post_id)
        .where(Post.author_id == user.id).scalar_subquery(),
    )).one()
    recent_marks = db.session.execute(
        select(HelpfulMark.post_id, Thread.title, author.username, HelpfulMark.created_at)
        .join(Post, Post.id == HelpfulMark.post_id).join(Thread, Thread.id == Post.thread_id)
        .join(author, author.id == Post.author_id)
        .where(HelpfulMark.user_id == user.id, Post.deleted_at.is_(None))
        .order_by(HelpfulMark.created_at.desc(), HelpfulMark.id.desc()).limit(RECENT_MARKS)
    ).all()
    events_total, *found = db.session.execute(select(
        select(func.count()).select_from(ContributionEvent)
        .where(ContributionEvent.beneficiary_id == user.id).scalar_subquery(),
        *trust_columns(user))).one()
    trust = trust_state(user, tuple(found))
    actor = aliased(User)
    events = [
        EventRow(e.id, e.kind, KIND_LABELS.get(e.kind, e.kind), e.points, e.note, e.created_at,
                 e.reversed_at, actor_name, e.post_id, title, e.held, e.reversal_note,
                 e.source_host)
        for e, actor_name, title in db.session.execute(
            select(ContributionEvent, actor.username, Thread.title)
            .outerjoin(actor, actor.id == ContributionEvent.actor_id)
            .outerjoin(Post, Post.id == ContributionEvent.post_id)
            .outerjoin(Thread, Thread.id == Post.thread_id)
            .where(ContributionEvent.beneficiary_id == user.id)
            .order_by(ContributionEvent.created_at.desc(), ContributionEvent.id.desc())
            .offset((page - 1) * per_page).limit(per_page)
        )
    ]
    receiver = aliased(User)
    held_given = [] if not trust.held_given else [
        EventRow(e.id, e.kind, KIND_LABELS.get(e.kind, e.kind), e.points, e.note, e.created_at,
                 e.reversed_at, user.username, e.post_id, title, e.held, e.reversal_note,
                 beneficiary=receiver_name)
        for e, receiver_name, title in db.session.execute(
            select(ContributionEvent, receiver.username, Thread.title)
            .join(receiver, receiver.id == ContributionEvent.beneficiary_id)
            .outerjoin(Post, Post.id == ContributionEvent.post_id)
            .outerjoin(Thread, Thread.id == Post.thread_id)
            .where(ContributionEvent.actor_id == user.id, ContributionEvent.held.is_(True),
                   live)
            .order_by(ContributionEvent.created_at.desc(), ContributionEvent.id.desc())
            .limit(RECENT_MARKS))
    ]
    scores = {
        "week": score.week if score else 0,
        "month": score.month if score else 0,
        "year": score.year if score else 0,
        "all": score.all_time if score else 0,
    }
    contribution = Contribution(
        scores=scores,
        ranks=_ranks(score),
        standing=current_standing(score.decayed, now) if score else 0.0,
        received=_by_kind(received),
        given=_by_kind(given),
        marks_given=marks_given,
        marks_received=marks_received,
        recent_marks_given=recent_marks,
        events=events,
        held_given=held_given,
        events_page=page,
        events_pages=max(1, ceil(events_total / per_page)),
        events_total=events_total,
    )
    return {"contribution": contribution, "trust": trust}
