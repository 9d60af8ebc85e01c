"""Request and response conventions shared by every blueprint."""
import re
from urllib.parse import urlsplit

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


# A page beyond this is a 400: no listing is that long, and the offset stays small.
MAX_PAGE = 100_000
_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_number(raw: str | None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The one reading of a number a client sent (query, form or JSON): ASCII digits only,
    within ``minimum``..``maximum``; None for anything else. Never raises.

    ``int()`` alone is not enough: it takes "²"-free Unicode digits ("٣"), spaces, signs and
    underscores, and ``str.isdigit()`` passes "²", which ``int()`` then refuses.
    """
    if not isinstance(raw, str) or not _ASCII_DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def number_arg(name: str, default: int, *, minimum: int = 1, maximum: int = MAX_PAGE,
               what: str = "a number") -> int:
    """``?name=N`` as a number in range, ``default`` when absent; anything else is a 400."""
    raw = request.args.get(name)
    if raw is None:
        return default
    value = parse_number(raw, minimum, maximum)
    if value is None:
        abort(400, f"“{raw[:20]}” is not {what} ({minimum} to {maximum:,}).")
    return value


def page_number(name: str = "page") -> int:
    """``?page=N`` as a positive number; anything else is a 400."""
    return number_arg(name, 1, what="a page number")


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


_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None) -> str | None:
    """``next`` (after login, after a moderator's form) when it is a path of this site, else None.

    Only a path that starts with exactly one ``/``: no scheme (``http:evil.example``), no host
    (``//evil.example``), no backslash (browsers read ``/\\evil.example`` as a host), and no
    spaces or control characters (browsers drop tabs and newlines, making ``/\t/evil`` a host).
    """
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return None
    if _UNSAFE_IN_NEXT.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def referrer_path() -> str | None:
    """The path (and query) of the page that sent this request, when it is of this site."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host or parts.scheme not in ("http", "https"):
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
