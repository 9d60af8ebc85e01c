"""``@username`` in posts: linked to the member's profile with ``class="mention"``.

Linking happens once, when a post is rendered (the stored HTML carries the links), and never
inside ``code``, ``pre`` or an existing link. A name that is no member stays plain text.
"""
import re
from collections.abc import Callable, Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from forum.errors import Refused
from forum.extensions import db
from forum.timeutil import utcnow

# "@" not preceded by a word character (so ada@example.org is an address, not a mention).
MENTION_RE = re.compile(r"(?<![\w@/.-])@([A-Za-z0-9_-]{3,32})(?![\w-])")
TAG_RE = re.compile(r"(<[^>]*>)")
SKIP = ("a", "code", "pre")
LINKED_RE = re.compile(r'<a class="mention" href="[^"]*/u/([A-Za-z0-9_-]{3,32})"')
MAX_NEW_MEMBER_MENTIONS = 5


def candidate_names(html: str) -> set[str]:
    """Lower-cased ``@names`` in the text of ``html`` outside code and links."""
    return {match.group(1).lower() for text in text_outside(html) for match in MENTION_RE.finditer(text)}


def text_outside(html: str) -> Iterable[str]:
    depth = 0
    for piece in TAG_RE.split(html):
        if piece.startswith("<"):
            depth += tag_depth_change(piece)
        elif depth == 0 and "@" in piece:
            yield piece


def tag_depth_change(tag: str) -> int:
    match = re.match(r"<(/?)([a-zA-Z0-9]+)", tag)
    if not match or match.group(2).lower() not in SKIP or tag.endswith("/>"):
        return 0
    return -1 if match.group(1) else 1


def link_mentions(html: str, members: Callable[[set[str]], dict[str, str]]) -> str:
    """``html`` with each ``@name`` of an existing member linked (``members`` maps lower-cased
    names to usernames, for the names asked)."""
    names = candidate_names(html)
    if not names:
        return html
    found = members(names)
    if not found:
        return html

    def link(match: re.Match) -> str:
        username = found.get(match.group(1).lower())
        if username is None:
            return match.group(0)
        # Usernames are letters, digits, "-" and "_": nothing to escape or quote. No url_for,
        # so posts render the same outside a request (seed-demo, rerender).
        return f'<a class="mention" href="/u/{username}">@{username}</a>'

    out, depth = [], 0
    for piece in TAG_RE.split(html):
        if piece.startswith("<"):
            depth += tag_depth_change(piece)
            out.append(piece)
        elif depth == 0 and "@" in piece:
            out.append(MENTION_RE.sub(link, piece))
        else:
            out.append(piece)
    return "".join(out)


def mentioned_names(html: str) -> list[str]:
    """The members a stored post's HTML mentions, in order, each once (lower-cased)."""
    seen: dict[str, None] = {}
    for name in LINKED_RE.findall(html or ""):
        seen.setdefault(name.lower(), None)
    return list(seen)


def members_named(names: set[str]) -> dict[str, str]:
    """``{username_key: username}`` for the names that are members (one query)."""
    from forum.accounts.models import User

    rows = db.session.execute(select(User.username_key, User.username)
                              .where(User.username_key.in_(sorted(names)[:200])))
    return {key: username for key, username in rows}


def check_new_member_mentions(user, html: str) -> None:
    """Refuse (400) a post by a new member that mentions more than 5 members."""
    from forum.moderation.limits import has_received_helpful_mark, is_new_member

    hours = current_app.config["NEW_MEMBER_HOURS"]
    if user.is_moderator or user.created_at <= utcnow() - timedelta(hours=hours):
        return
    mentioned = mentioned_names(html)
    if len(mentioned) <= MAX_NEW_MEMBER_MENTIONS:
        return
    if is_new_member(user, has_received_helpful_mark(user.id), utcnow(), hours):
        raise Refused(f"New members can mention at most {MAX_NEW_MEMBER_MENTIONS} members in a "
                      f"post; this one mentions {len(mentioned)}. Once a day has passed, or "
                      "someone marks a post of yours helpful, the limit goes away.", 400)
