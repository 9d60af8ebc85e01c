"""The one Markdown renderer: Markdown in, sanitized HTML out, once per write.

Python-Markdown (fenced code, tables) renders; bleach keeps only an allow-list of tags,
attributes and URL schemes, turns bare URLs into links, and marks links that leave the
site ``rel="nofollow ugc noopener"``.
"""
from functools import partial
from urllib.parse import urlsplit

import bleach
import markdown
from bleach.linkifier import Linker

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


def render_markdown(text: str, site_host: str | None = None) -> str:
    """Sanitized HTML for a post's Markdown. ``site_host`` is the forum's ``host[:port]``."""
    html = markdown.markdown(text, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                             output_format="html")
    clean = bleach.clean(html, tags=TAGS, attributes=_keep_code_language, protocols=PROTOCOLS,
                         strip=True, strip_comments=True)
    linker = Linker(callbacks=[partial(_set_rel, site_host=site_host)], skip_tags={"pre", "code"})
    return linker.linkify(clean)


def plain_text(html: str) -> str:
    """The text of stored HTML, for excerpts and search results."""
    return bleach.clean(html, tags=set(), strip=True).strip()
