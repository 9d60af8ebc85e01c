"""The one Markdown renderer: Markdown in, sanitized HTML out, once per write.

Python-Markdown (fenced code, tables) renders; bleach keeps only an allow-list of tags,
attributes and URL schemes, turns bare URLs into links, and marks links that leave the
site ``rel="nofollow ugc noopener"``.

Python-Markdown is worse than linear on some shapes (nested brackets, ``[x](<`` runs,
deep lists: minutes for 40 KB, or a RecursionError). So a text is refused (:class:`TooComplex`,
a 400 that keeps the member's text) when its structure is deeper than any post needs, and
every render runs in a separate process, stopped after :data:`CPU_LIMIT` seconds of processor
time (killed after :data:`WALL_LIMIT` seconds in any case): no input can keep a web worker busy
longer than that, whatever shape comes next.
"""
import atexit
import logging
import os
import signal
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial
from multiprocessing import get_context
from urllib.parse import urlsplit

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from bleach.sanitizer import Cleaner
from pebble import ProcessPool

from forum.errors import Refused

log = logging.getLogger(__name__)

TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
})
ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "code": ["class"],
    "img": ["src", "alt", "title"],
    "td": ["align"],
    "th": ["align"],
}
PROTOCOLS = frozenset({"http", "https", "mailto"})
EXTERNAL_REL = "nofollow ugc noopener"
EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}


def is_external(href: str, site_host: str | None) -> bool:
    """A link leaves the site when it names a host other than the forum's own."""
    parts = urlsplit(href)
    if not parts.netloc:
        return parts.scheme not in ("", "http", "https")
    return site_host is None or parts.netloc.lower() != site_host.lower()


def _set_rel(attrs, new=False, *, site_host):
    href = attrs.get((None, "href"), "")
    if is_external(href, site_host):
        attrs[(None, "rel")] = EXTERNAL_REL
    else:
        attrs.pop((None, "rel"), None)
    return attrs


def _keep_code_language(tag, name, value):
    if tag == "code" and name == "class":
        return value.startswith("language-") and len(value) < 40
    return name in ATTRIBUTES.get(tag, ())


CPU_LIMIT = 0.5  # seconds of processor time for one render
WALL_LIMIT = 5.0  # seconds of waiting for one, however loaded the machine: then it is killed
MAX_NESTING = 20  # brackets inside brackets, quotes inside quotes
RENDER_PROCESSES = 2
TOO_COMPLEX = ("This text is too intricate to format: {what}. Please simplify it "
               "and send it again; your text is kept below.")


class TooComplex(Refused):
    """A text the renderer refuses (400): its structure is too deep or it takes too long."""

    def __init__(self, what: str):
        super().__init__(TOO_COMPLEX.format(what=what), 400)


def check_structure(text: str) -> None:
    """Refuse, in one linear pass, the shapes that make Python-Markdown slow or recurse:
    brackets nested more than :data:`MAX_NESTING` deep, quotes quoted that deep."""
    depth = deepest = 0
    for char in text:
        if char == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "]" and depth:
            depth -= 1
    if deepest > MAX_NESTING:
        raise TooComplex(f"brackets are nested {deepest} deep, and at most {MAX_NESTING} are allowed")
    for line in text.splitlines():
        stripped = line.lstrip(" >")
        if line.count(">", 0, len(line) - len(stripped)) > MAX_NESTING:
            raise TooComplex(f"quotes are nested more than {MAX_NESTING} deep")


def render_markdown(text: str, site_host: str | None = None, cpu_limit: float = CPU_LIMIT) -> str:
    """Sanitized HTML for a post's Markdown. ``site_host`` is the forum's ``host[:port]``.

    Raises :class:`TooComplex` for a text too deep to render, or one whose render needs more
    than ``cpu_limit`` seconds of processor time (the render is stopped, not left running).
    """
    check_structure(text)
    future = _pool().schedule(_render_within, args=(text, site_host, cpu_limit),
                              timeout=WALL_LIMIT)
    try:
        return future.result()
    except (OverTime, FutureTimeout):
        log.warning("markdown render refused: over %g s for %d characters", cpu_limit, len(text))
        raise TooComplex(f"formatting it took longer than {cpu_limit:g} s") from None
    except RecursionError:
        log.warning("markdown render refused: too deep (%d characters)", len(text))
        raise TooComplex("it is nested too deeply") from None


_pool_lock = threading.Lock()
_pools: dict[int, ProcessPool] = {}


def _pool() -> ProcessPool:
    """This process's pool of render processes (a forked web worker makes its own)."""
    pid = os.getpid()
    with _pool_lock:
        pool = _pools.get(pid)
        if pool is None or not pool.active:
            # forkserver: children start from a clean process, not from a threaded web worker.
            context = get_context("forkserver")
            context.set_forkserver_preload(["forum.markup"])
            pool = _pools[pid] = ProcessPool(max_workers=RENDER_PROCESSES, context=context)
            atexit.register(pool.stop)
        return pool


class OverTime(Exception):
    """A render process spent its processor time on one text."""


def _over_time(signum, frame):
    raise OverTime()


def _render_within(text: str, site_host: str | None, cpu_limit: float) -> str:
    """Render in a pool process, interrupted after ``cpu_limit`` s of its processor time
    (time, not wall time, so a busy machine does not refuse ordinary posts)."""
    signal.signal(signal.SIGPROF, _over_time)
    signal.setitimer(signal.ITIMER_PROF, cpu_limit)
    try:
        return _render(text, site_host)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _render(text: str, site_host: str | None) -> str:
    # A new Markdown instance for every text: one reused after a render was stopped half-way
    # kept that render's state (the full suite once saw texts come out unformatted), and
    # building one costs about a millisecond against a render that may take 500.
    renderer = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                                 output_format="html")
    html = renderer.convert(text)
    # One html5lib pass that sanitizes, then turns bare URLs into links and sets their rel.
    linkify = partial(LinkifyFilter, callbacks=[partial(_set_rel, site_host=site_host)],
                      skip_tags={"pre", "code"})
    cleaner = Cleaner(tags=TAGS, attributes=_keep_code_language, protocols=PROTOCOLS,
                      strip=True, strip_comments=True, filters=[linkify])
    return cleaner.clean(html)


def plain_text(html: str) -> str:
    """The text of stored HTML, for excerpts and search results."""
    return bleach.clean(html, tags=set(), strip=True).strip()
