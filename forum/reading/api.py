"""Relationships in the JSON API (``/api/v1/users/<name>``)."""
from forum.reading.relationships import FADING_DAYS, FRESH_DAYS, Relationship
from forum.timeutil import as_utc
from forum.web import absolute_url


def relationships_json(found: list[Relationship]) -> list[dict]:
    """Each member recognition was exchanged with: what flowed each way, the last exchange,
    and its state (fresh within 30 days, fading within 90, else stale); newest first."""
    return [{
        "username": r.username,
        "url": None if r.deleted else absolute_url("accounts.profile", username=r.username),
        "given": {"count": r.given.count, "points": r.given.points},
        "received": {"count": r.received.count, "points": r.received.points},
        "last_exchange_at": as_utc(r.last_exchange).isoformat(),
        "state": r.state,
        "state_rule": {"fresh_days": FRESH_DAYS, "fading_days": FADING_DAYS},
    } for r in found]
