"""Every route, every form field, hostile values: never a 5xx, and a refusal stores nothing.

The routes come from ``app.url_map`` and the form fields from the forms the site's own pages
show (plus the names the SPEC gives), so routes and forms added later are swept too. Each is
requested as a visitor, a member and a moderator, with hostile values in the path, the query
and every field: NUL, invalid UTF-8 (raw and percent-encoded), Unicode digits, huge and
negative numbers, 40 KB strings and 40 KB of nested brackets, URL-encoded and multipart.
"""
import re
import threading
from urllib.parse import quote

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from forum.extensions import db
from forum.links.models import Link
from tests.conftest import PASSWORD

# Values that pass the encoding guard and reach each route's own parsing, per field.
HOSTILE = ["\ufffd", "²", "-1", "99999999999999999999999", "1e9", "x" * 40_000,
           "[" * 20_000 + "]" * 20_000]
# The encoding guard's cases: one request per route (as a member), every field at once.
HOSTILE_BYTES = [b"\xff\xfe", b"%ff%fe", b"%00", b"a\x00b", b"%C0%AF"]
HOSTILE_QUERY = ["²", "-1", "99999999999999999999999", "1e9", "x" * 40_000]
GUARDED_QUERY = ["%00", "%ff"]
HOSTILE_PATH = {"int": ["0", "2147483648", "99999999999999999999"],
                "str": ["%00", "%ff", "%C2%B2", "x" * 40_000, "..%2F..%2Fetc"]}
BIG = 40_000
QUERY_NAMES = ["page", "min", "q", "period", "category", "tag", "next", "id", "before"]
SPEC_FIELDS = {"body", "title", "tags", "reason", "username", "email", "password", "next",
               "version", "id", "level", "source", "target", "current_password", "code", "bio",
               "abuse", "name"}
# Writes a refused request may still make: bookkeeping, not content.
BOOKKEEPING = re.compile(r"\b(account_sessions|member_scores|read_states)\b")
# Run last: they end the session or remove what the other routes act on.
LAST = ("logout", "delete", "suspend", "end_session", "end_other", "revoke", "two_factor")


class CommittedWrites:
    """INSERT/UPDATE/DELETE statements committed by this thread (the test client's requests)."""

    def __init__(self):
        self.committed: list[str] = []
        self.thread = threading.get_ident()

    def before(self, conn, cursor, statement, *args):
        if threading.get_ident() == self.thread and statement.lstrip()[:6].upper() in (
                "INSERT", "UPDATE", "DELETE"):
            conn.info.setdefault("sweep_writes", []).append(statement)

    def commit(self, conn):
        self.committed.extend(conn.info.pop("sweep_writes", []))

    def rollback(self, conn):
        conn.info.pop("sweep_writes", None)

    def __enter__(self):
        event.listen(Engine, "before_cursor_execute", self.before)
        event.listen(Engine, "commit", self.commit)
        event.listen(Engine, "rollback", self.rollback)
        return self

    def __exit__(self, *exc):
        event.remove(Engine, "before_cursor_execute", self.before)
        event.remove(Engine, "commit", self.commit)
        event.remove(Engine, "rollback", self.rollback)

    def stored(self) -> list[str]:
        found = [s for s in self.committed if not BOOKKEEPING.search(s)]
        self.committed.clear()
        return found


