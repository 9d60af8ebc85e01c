from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.extensions import db
from forum.timeutil import utcnow


class HelpfulMark(db.Model):
    __tablename__ = "helpful_marks"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Share(db.Model):
    __tablename__ = "shares"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContributionEvent(db.Model):
    """One entry of the ledger: points that ``actor`` gave ``beneficiary`` through ``post``.

    Events are never deleted: undoing the act sets ``reversed_at``. ``window_level`` says
    which sliding windows still count the event (3: week, month and year; 2: month and
    year; 1: year; 0: none), so member scores can be kept incrementally (see ledger.py).
    """

    __tablename__ = "contribution_events"
    __table_args__ = (
        Index("ix_contribution_events_window", "window_level", "created_at"),
        Index("ix_contribution_events_beneficiary", "beneficiary_id", "created_at"),
        Index("ix_contribution_events_actor", "actor_id", "beneficiary_id", "created_at"),
        Index("ix_contribution_events_source", "source_host", "post_id", "created_at"),
        Index("ix_contribution_events_held", "actor_id", "held"),
        # Covering indexes for relationships (forum/reading/relationships.py): what a member
        # gave, and received, summed per other member without reading the table.
        Index("ix_contribution_events_given", "actor_id", "beneficiary_id", "reversed_at",
              "created_at", "points"),
        Index("ix_contribution_events_received", "beneficiary_id", "actor_id", "reversed_at",
              "created_at", "points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    # Indexed: rejecting or re-verifying a link reverses its events under the link's lock.
    link_id: Mapped[int | None] = mapped_column(ForeignKey("links.id"), index=True)
    points: Mapped[int]
    # Why an event counts for less than its kind's points ("capped: ..."), else None.
    note: Mapped[str | None] = mapped_column(String(200))
    # Recognition from a giver not yet trusted: recorded with 0 points, counted again (as a
    # new event) once the giver is trusted; this one is then reversed as "released".
    held: Mapped[bool] = mapped_column(default=False)
    # The actor of an external Pingback or Webmention: the source site's host.
    source_host: Mapped[str | None] = mapped_column(String(253))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reversed_at: Mapped[datetime | None]
    # Why it was reversed, where the reversal says more than "undone".
    reversal_note: Mapped[str | None] = mapped_column(String(200))
    window_level: Mapped[int] = mapped_column(default=3)

    beneficiary: Mapped[User] = relationship(foreign_keys=[beneficiary_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class MemberScore(db.Model):
    """Each member's score per window, kept in step with the ledger for fast ranking.

    ``decayed`` is the half-life score scaled to a fixed epoch: ranking by it is ranking by
    current standing, and the standing at any moment is ``decayed * 2 ** (-age / half_life)``.
    """

    __tablename__ = "member_scores"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # The member's username_key, copied when the row is created (usernames never change),
    # so that ties are ordered by the index without joining users.
    username_key: Mapped[str] = mapped_column(String(32), default="")
    week: Mapped[int] = mapped_column(default=0)
    month: Mapped[int] = mapped_column(default=0)
    year: Mapped[int] = mapped_column(default=0)
    all_time: Mapped[int] = mapped_column(default=0)
    decayed: Mapped[float] = mapped_column(Float, default=0.0)

    user: Mapped[User] = relationship()


# One index per window in the leaderboard's order (score high to low, ties by username):
# a page of it, and a member's rank (a count of those above), read the index alone.
for _name in ("week", "month", "year", "all_time", "decayed"):
    Index(f"ix_member_scores_{_name}_rank", MemberScore.__table__.c[_name].desc(),
          MemberScore.__table__.c.username_key)


def create_score_rows(user_ids) -> None:
    """Each member's score row, at zero with their username_key, where it is missing."""
    from sqlalchemy import literal, select

    from forum.database import insert_ignore

    users = User.__table__
    zero = [literal(0).label(name) for name in ("week", "month", "year", "all_time")]
    db.session.execute(insert_ignore(MemberScore.__table__).from_select(
        ["user_id", "username_key", "week", "month", "year", "all_time", "decayed"],
        select(users.c.id, users.c.username_key, *zero, literal(0.0).label("decayed"))
        .where(users.c.id.in_(list(user_ids)))))
