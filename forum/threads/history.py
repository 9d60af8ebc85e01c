"""A post's edit history: each version as it read, who made it and when, and what changed."""
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> Markup:
    """``new`` as HTML, with the words added since ``old`` in ``<ins>`` and those removed in ``<del>``."""
    a, b = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(a[i1:i2]))))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(parts))


@dataclass
class Version:
    number: int
    html: Markup
    by: object
    at: datetime
    changes: Markup | None  # against the version before; None for the first


def versions(post, revisions, render: Callable[[str], str]) -> list[Version]:
    """Every version of ``post``, newest first. A revision holds a replaced text, the member who
    replaced it and when: so version N+1 was made by the editor of revision N, at its time."""
    older = sorted(revisions, key=lambda r: r.version)
    texts = [r.body for r in older] + [post.body]
    makers = [(post.author, post.created_at)] + [(r.editor, r.created_at) for r in older]
    numbers = [r.version for r in older] + [post.version]
    found = []
    for i, body in enumerate(texts):
        by, at = makers[i]
        found.append(Version(numbers[i], Markup(render(body)), by, at,
                             word_diff(texts[i - 1], body) if i else None))
    return found[::-1]
