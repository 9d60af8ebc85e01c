"""Reading what the community gave: counts and the viewer's own marks, per post."""
from dataclasses import dataclass

from sqlalchemy import Integer, func, select

from forum.contribution.models import HelpfulMark, Share
from forum.extensions import db


@dataclass
class PostStats:
    helpful: int = 0
    shares: int = 0
    marked: bool = False  # by the viewer
    shared: bool = False  # by the viewer


def _counts(model, post_ids: list[int], viewer_id: int | None):
    """(post_id, count, whether the viewer is among them) for each post with any."""
    mine = func.max((model.user_id == (viewer_id or -1)).cast(Integer))
    return db.session.execute(
        select(model.post_id, func.count(), mine)
        .where(model.post_id.in_(post_ids)).group_by(model.post_id)
    )


def post_stats(post_ids: list[int], viewer_id: int | None) -> dict[int, PostStats]:
    """Helpful and share counts for ``post_ids``, and which the viewer gave: two queries."""
    stats = {post_id: PostStats() for post_id in post_ids}
    if not post_ids:
        return stats
    for post_id, count, mine in _counts(HelpfulMark, post_ids, viewer_id):
        stats[post_id].helpful, stats[post_id].marked = count, bool(mine)
    for post_id, count, mine in _counts(Share, post_ids, viewer_id):
        stats[post_id].shares, stats[post_id].shared = count, bool(mine)
    return stats
