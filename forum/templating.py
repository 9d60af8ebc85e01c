"""What every template may use: the site's name, time formatting, the action form."""
from datetime import datetime

from flask import Flask, current_app

from forum.forms import ConfirmForm
from forum.timeutil import as_utc, utcnow


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """ "3 hours ago", "2 days ago", or the date for anything older than a month."""
    if moment is None:
        return ""
    seconds = int(((now or utcnow()) - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("minute", 60), ("hour", 3600), ("day", 86400)):
        next_size = {"minute": 3600, "hour": 86400, "day": 30 * 86400}[unit]
        if seconds < next_size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return moment.strftime("%-d %b %Y")


def isotime(moment: datetime | None) -> str:
    return as_utc(moment).isoformat() if moment else ""


def page_window(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers to show: the first, the last, and ``around`` either side of ``page``;
    ``None`` where numbers are left out."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    window: list[int | None] = []
    for n in shown:
        if window and n - window[-1] > 1:
            window.append(n - 1 if n - window[-1] == 2 else None)
        window.append(n)
    return window


def init_app(app: Flask) -> None:
    app.jinja_env.globals["page_window"] = page_window
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["isotime"] = isotime
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site():
        return {"site_name": current_app.config["SITE_NAME"], "confirm_form": ConfirmForm}
