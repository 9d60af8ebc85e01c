"""The contribution parts of the JSON API: the leaderboard and a member's score."""
from flask import current_app

from forum.contribution.queries import Contribution, EventRow, Leaderboard, profile_contribution
from forum.contribution.trust import TrustState
from forum.timeutil import as_utc
from forum.web import absolute_url


def iso(moment):
    return as_utc(moment).isoformat() if moment else None


def leaderboard_json(board: Leaderboard) -> dict:
    return {
        "period": board.period,
        "page": board.page,
        "pages": board.pages,
        "total": board.total,
        "members": [{
            "rank": row.rank,
            "username": row.username,
            "url": None if row.deleted else absolute_url("accounts.profile", username=row.username),
            "score": round(row.score, 2) if board.period == "current" else row.score,
            "all_time": row.all_time,
        } for row in board.rows],
    }


def trust_json(trust: TrustState) -> dict:
    return {
        "gate": trust.gate,
        "trusted": trust.trusted,
        "since": iso(trust.since),
        "via": trust.via,
        "by": trust.by,
        "explanation": trust.explanation,
        "held_given": trust.held_given,
        "held_received": trust.held_received,
    }


def event_json(e: EventRow) -> dict:
    return {
        "id": e.id,
        "kind": e.kind,
        "what": e.label,
        "points": e.points,
        "counts": e.counts,
        "state": e.state,
        "held": e.held and e.reversed_at is None,
        "note": e.note,
        "from": e.actor,
        "source_host": e.source_host,
        "to": e.beneficiary,
        "post_id": e.post_id,
        "thread_title": e.thread_title,
        "url": absolute_url("threads.permalink", post_id=e.post_id) if e.post_id else None,
        "created_at": iso(e.created_at),
        "reversed_at": iso(e.reversed_at),
        "reversal_note": e.reversal_note,
    }


def contribution_json(contribution: Contribution) -> dict:
    """Score per window, current standing, breakdown by kind, reciprocity, marks, the
    recognition given that is still held, and one page of the ledger (``events_page`` of
    ``events_pages``), each event with its state: counted, held, released or reversed."""
    c = contribution
    return {
        "held_given": [event_json(e) for e in c.held_given],
        "score": c.scores,
        "rank": c.ranks,
        "current_standing": round(c.standing, 2),
        "half_life_days": current_app.config["SCORE_HALF_LIFE_DAYS"],
        "breakdown": {k.kind: {"count": k.count, "points": k.points} for k in c.received},
        "given": {k.kind: {"count": k.count, "points": k.points} for k in c.given},
        "reciprocity": {"value_made": c.value_made, "value_given": c.value_given,
                        "acts_given": c.acts_given, "balance": c.balance},
        "helpful_marks": {"given": c.marks_given, "received": c.marks_received},
        "events_page": c.events_page,
        "events_pages": c.events_pages,
        "events_total": c.events_total,
        "events": [event_json(e) for e in c.events],
    }


def user_contribution(user, page: int) -> dict:
    """The member's ``contribution`` and ``trust`` for /api/v1/users/<name>."""
    shown = profile_contribution(user, page)
    return {"trust": trust_json(shown["trust"]),
            "contribution": contribution_json(shown["contribution"])}
