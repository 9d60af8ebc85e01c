"""The contribution parts of the JSON API: the leaderboard and a member's score."""
from flask import current_app

from forum.contribution.queries import Contribution, Leaderboard
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
            "url": absolute_url("accounts.profile", username=row.username),
            "score": round(row.score, 2) if board.period == "current" else row.score,
            "all_time": row.all_time,
        } for row in board.rows],
    }


def contribution_json(contribution: Contribution) -> dict:
    """Score per window, current standing, breakdown by kind, reciprocity, marks, and one
    page of the ledger (``events_page`` of ``events_pages``)."""
    c = contribution
    return {
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
        "events": [{
            "id": e.id,
            "kind": e.kind,
            "what": e.label,
            "points": e.points,
            "counts": e.counts,
            "note": e.note,
            "from": e.actor,
            "post_id": e.post_id,
            "thread_title": e.thread_title,
            "url": absolute_url("threads.permalink", post_id=e.post_id) if e.post_id else None,
            "created_at": iso(e.created_at),
            "reversed_at": iso(e.reversed_at),
        } for e in c.events],
    }
