"""Reading other people's pages: endpoint discovery, outgoing links and link context.

Pure functions over a URL, response headers and HTML text; nothing here touches the network.
HTML is read with the standard library's HTML parser, so comments, entity-escaped markup and the
contents of <script>, <style>, <textarea>, <title> and <template> never count as elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

# Elements whose content is text, or not part of the document: markup inside them is no link.
_INERT = frozenset({"script", "style", "textarea", "title", "template", "xmp", "iframe", "noembed", "noframes"})
# Elements that don't separate words when the page is read as text.
_INLINE = frozenset(
    "a abbr b bdi bdo cite code data dfn em font i kbd mark q s samp small span strong sub sup "
    "time tt u var wbr".split()
)
_SPACES = re.compile(r"\s+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class LinkContext:
    """Where a page links to a target: the page's title and the text around the link."""

    title: str | None
    excerpt: str
    href: str  # the link as written in the page


def discover_webmention_endpoint(final_url: str, headers, html: str | None) -> str | None:
    """The target's Webmention endpoint, per W3C Webmention §3.1.2, or None.

    The first HTTP ``Link`` header link whose rel list holds ``webmention`` wins; else the first
    ``<link>`` or ``<a>`` element in document order with that rel and an ``href``. The endpoint is
    resolved against ``final_url`` (the page's URL after redirects); an empty href is the page
    itself; the query string is kept. ``headers`` may be any case-insensitive headers object, a
    plain mapping, or a list of (name, value) pairs.
    """
    for value in _header_values(headers, "Link"):
        for url, rels in _parse_link_header(value):
            if "webmention" in rels:
                return _resolve(final_url, url)
    for tag, attrs in _parse(html).elements:
        if tag in ("link", "a") and "webmention" in _rels(attrs) and "href" in attrs:
            return _resolve(final_url, attrs["href"])
    return None


def discover_pingback_server(headers, html: str | None, base_url: str | None = None) -> str | None:
    """The target's Pingback server per Pingback 1.0: ``X-Pingback`` header, else ``<link rel="pingback">``.

    The spec requires an absolute URL; a relative one is resolved against ``base_url`` when given.
    """
    for value in _header_values(headers, "X-Pingback"):
        if value.strip():
            return _resolve(base_url, value)
    for tag, attrs in _parse(html).elements:
        if tag == "link" and "pingback" in _rels(attrs) and attrs.get("href", "").strip():
            return _resolve(base_url, attrs["href"])
    return None


def extract_links(html: str | None) -> list[str]:
    """The hrefs of the ``<a>`` elements in ``html``, in document order, each once, as written."""
    return list(dict.fromkeys(href for href, _ in _parse(html).anchors))


def find_link_context(html: str | None, target_url: str, base_url: str | None = None) -> LinkContext | None:
    """If the page links to ``target_url`` with an ``<a>``, its title and an excerpt around the link.

    URLs are compared after :func:`normalize_url`; relative hrefs are resolved against
    ``base_url`` (the page's own URL) when given.
    """
    page = _parse(html)
    wanted = normalize_url(target_url)
    for href, position in page.anchors:
        resolved = _resolve(base_url, href)
        if resolved is not None and normalize_url(resolved) == wanted:
            text = "".join(page.text)
            return LinkContext(page.title, make_excerpt(text, position), href)
    return None


