"""Reading links: the pingbacks a thread shows."""
from sqlalchemy import select

from forum.extensions import db
from forum.links.models import Link


def thread_pingbacks(thread_id: int) -> list[Link]:
    """Approved links to a thread, oldest first, as "Pingback: ..." entries."""
    return db.session.scalars(
        select(Link).where(Link.target_thread_id == thread_id, Link.status == "approved")
        .order_by(Link.created_at, Link.id)
    ).all()