def url_for_rule(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", values[name], path)
    return path


def default_values(rule, fixtures: dict) -> dict:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "AnyConverter":
            values[name] = "atom"
        elif kind in ("IdConverter", "IntegerConverter"):
            values[name] = str(fixtures["ids"].get(name, 1))
        else:
            values[name] = fixtures["strings"].get(name, "x")
    return values


def converter_kind(converter) -> str:
    kind = type(converter).__name__
    return "any" if kind == "AnyConverter" else "int" if "Int" in kind or "Id" in kind else "str"


@pytest.fixture
def site(app, make):
    """A category, a tagged thread with a reply, a pending incoming link, three actors."""
    make.user("moddy", role="moderator")
    member = make.user("alice")
    target = make.user("bob")
    thread = make.thread(author=member, tags="sweep", body="Opening post.")
    reply = make.reply(thread, target, "A reply by bob.")
    link = Link(kind="pingback", source_url="https://elsewhere.example/p", target_url="/t/1",
                target_thread_id=thread.id, target_post_id=reply.id, status="pending")
    db.session.add(link)
    db.session.commit()
    return {"ids": {"thread_id": thread.id, "post_id": reply.id, "link_id": link.id},
            "strings": {"slug": thread.category.slug, "username": "bob", "name": "sweep",
                        "filename": "forum.css", "token": "x"},
            "actors": {"visitor": None, "member": "alice", "moderator": "moddy"}}


def login(client, username):
    for cookie in list(client._cookies.values()):
        client.delete_cookie(cookie.key, domain=cookie.domain, path=cookie.path)
    if username:
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 303, response.data[:300]


FORM = re.compile(r'<form\b[^>]*\baction="([^"]*)"[^>]*>(.*?)</form>', re.S)
FIELD = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"')


def batches(fields: list[str], value: str) -> list[list[str]]:
    """All fields at once, or a few at a time when the value is large (the body limit)."""
    size = 4 if len(value) >= BIG else len(fields)
    return [fields[i:i + size] for i in range(0, len(fields), size)] or [[]]


def test_every_route_and_field_survives_hostile_values(app, site):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    rules.sort(key=lambda r: any(word in r.endpoint for word in LAST))
    problems: list[str] = []
    forms: dict[str, set[str]] = {}  # action path -> field names, from the pages' own forms
    clients = {}
    for role, username in site["actors"].items():
        clients[role] = app.test_client()
        login(clients[role], username)

    def check(role, method, url, response, writes, what):
        status = response.status_code
        if status >= 500:
            problems.append(f"{status} {role} {method} {url[:120]} {what}")
        elif status >= 400 and (stored := writes.stored()):
            problems.append(f"{status} stored {stored[0][:80]!r}: {role} {method} {url[:120]} {what}")
        writes.stored()
        if response.mimetype == "text/html" and len(url) < 500:
            for action, inner in FORM.findall(response.get_data(as_text=True)):
                forms.setdefault(action.split("?")[0], set()).update(FIELD.findall(inner))

    with CommittedWrites() as writes:
        # GET: hostile values in the query, then in each part of the path.
        for rule in rules:
            if "GET" not in rule.methods:
                continue
            url = url_for_rule(rule, default_values(rule, site))
            for role, client in clients.items():
                check(role, "GET", url, client.get(url), writes, "")
                for value in HOSTILE_QUERY + (GUARDED_QUERY if role == "member" else []):
                    query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
                    check(role, "GET", url, client.get(f"{url}?{query}"), writes, value[:12])
            for name, converter in rule._converters.items():
                for value in HOSTILE_PATH.get(converter_kind(converter), []):
                    bad = url_for_rule(rule, {**default_values(rule, site), name: value})
                    check("moderator", "GET", bad, clients["moderator"].get(bad), writes, name)
        # POST: each field of the route's own form (else the SPEC's names) with each value.
        for rule in rules:
            if "POST" not in rule.methods:
                continue
            url = url_for_rule(rule, default_values(rule, site))
            fields = sorted((forms.get(url) or SPEC_FIELDS) - {"csrf_token"} | {"next"})
            for role, client in clients.items():
                for value in HOSTILE:
                    for group in batches(fields, value):
                        response = client.post(url, data={f: value for f in group})
                        check(role, "POST", url, response, writes, f"{value[:12]!r} {group}")
                if any(word in rule.endpoint for word in LAST):
                    login(client, site["actors"][role])  # logout and the like end the session
            member = clients["member"]
            for raw in HOSTILE_BYTES:
                body = b"&".join(quote(f).encode() + b"=" + raw for f in fields)
                response = member.post(url, data=body, content_type="application/x-www-form-urlencoded")
                check("member", "POST", url, response, writes, repr(raw))
                if response.status_code != 400:
                    problems.append(f"{response.status_code} (not 400) member POST {url} {raw!r}")
            response = member.post(url, data={f: "a\x00b" for f in fields},
                                   content_type="multipart/form-data")
            check("member", "POST", url, response, writes, "multipart NUL")
            if response.status_code != 400:
                problems.append(f"{response.status_code} (not 400) member POST {url} multipart NUL")
            for name, converter in rule._converters.items():
                for value in HOSTILE_PATH.get(converter_kind(converter), []):
                    bad = url_for_rule(rule, {**default_values(rule, site), name: value})
                    response = clients["moderator"].post(bad, data={"body": "x", "reason": "x"})
                    check("moderator", "POST", bad, response, writes, name)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])