def make_excerpt(text: str, around: int | str = 0, width: int = 200) -> str:
    """About ``width`` characters of ``text`` around a position, cut at word boundaries.

    ``around`` is an index into ``text`` or a phrase whose first occurrence is the centre.
    Whitespace is collapsed; an ellipsis (…) marks each side where text was cut.
    """
    if isinstance(around, str):
        around = max(text.find(around) + len(around) // 2, 0) if around in text else 0
    flat = _SPACES.sub(" ", text).strip()
    if len(flat) <= width:
        return flat
    pos = min(len(_SPACES.sub(" ", text[: max(around, 0)]).lstrip()), len(flat))
    start = max(0, min(pos - width // 2, len(flat) - width))
    end = start + width
    if start > 0 and flat[start - 1] != " ":
        space = flat.find(" ", start, pos)
        start = space + 1 if space != -1 else start
    if end < len(flat) and flat[end] != " ":
        space = flat.rfind(" ", max(start, pos), end)
        end = space if space != -1 else end
    return ("…" if start > 0 else "") + flat[start:end].strip() + ("…" if end < len(flat) else "")


def normalize_url(url: str) -> str:
    """A URL in the form used to decide whether two links point at the same page.

    Scheme and host lower case, default port dropped, empty path as "/", a trailing slash
    dropped, the fragment dropped; the query is kept as it is.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = (parts.hostname or "").rstrip(".")
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    path = parts.path.strip()
    if not netloc and path.startswith("//"):
        path = "/" + path.lstrip("/")  # else "//a" would read back as a host
    # Trailing slashes and white space go together, so that a second pass finds nothing.
    path = path.rstrip("/ \t\n\r\f\v") or "/"
    # Dropping the fragment can leave white space at the end ("a?b #c"); strip it so that
    # normalizing twice changes nothing.
    return urlunsplit((scheme, netloc, path, parts.query.strip(), "")).strip()


def _resolve(base: str | None, href: str) -> str | None:
    """``href`` made absolute against ``base``; None for a URL that cannot be parsed."""
    href = href.strip()  # HTML ignores leading and trailing whitespace in URLs
    if not base:
        return href
    try:
        return urldefrag(base)[0] if href == "" else urljoin(base, href)
    except ValueError:  # e.g. "//[" (an unterminated IPv6 host): no usable endpoint
        return None


def _rels(attrs: Mapping[str, str]) -> set[str]:
    return set(attrs.get("rel", "").lower().split())


def _header_values(headers, name: str) -> list[str]:
    """Every value of header ``name`` from any of the usual headers shapes."""
    if not headers:
        return []
    if hasattr(headers, "getlist"):  # Werkzeug Headers, Flask request.headers
        return list(headers.getlist(name))
    if hasattr(headers, "get_all"):  # http.client / email messages
        return list(headers.get_all(name) or [])
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [str(value) for key, value in pairs if str(key).lower() == name.lower()]


def _parse_link_header(value: str) -> Iterable[tuple[str, set[str]]]:
    """(URL, rel tokens) for each link of one HTTP ``Link`` header value (RFC 8288)."""
    i, n = 0, len(value)
    while (start := value.find("<", i)) != -1:
        end = value.find(">", start)
        if end == -1:
            return
        url, i, rel = value[start + 1 : end], end + 1, None
        while i < n and value[i] != ",":
            if value[i] != ";":
                i += 1
                continue
            name_end = i + 1
            while name_end < n and value[name_end] not in "=;,":
                name_end += 1
            name, i, param = value[i + 1 : name_end].strip().lower(), name_end, ""
            if i < n and value[i] == "=":
                param, i = _read_param_value(value, i + 1)
            if name == "rel" and rel is None:  # only the first rel counts
                rel = param
        yield url, set((rel or "").lower().split())


def _read_param_value(value: str, i: int) -> tuple[str, int]:
    """A token or quoted-string starting at ``value[i]``; returns it and the index after it."""
    n = len(value)
    while i < n and value[i] in " \t":
        i += 1
    if i < n and value[i] == '"':
        out, i = [], i + 1
        while i < n and value[i] != '"':
            if value[i] == "\\" and i + 1 < n:
                i += 1
            out.append(value[i])
            i += 1
        return "".join(out), i + 1
    end = i
    while end < n and value[end] not in ";,":
        end += 1
    return value[i:end].strip(), end


class _Page(HTMLParser):
    """One pass over a page: its link-like elements, anchors with their text positions, title and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.anchors: list[tuple[str, int]] = []  # (href, offset in the text)
        self.text: list[str] = []
        self.title: str | None = None
        self._title_parts: list[str] | None = None
        self._inert: str | None = None
        self._inert_depth = 0
        self._length = 0

    def handle_starttag(self, tag, attrs):
        if self._inert is not None:
            self._inert_depth += tag == self._inert
            return
        attributes = {}
        for key, value in attrs:
            # HTML keeps the first of duplicate attributes; a bare attribute (href) is empty.
            attributes.setdefault(key, value or "")
        if tag in ("a", "link"):
            self.elements.append((tag, attributes))
        if tag == "a" and attributes.get("href", "").strip():
            self.anchors.append((attributes["href"].strip(), self._length))
        if tag in _INERT:
            self._inert, self._inert_depth = tag, 1
            if tag == "title" and self.title is None:
                self._title_parts = []
        elif tag not in _INLINE:
            self._add_text(" ")

    def handle_endtag(self, tag):
        if self._inert is not None:
            if tag == self._inert:
                self._inert_depth -= 1
                if self._inert_depth == 0:
                    self._inert = None
                    self._end_title()
        elif tag not in _INLINE:
            self._add_text(" ")

    def handle_data(self, data):
        if self._inert is None:
            self._add_text(data)
        elif self._title_parts is not None:
            self._title_parts.append(data)

    def close(self):
        super().close()
        self._end_title()  # a <title> left open at the end still names the page

    def _end_title(self) -> None:
        if self._title_parts is not None:
            self.title = _SPACES.sub(" ", "".join(self._title_parts)).strip() or None
            self._title_parts = None

    def _add_text(self, data: str) -> None:
        self.text.append(data)
        self._length += len(data)


def _parse(html: str | None) -> _Page:
    page = _Page()
    if html:
        page.feed(html)
        page.close()
    return page
