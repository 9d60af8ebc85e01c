"""Autodiscovery: which feeds the page being rendered follows, worked out from its URL.

No page template needs to know about feeds: base.html links whatever this returns in its
``<head>`` and shows "Follow by feed" links near the top of the content.
"""
import sys
from dataclasses import dataclass

from flask import request, url_for


@dataclass(frozen=True)
class PageFeed:
    label: str  # "Atom", "RSS", "Helpful (Atom)"
    title: str  # the <link title>, what a reader's subscribe dialog shows
    mimetype: str
    href: str


def feed_pair(what: str, endpoint: str, label: str = "", **values) -> list[PageFeed]:
    """The Atom and RSS feeds of one scope; ``label`` tells a second pair from the first."""
    return [PageFeed(f"{label} ({name})" if label else name, f"{what} ({name})", mimetype,
                     url_for(endpoint, fmt=fmt, **values))
            for name, fmt, mimetype in (("Atom", "atom", "application/atom+xml"),
                                        ("RSS", "rss", "application/rss+xml"))]


def feeds_for(endpoint: str | None, args: dict) -> list[PageFeed]:
    """The feeds of the page at ``endpoint`` with its view ``args`` (none for other pages)."""
    if endpoint == "threads.index":
        return feed_pair("Every new post", "feeds.site_feed")
    if endpoint == "threads.show_thread" and "thread_id" in args:
        return feed_pair("This thread", "feeds.thread_feed", thread_id=args["thread_id"])
    if endpoint == "threads.category" and "slug" in args:
        return (feed_pair("This category", "feeds.category_feed", slug=args["slug"])
                + feed_pair("Helpful replies in this category", "feeds.category_helpful",
                            "Helpful replies", slug=args["slug"]))
    if endpoint == "threads.tag" and "name" in args:
        return (feed_pair(f"#{args['name']}", "feeds.tag_feed", name=args["name"])
                + feed_pair(f"Helpful replies in #{args['name']}", "feeds.tag_helpful",
                            "Helpful replies", name=args["name"]))
    if endpoint == "accounts.profile" and "username" in args:
        return feed_pair(f"Posts and shares by {args['username']}", "feeds.member_feed",
                         username=args["username"])
    return []


def page_feeds() -> dict:
    """Context processor: ``page_feeds`` for base.html.

    An error page is rendered while its exception is being handled; it advertises no feed
    (the thread or member it names may not exist).
    """
    if sys.exc_info()[1] is not None:
        return {"page_feeds": []}
    return {"page_feeds": feeds_for(request.endpoint, request.view_args or {})}
