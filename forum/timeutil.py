"""The forum's clock: aware UTC datetimes everywhere, stored naive-UTC for SQLite's sake."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (the form every timestamp column stores)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def as_utc(moment: datetime) -> datetime:
    """A stored naive-UTC datetime, made aware for feeds and ``<time datetime>``."""
    return moment.replace(tzinfo=timezone.utc)
