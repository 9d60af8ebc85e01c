"""The contribution rules as pure functions: points, caps, decay, ranks.

Everything here is arithmetic over plain values, so every rule is tested exhaustively in
tests/contribution/test_rules.py without a database.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

KINDS = ("helpful", "accepted", "shared", "linked", "pingback")
SETTING_FOR_KIND = {
    "helpful": "POINTS_HELPFUL",
    "accepted": "POINTS_ACCEPTED",
    "shared": "POINTS_SHARED",
    "linked": "POINTS_LINKED",
    "pingback": "POINTS_PINGBACK",
}
LABELS = {
    "helpful": "marked helpful",
    "accepted": "accepted as the answer",
    "shared": "shared",
    "linked": "linked from another thread",
    "pingback": "linked from another site",
}
# At most this many counted events from one actor to one beneficiary per ACTOR_CAP_DAYS.
ACTOR_CAP = 5
ACTOR_CAP_DAYS = 7
# At most this many events from one source site (host) to one post per SOURCE_CAP_DAYS.
SOURCE_CAP = 5
SOURCE_CAP_DAYS = 7
# Recognition: the acts that count only from a trusted giver, and that make their receiver
# trusted when they do count (the trust gate, FORUM_TRUST_GATE).
RECOGNITION = ("helpful", "accepted", "shared")
HELD_NOTE = "held: the giver is not yet trusted"
RELEASED_NOTE = "released: the giver became trusted, so it counts again as a new event"
# At most this many points a (UTC) day from helpful marks, per beneficiary.
HELPFUL_DAILY_CAP = 200
# The sliding windows, nested: an event leaves the week first, then the month, then the year.
# ContributionEvent.window_level counts how many of them still hold the event (3 .. 0).
WINDOWS = (("week", 7), ("month", 30), ("year", 365))
PERIODS = ("week", "month", "year", "all", "current")
# Decayed scores are kept relative to this moment (see MemberScore.decayed).
DECAY_EPOCH = datetime(2025, 1, 1)


@dataclass(frozen=True)
class Award:
    points: int
    note: str | None = None  # why it counts for less than its kind's points


def points_for(kind: str, config) -> int:
    if kind not in SETTING_FOR_KIND:
        raise ValueError(f"unknown contribution kind {kind!r}")
    return int(config[SETTING_FOR_KIND[kind]])


def is_trusted(role: str, trusted_at) -> bool:
    """Moderators and admins are trusted; a member is once trusted (the stored moment)."""
    return role in ("moderator", "admin") or trusted_at is not None


def is_held(kind: str, *, gate: bool, giver_trusted: bool) -> bool:
    """Whether an act is recorded as held: recognition from a giver not yet trusted, while the
    gate is on. Links (internal or from other sites) are never held."""
    return gate and kind in RECOGNITION and not giver_trusted


def confers_trust(kind: str, *, gate: bool, giver_trusted: bool, receiver_trusted: bool) -> bool:
    """Whether recognition makes its receiver trusted: it counts (a trusted giver's helpful
    mark, acceptance or share) and the receiver is not trusted yet."""
    return (gate and kind in RECOGNITION and giver_trusted and not receiver_trusted)


def award(kind: str, base_points: int, *, actor_events_this_week: int,
          helpful_points_today: int, held: bool = False,
          source_events_this_week: int = 0) -> Award:
    """What an event is worth once the trust gate and the anti-gaming caps apply.

    ``actor_events_this_week``: counted events from the same actor to the same beneficiary in
    the last 7 days (0 for events with no actor, such as an external pingback).
    ``helpful_points_today``: points the beneficiary already got from helpful marks today.
    ``held``: the giver is not yet trusted (:func:`is_held`): worth nothing for now.
    ``source_events_this_week``: for a link from another site, the events from the same
    site (host) to the same post in the last 7 days, counted or capped.
    """
    if held:
        return Award(0, HELD_NOTE)
    if kind == "pingback" and source_events_this_week >= SOURCE_CAP:
        return Award(0, f"capped: at most {SOURCE_CAP} events from one site to one post "
                        f"per {SOURCE_CAP_DAYS} days")
    if actor_events_this_week >= ACTOR_CAP:
        return Award(0, f"capped: at most {ACTOR_CAP} counted events from one member to another "
                        f"per {ACTOR_CAP_DAYS} days")
    if kind == "helpful":
        room = max(0, HELPFUL_DAILY_CAP - helpful_points_today)
        if base_points > room:
            return Award(room, f"capped: at most {HELPFUL_DAILY_CAP} points a day from helpful marks")
    return Award(base_points)


def decay_weight(moment: datetime, half_life_days: float) -> float:
    """An event's weight in ``MemberScore.decayed``: 2 ** (days since the epoch / half-life).

    Standing at ``now`` is ``decayed / decay_weight(now)``: each point halves every half-life.
    """
    days = (moment - DECAY_EPOCH) / timedelta(days=1)
    return 2.0 ** (days / half_life_days)


def standing(decayed: float, now: datetime, half_life_days: float) -> float:
    """The current standing: the decayed score brought to ``now``."""
    return decayed / decay_weight(now, half_life_days)


def window_levels_counted(level: int) -> tuple[str, ...]:
    """The windows an event at ``window_level`` still counts in."""
    return tuple(name for i, (name, _days) in enumerate(WINDOWS) if level >= len(WINDOWS) - i)


def level_at(created_at: datetime, now: datetime) -> int:
    """The window level an event made at ``created_at`` has at ``now``."""
    age = now - created_at
    return sum(1 for _name, days in WINDOWS if age < timedelta(days=days))


def competition_ranks(scores: list[int | float], first_rank: int = 1,
                      previous: tuple[int | float, int] | None = None) -> list[int]:
    """Standard competition ranks ("1224") for scores already sorted high to low.

    ``first_rank`` is the rank of the first score's position; ``previous`` is the
    (score, rank) of the entry just before this page, so ties carry across pages.
    """
    ranks = []
    last_score, last_rank = previous if previous else (None, None)
    for offset, score in enumerate(scores):
        position = first_rank + offset
        rank = last_rank if score == last_score else position
        ranks.append(rank)
        last_score, last_rank = score, rank
    return ranks
