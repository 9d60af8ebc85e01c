"""Search results' excerpts: the part of a post around the words searched for, marked."""
import re

from markupsafe import Markup, escape


def word_patterns(query: str) -> re.Pattern | None:
    """The searched words as one pattern matching each as a word prefix (search matches
    prefixes: "moder" finds "moderation"), case-insensitively."""
    words = sorted({w for w in re.findall(r"\w+", query or "") if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)


def search_excerpt(html: str, query: str, width: int = 240, before: int = 70) -> Markup:
    """About ``width`` characters of the post's text around the first searched word, each
    searched word in ``<mark>``, with "…" where text is left out."""
    text = Markup(html or "").striptags()
    pattern = word_patterns(query)
    first = pattern.search(text) if pattern else None
    start = 0
    if first and first.start() > before:
        start = text.rfind(" ", 0, first.start() - before) + 1
    end = len(text)
    if end - start > width:
        end = text.rfind(" ", start, start + width)
        if end <= (first.end() if first else start):
            end = start + width
    window = text[start:end]
    parts, done = [], 0
    for match in pattern.finditer(window) if pattern else ():
        parts += [escape(window[done:match.start()]), Markup("<mark>%s</mark>") % match.group(0)]
        done = match.end()
    parts.append(escape(window[done:]))
    return Markup(("…" if start else "") + "".join(parts) + ("…" if end < len(text) else ""))
