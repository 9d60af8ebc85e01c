"""Background jobs of cross-linking: verifying incoming pings, sending outgoing ones.

Both run on the one job queue (``forum.jobs``): RQ workers when ``FORUM_REDIS_URL`` is set,
the web process's own thread otherwise. Every fetch goes through ``forum.links.fetch``.
"""
import logging
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from flask import current_app
from sqlalchemy import select

from forum import jobs, pagecache
from forum.extensions import db
from forum.locking import lock_link, lock_thread
from forum.links import discovery, xmlrpc
from forum.links.fetch import BadURL, BlockedAddress, FetchError, TooLarge, fetch
from forum.links.models import Link, OutgoingMention
from forum.links.services import (
    accept_verified,
    announce_pingback,
    internal_target,
    refuse_verification,
    resolve_target,
    site_host,
)
from forum.timeutil import utcnow

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Fetch failures that no later try can mend: the address is refused or the URL is wrong.
PERMANENT = (BadURL, BlockedAddress, TooLarge)
GONE = (404, 410)
MAX_MENTIONS_PER_POST = 20


def fetch_from_forum(url: str, **options):
    """The outbound fetcher with this forum's allow-list."""
    return fetch(url, allow_hosts=current_app.config["OUTBOUND_ALLOW_HOSTS"], **options)


# --- incoming ------------------------------------------------------------------------------


def verify_link(link_id: int) -> None:
    """Fetch an incoming ping's source; keep the link only if the source links to its target.

    A verified new link waits in /mod/queue (or is approved at once); a source that answers
    404 or 410, or no longer links, takes a shown link off its thread.

    The fetch (up to 10 s) runs with no transaction open. The verdict is then applied to the
    link as its lock returns it (thread, then link: ``forum/locking.py``), so a moderator's
    decision meanwhile stands, and of two jobs for one link only the first approves it.
    """
    link = db.session.get(Link, link_id)
    if link is None or link.kind == "internal" or link.status in SETTLED:
        return
    thread_id, source_url = link.target_thread_id, link.source_url
    db.session.rollback()
    try:
        result = fetch_from_forum(source_url, headers={"Accept": "text/html, */*;q=0.5"})
    except FetchError as error:
        verdict = Verdict(f"The source could not be fetched: {error}", gone=False)
    else:
        verdict = judge(result, link)
    db.session.rollback()  # what judging read is not what the lock will return
    lock_thread(thread_id, deleted=True)
    link = lock_link(link_id)
    if link is None or link.status in SETTLED:
        db.session.rollback()
        return
    pagecache.bump_thread(thread_id)
    was = link.status
    if verdict.accepted:
        if link.status == "verifying" and verdict.closed:
            refuse_verification(link, "Comments are closed on the target thread.", gone=False)
        else:
            accept_verified(link, verdict.title, verdict.excerpt)
    else:
        refuse_verification(link, verdict.note, gone=verdict.gone)
    db.session.commit()
    if link.status == "approved" and was != "approved":
        announce_pingback(link)


SETTLED = ("rejected", "removed", "failed")


@dataclass
class Verdict:
    """What a fetched source says about a link: accepted (with title and excerpt), or not."""

    note: str = ""
    gone: bool = False
    accepted: bool = False
    title: str = ""
    excerpt: str = ""
    closed: bool = False  # the target thread is closed (a new link then fails)


def judge(result, link: Link) -> Verdict:
    """The verdict on a fetched source (reads the target, writes nothing)."""
    target = resolve_target(*named_target(link))
    if result.status in GONE:
        return Verdict(f"The source answered {result.status}.", gone=True)
    if not 200 <= result.status < 300:
        return Verdict(f"The source answered {result.status}.")
    if target is None:
        return Verdict("The target thread or post is gone.", gone=True)
    href = linking_href(result, link)
    if href is None:
        return Verdict("The source does not link to the target.", gone=True)
    context = discovery.find_link_context(result.text, urljoin(result.final_url, href),
                                          base_url=result.final_url)
    return Verdict(accepted=True, title=(context.title if context else "") or link.source_url,
                   excerpt=context.excerpt if context else "",
                   closed=target[0].closed_state()[0])


def named_target(link: Link) -> tuple[str, int]:
    if link.target_post_id is None:
        return "thread", link.target_thread_id
    return "post", link.target_post_id


def linking_href(result, link: Link) -> str | None:
    """The href in the fetched source that points at ``link``'s target, if there is one."""
    wanted = (link.target_thread_id, link.target_post_id)
    host = site_host_of(link.target_url)
    if result.content_type in HTML_TYPES or not result.content_type:
        for href in discovery.extract_links(result.text):
            named = internal_target(urljoin(result.final_url, href), host)
            if named is None:
                continue
            resolved = resolve_target(*named)
            if resolved and (resolved[0].id, resolved[1].id) == wanted:
                return href
        return None
    # Plain text and other types: the target's URL written out counts as a link.
    return link.target_url if link.target_url in result.text else None


