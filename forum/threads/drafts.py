"""Unsent drafts live in the member's browser (static/js/drafts.js), one per thread and form.

The server only names them (``data-draft`` on each form) and says which one was just sent, so
that the script clears it: a refused form keeps its draft, a stored one drops it.
"""
from flask import session
from flask_login import current_user

SENT = "drafts_sent"


def key(*parts) -> str:
    """A draft's name, per member, so that two members of one browser never share a draft."""
    return ":".join(str(part) for part in (current_user.id, *parts))


def reply_key(thread_id: int) -> str:
    return key("reply", thread_id)


def new_thread_key() -> str:
    return key("thread")


def edit_key(post_id: int) -> str:
    return key("edit", post_id)


def sent(name: str) -> None:
    """Tell the next page the member sees that the draft ``name`` is stored."""
    session[SENT] = [*session.get(SENT, [])[-4:], name]


def pop_sent() -> list[str]:
    """The drafts sent since the last page (once: the next page has none)."""
    return session.pop(SENT, []) if SENT in session else []
