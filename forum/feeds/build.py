"""Atom 1.0 and RSS 2.0 documents from a feed's entries, with feedgen.

Entry ids never change: a post's is its permalink (``<base>/p/<id>``); a pingback's and a
share's are tag URIs (RFC 4151) of their row ids. Content is the post's stored HTML,
sanitized when it was written; pingback excerpts are plain text and escaped here.
"""
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from markupsafe import escape

from forum.feeds.queries import EPOCH, FEED_SIZE, Entries, Scope
from forum.threads.queries import page_of
from forum.timeutil import as_utc

TAG_DATE = "2025"  # the tag URIs' date part: fixed forever, so ids never change
MIMETYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


@dataclass
class FeedEntry:
    id: str
    title: str
    link: str
    html: str
    author: str
    published: datetime
    updated: datetime


@dataclass
class FeedMeta:
    title: str
    description: str
    page: str  # the HTML page the feed follows
    self_url: str


class Urls:
    """Absolute URLs under one base (``FORUM_BASE_URL`` or the request's host)."""

    def __init__(self, base: str, url_for):
        self.base = base.rstrip("/")
        self.url_for = url_for
        self.host = urlsplit(self.base).hostname or "localhost"

    def __call__(self, endpoint: str, **values) -> str:
        return self.base + self.url_for(endpoint, **values)

    def tag_uri(self, what: str, id_: int) -> str:
        return f"tag:{self.host},{TAG_DATE}:{what}-{id_}"

    def post_page(self, post) -> str:
        page = page_of(post)
        values = {"page": page} if page > 1 else {}
        return self("threads.show_thread", thread_id=post.thread_id, slug=post.thread.slug,
                    _anchor=f"post-{post.id}", **values)


def post_title(post) -> str:
    return post.thread.title if post.is_opening else f"Re: {post.thread.title}"


def post_entry(post, urls: Urls) -> FeedEntry:
    return FeedEntry(id=urls("threads.permalink", post_id=post.id), title=post_title(post),
                     link=urls.post_page(post), html=post.html, author=post.author.username,
                     published=post.created_at, updated=post.edited_at or post.created_at)


def link_entry(link, urls: Urls) -> FeedEntry:
    title = link.title or link.source_url
    html = (f'<p><a href="{escape(link.source_url)}">{escape(title)}</a></p>'
            + (f"<blockquote><p>{escape(link.excerpt)}</p></blockquote>" if link.excerpt else ""))
    return FeedEntry(id=urls.tag_uri("pingback", link.id), title=f"Pingback: {title}",
                     link=link.source_url, html=html, author=link.author_name or urlsplit(
                         link.source_url).hostname or "someone",
                     published=link.created_at, updated=max(link.created_at, link.updated_at))


def share_entry(share, post, member_name: str, urls: Urls) -> FeedEntry:
    intro = (f"<p>{escape(member_name)} shared a post by {escape(post.author.username)} "
             f"in “{escape(post.thread.title)}”:</p>")
    return FeedEntry(id=urls.tag_uri("share", share.id), title=f"Shared: {post_title(post)}",
                     link=urls.post_page(post), html=intro + post.html, author=member_name,
                     published=share.created_at,
                     updated=max(share.created_at, post.edited_at or post.created_at))


def feed_entries(found: Entries, scope: Scope, urls: Urls) -> list[FeedEntry]:
    """Every entry of the feed, newest first, at most :data:`FEED_SIZE`."""
    made = [post_entry(post, urls) for post in found.posts]
    made += [link_entry(link, urls) for link in found.links]
    if found.shares:
        made += [share_entry(share, post, found.owner.username, urls)
                 for share, post in found.shares]
    made.sort(key=lambda entry: (entry.published, entry.id), reverse=True)
    return made[:FEED_SIZE]