def site_host_of(url: str) -> str:
    return urlsplit(url).netloc or (site_host() or "")


# --- outgoing ------------------------------------------------------------------------------


def retry_delays() -> tuple[float, ...]:
    raw = current_app.config["LINKS_RETRY_DELAYS"]
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    return tuple(float(part) for part in raw)


def enqueue_mentions(post_id: int) -> None:
    """Queue a job for each of the post's mentions that waits to be sent."""
    ids = db.session.scalars(
        select(OutgoingMention.id).where(OutgoingMention.post_id == post_id,
                                         OutgoingMention.status == "queued")
    ).all()
    for mention_id in ids:
        jobs.enqueue(send_mention, mention_id, retry_delays=retry_delays())


class TryAgain(jobs.RetryLater):
    """A transient failure: the job queue runs the job again after the next delay."""


def send_mention(mention_id: int) -> None:
    """Tell a linked page about the post: its Webmention endpoint, else its Pingback server.

    Discovery follows the W3C Webmention rules (``discovery.discover_webmention_endpoint``);
    the fallback reads ``X-Pingback`` or ``<link rel="pingback">``. Network errors, 5xx
    answers and Pingback faults 0 and 50 are retried with backoff; the last try records
    "failed".
    """
    mention = db.session.get(OutgoingMention, mention_id)
    if mention is None or mention.status not in ("queued", "retrying"):
        return
    mention.attempts += 1
    mention.updated_at = utcnow()
    try:
        outcome = notify(mention)
    except TryAgain as error:
        mention.last_error = str(error)[:500]
        if mention.attempts > len(retry_delays()):
            mention.status = "failed"
            db.session.commit()
            return
        mention.status = "retrying"
        db.session.commit()
        raise
    mention.status, mention.last_error = outcome
    db.session.commit()


def notify(mention: OutgoingMention) -> tuple[str, str]:
    """(status, message) of one try; raises TryAgain when a later try may succeed."""
    try:
        page = fetch_from_forum(mention.target_url, headers={"Accept": "text/html, */*;q=0.5"})
    except PERMANENT as error:
        return "failed", f"Could not fetch the linked page: {error}"[:500]
    except FetchError as error:
        raise TryAgain(f"Could not fetch the linked page: {error}") from None
    if page.status >= 500:
        raise TryAgain(f"{mention.target_url} answered {page.status}.")
    html = page.text if page.content_type in HTML_TYPES else ""
    endpoint = discovery.discover_webmention_endpoint(page.final_url, page.headers, html)
    if endpoint:
        mention.endpoint, mention.protocol = endpoint, "webmention"
        return send_webmention(mention, endpoint)
    if not mention.linked:
        return "unsupported", "The page has no Webmention endpoint to tell of the removed link."
    server = discovery.discover_pingback_server(page.headers, html, page.final_url)
    if server:
        mention.endpoint, mention.protocol = server, "pingback"
        return send_pingback(mention, server)
    return "unsupported", "The page advertises neither Webmention nor Pingback."


def send_webmention(mention: OutgoingMention, endpoint: str) -> tuple[str, str]:
    try:
        answer = fetch_from_forum(endpoint, method="POST",
                                  data={"source": mention.source_url, "target": mention.target_url})
    except PERMANENT as error:
        return "failed", f"Could not reach the Webmention endpoint: {error}"[:500]
    except FetchError as error:
        raise TryAgain(f"Could not reach the Webmention endpoint: {error}") from None
    if 200 <= answer.status < 300:
        return "sent", ""
    if answer.status >= 500 or answer.status == 429:
        raise TryAgain(f"The Webmention endpoint answered {answer.status}.")
    return "failed", f"The Webmention endpoint answered {answer.status}: {answer.text[:200]}"


def send_pingback(mention: OutgoingMention, server: str) -> tuple[str, str]:
    body = xmlrpc.build_call("pingback.ping", [mention.source_url, mention.target_url])
    try:
        answer = fetch_from_forum(server, method="POST", data=body,
                                  headers={"Content-Type": "text/xml"})
    except PERMANENT as error:
        return "failed", f"Could not reach the Pingback server: {error}"[:500]
    except FetchError as error:
        raise TryAgain(f"Could not reach the Pingback server: {error}") from None
    if answer.status >= 500:
        raise TryAgain(f"The Pingback server answered {answer.status}.")
    try:
        xmlrpc.parse_response(answer.body)
    except xmlrpc.Fault as fault:
        if fault.code == xmlrpc.ALREADY_REGISTERED:
            return "sent", ""
        if fault.code in (xmlrpc.GENERIC_FAULT, xmlrpc.UPSTREAM_ERROR):
            raise TryAgain(f"Pingback fault {fault.code}: {fault.message}") from None
        return "failed", f"Pingback fault {fault.code}: {fault.message}"[:500]
    except xmlrpc.XmlRpcError as error:
        return "failed", f"The Pingback server's answer is not XML-RPC: {error}"[:500]
    return "sent", ""
