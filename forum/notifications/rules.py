"""The notification rules as plain values: kinds, channels, collapsing and how each reads."""
from dataclasses import dataclass

KINDS = ("reply", "mention", "helpful", "accepted", "shared", "pingback", "follow", "closed",
         "new_thread")
LEVELS = ("watching", "normal", "muted")
CHANNELS = ("off", "site", "email")

# What a member can choose, per kind; replies in their own threads apart from the rest.
PREFERENCES = {
    "reply_own": "Replies in threads you started",
    "reply": "Replies in other threads you watch",
    "mention": "Mentions of you (@name)",
    "helpful": "Helpful marks on your posts",
    "accepted": "Your reply accepted as the answer",
    "shared": "Shares of your posts",
    "pingback": "Links to your posts from other threads and sites",
    "follow": "New followers",
    "closed": "Threads you watch being closed",
    "new_thread": "New threads in categories you watch and by members you follow",
}
DEFAULT_CHANNELS = {key: "site" for key in PREFERENCES} | {
    "reply_own": "email", "mention": "email", "accepted": "email"}
# Kinds whose repeats count distinct members ("3 members marked your reply helpful").
BY_MEMBERS = ("helpful", "shared", "follow", "pingback")


def preference_key(kind: str, thread_author_id: int | None, member_id: int) -> str:
    """Which choice governs a notification: replies in the member's own thread apart."""
    if kind == "reply" and thread_author_id == member_id:
        return "reply_own"
    return kind


def channel(settings, key: str) -> str:
    """The member's channel for ``key``: their choice, else the default."""
    chosen = getattr(settings, key, None) if settings is not None else None
    return chosen if chosen in CHANNELS else DEFAULT_CHANNELS[key]


def open_key(kind: str, thread_id: int | None, post_id: int | None) -> str:
    """What repeats collapse on: replies and closing per thread, the rest per post."""
    if kind == "follow":
        return "follow"
    if kind in ("reply", "closed", "new_thread"):
        return f"{kind}:t{thread_id}"
    return f"{kind}:p{post_id}"


@dataclass(frozen=True)
class Said:
    """How a notification reads: ``who`` did ``what``."""

    who: str
    what: str

    def __str__(self) -> str:
        return f"{self.who} {self.what}".strip()


def describe(kind: str, count: int, actor_name: str | None, is_opening: bool = False) -> Said:
    """The sentence for a notification, collapsed repeats included.

    >>> str(describe("helpful", 3, "ada"))
    '3 members marked your reply helpful'
    """
    post = "post" if is_opening else "reply"
    actor = actor_name or ("another site" if kind == "pingback" else "a former member")
    if kind in BY_MEMBERS and count > 1:
        who = f"{count} sites and members" if kind == "pingback" else f"{count} members"
    else:
        who = actor
    if kind == "reply":
        if count > 1:
            return Said(f"{count} new replies", f"(the latest by {actor})")
        return Said(actor, "replied")
    what = {
        "mention": "mentioned you",
        "helpful": f"marked your {post} helpful",
        "accepted": "accepted your reply as the answer",
        "shared": f"shared your {post}",
        "pingback": f"linked to your {post}",
        "follow": "followed you",
        "closed": "closed the thread",
        "new_thread": "started a new thread",
    }[kind]
    return Said(who, what)


def iso_week(moment) -> str:
    """The ISO week of ``moment`` ("2026-W49"): one digest per member per week."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"