def feed_meta(found: Entries, scope: Scope, urls: Urls, site_name: str, fmt: str) -> FeedMeta:
    owner = found.owner
    helpful = scope.helpful
    which = "helpful" if helpful else "feed"
    threshold = (f" (accepted, or marked helpful at least {scope.min_helpful} times)"
                 if helpful else "")
    if scope.kind == "site":
        return FeedMeta(site_name, f"Every new post on {site_name}.", urls("threads.index"),
                        urls("feeds.site_feed", fmt=fmt))
    if scope.kind == "category":
        title = f"{owner.name}{' · helpful replies' if helpful else ''} · {site_name}"
        description = owner.description or f"Posts in {owner.name} on {site_name}."
        if helpful:
            description = f"Helpful replies in {owner.name}{threshold}. {description}"
        self_url = urls(f"feeds.category_{which}", slug=owner.slug, fmt=fmt,
                        **({"min": scope.min_helpful} if helpful and scope.min_helpful != 1 else {}))
        return FeedMeta(title, description, urls("threads.category", slug=owner.slug), self_url)
    if scope.kind == "tag":
        title = f"#{owner.name}{' · helpful replies' if helpful else ''} · {site_name}"
        description = (f"Helpful replies in threads tagged #{owner.name}{threshold}." if helpful
                       else f"Posts in threads tagged #{owner.name} on {site_name}.")
        self_url = urls(f"feeds.tag_{which}", name=owner.name, fmt=fmt,
                        **({"min": scope.min_helpful} if helpful and scope.min_helpful != 1 else {}))
        return FeedMeta(title, description, urls("threads.tag", name=owner.name), self_url)
    if scope.kind == "thread":
        description = (f"The posts and pingbacks of “{owner.title}” in {owner.category.name} "
                       f"on {site_name}.")
        return FeedMeta(f"{owner.title} · {site_name}", description,
                        urls("threads.show_thread", thread_id=owner.id, slug=owner.slug),
                        urls("feeds.thread_feed", thread_id=owner.id, fmt=fmt))
    return FeedMeta(f"{owner.username} · {site_name}",
                    f"Posts and shares by {owner.username} on {site_name}.",
                    urls("accounts.profile", username=owner.username),
                    urls("feeds.member_feed", username=owner.username, fmt=fmt))


def render(found: Entries, scope: Scope, fmt: str, urls: Urls, site_name: str,
           last_modified: datetime) -> bytes:
    """The feed document in ``fmt`` ("atom" or "rss"), the same bytes for the same data."""
    return document(feed_meta(found, scope, urls, site_name, fmt),
                    feed_entries(found, scope, urls), fmt, last_modified)


def document(meta: FeedMeta, made: list[FeedEntry], fmt: str, last_modified: datetime) -> bytes:
    """Any feed's bytes from its description and entries (newest first)."""
    generator = FeedGenerator()
    generator.id(meta.self_url)
    generator.title(meta.title)
    generator.subtitle(meta.description)  # RSS: <description>
    # feedgen makes the last link RSS's <link>: the page, not the feed itself.
    generator.link(href=meta.self_url, rel="self", type=MIMETYPES[fmt])
    generator.link(href=meta.page, rel="alternate")
    if fmt == "rss":
        generator.load_extension("dc")  # RSS's own <author> must be an email address
    generator.language("en")
    generator.generator("The Forum")
    updated = as_utc(max([entry.updated for entry in made] + [last_modified or EPOCH]))
    generator.updated(updated)
    generator.lastBuildDate(updated)
    for item in made:
        entry = generator.add_entry(order="append")
        entry.id(item.id)
        entry.guid(item.id, permalink=item.id.startswith(("http://", "https://")))
        entry.title(item.title)
        entry.link(href=item.link, rel="alternate")
        if fmt == "atom":
            entry.author(name=item.author)
        else:
            entry.dc.dc_creator(item.author)
        entry.published(as_utc(item.published))
        entry.updated(as_utc(item.updated))
        if fmt == "atom":
            entry.content(item.html, type="html")
        else:
            entry.description(item.html)
    if fmt == "atom":
        return generator.atom_str(pretty=False)
    return generator.rss_str(pretty=False)
