"""Request and response conventions shared by every blueprint."""
from urllib.parse import urljoin, urlsplit

from flask import abort, current_app, redirect, request, url_for
from werkzeug.routing import IntegerConverter

# Ids are 32-bit integers in the database (PostgreSQL's INTEGER).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in every URL: a number beyond any id matches nothing (404) instead of
    reaching the database, which would refuse it."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class Paginated:
    """``has_prev``/``has_next`` for any page of a listing with ``page`` and ``pages``."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def see_other(location: str):
    """The answer to a successful form: 303 See Other, to the page that shows the result."""
    return redirect(location, code=303)


def page_number(name: str = "page") -> int:
    """``?page=N`` as a positive number; anything else is a 400."""
    raw = request.args.get(name, "1")
    if not raw.isdigit() or not 0 < int(raw) < 1_000_000:
        abort(400, f"“{raw[:20]}” is not a page number.")
    return int(raw)


def base_url() -> str:
    """``FORUM_BASE_URL``, or the request's own scheme and host when it is unset."""
    configured = current_app.config["BASE_URL"]
    return (configured or request.host_url).rstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    return base_url() + url_for(endpoint, **values)


def first_error(form) -> str:
    """The first thing wrong with a submitted form, to show above it."""
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return "Please check the form."


def is_safe_next(target: str | None) -> bool:
    """``?next=`` only ever leads to a page of this site."""
    if not target or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(urljoin(request.host_url, target))
    return parts.scheme in ("http", "https") and parts.netloc == request.host
