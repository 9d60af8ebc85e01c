"""Each post's HTML is shared between readers through the cache (forum/threads/fragments.py):
every reader still sees their own marks, tools and CSRF token, and every change at once."""
import re

import pytest

from forum.extensions import cache
from tests.conftest import PASSWORD, Auth


def post_html(page: str, post_id: int) -> str:
    """The HTML of one post on a thread page (up to the next post or the end of the list)."""
    start = page.index(f'id="post-{post_id}"')
    end = page.find('<article class="post', start)
    return page[start:end if end != -1 else len(page)]


def helpful_button(page: str, post_id: int) -> str | None:
    match = re.search(r'data-action="helpful">\s*<input[^>]*>\s*<button[^>]*aria-pressed="(\w+)"',
                      post_html(page, post_id))
    return match.group(1) if match else None


class Readers:
    """A thread by op with replies by bob and carol, and a browser logged in for each reader.

    Requests run outside any app context of the test's, as a server's do: each loads its own
    member (inside one shared context, ``g`` would keep the first member for all)."""

    def __init__(self, app):
        from tests.conftest import Make

        self.app = app
        with app.app_context():
            make = Make(app)
            op, bob, carol, dave = (make.user(name) for name in ("op", "bob", "carol", "dave"))
            mona = make.user("mona", role="moderator")
            thread = make.thread(author=op, title="Shared posts")
            self.replies = [make.reply(thread, bob, "Bob's answer.").id,
                            make.reply(thread, carol, "Carol's.").id]
            self.url = f"/t/{thread.id}"
            names = [m.username for m in (op, bob, carol, dave, mona)]
        self.clients = {}
        for name in names:
            self.clients[name] = app.test_client()
            Auth(self.clients[name]).login(name)
        self.clients["visitor"] = app.test_client()

    def page(self, name: str) -> str:
        return self.clients[name].get(self.url).get_data(as_text=True)


@pytest.fixture
def readers(app_factory):
    return Readers(app_factory())


def test_each_reader_sees_their_own_marks_and_tools(readers):
    bob_reply, carol_reply = readers.replies
    for name in ("carol", "dave", "op", "bob", "mona", "visitor"):  # fill the cache
        readers.page(name)
    marked = readers.clients["dave"].post(f"/p/{bob_reply}/helpful")
    assert marked.status_code in (200, 303)
    readers.page("dave")  # with the flashed "Marked helpful." (rendered afresh)

    carol, dave = readers.page("carol"), readers.page("dave")
    assert helpful_button(dave, bob_reply) == "true"
    assert helpful_button(carol, bob_reply) == "false"
    assert 'data-count="helpful">1<' in post_html(carol, bob_reply)
    # Carol's own reply: no Helpful button for her, but an Edit item; dave has it the other way.
    assert helpful_button(carol, carol_reply) is None
    assert "/edit" in post_html(carol, carol_reply)
    assert helpful_button(dave, carol_reply) == "false"
    assert "/edit" not in post_html(dave, carol_reply)
    # The thread's author may accept a reply; a moderator has the moderation tools.
    assert 'data-action="accept"' in post_html(readers.page("op"), bob_reply)
    assert 'data-action="accept"' not in post_html(dave, bob_reply)
    mona = readers.page("mona")
    assert "Hide post" in post_html(mona, bob_reply)
    assert "Hide post" not in post_html(dave, bob_reply)
    visitor = readers.page("visitor")
    assert helpful_button(visitor, bob_reply) is None and "1 helpful" in visitor


def test_a_page_from_the_cache_is_the_page_rendered_afresh(readers):
    """Byte for byte, but for the CSRF token: Flask-WTF signs it anew with the time, so
    each page carries its own (one for all its forms, cached posts' forms included)."""
    fresh = tokens_out(readers.page("dave"))
    cached = tokens_out(readers.page("dave"))
    assert cached == fresh, differences(fresh, cached)
    with readers.app.app_context():
        cache.clear()
    again = tokens_out(readers.page("dave"))
    assert again == fresh, differences(fresh, again)


def tokens_out(page: str) -> str:
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
    assert len(tokens) == 1, tokens
    return page.replace(tokens.pop(), "TOKEN")


def differences(one: str, other: str) -> str:
    import difflib

    return "\n".join(difflib.unified_diff(one.splitlines(), other.splitlines(), lineterm="", n=1))


def test_changes_show_at_once_to_readers_of_cached_posts(readers):
    bob_reply = readers.replies[0]
    assert "Suspend bob" in readers.page("mona")
    edited = readers.clients["bob"].post(f"/p/{bob_reply}/edit",
                                         data={"body": "Bob's better answer.", "version": "1"})
    assert edited.status_code == 303
    assert "Bob's better answer." in readers.page("dave")
    suspended = readers.clients["mona"].post("/u/bob/suspend", data={"reason": "spam"})
    assert suspended.status_code == 303
    readers.page("mona")  # shows the flashed "bob is suspended." (rendered afresh)
    assert "Suspended: review" in post_html(readers.page("mona"), bob_reply)


def csrf_login(client, username: str) -> str:
    """Log in through the form with its CSRF token; returns the session's token."""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303
    return token


def test_cached_posts_carry_each_readers_own_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.conftest import Make

        make = Make(app)
        op = make.user("op")
        make.user("bob"), make.user("carol")
        thread = make.thread(author=op)
        reply = make.reply(thread, op, "Worth a mark.")
        thread_id, reply_id = thread.id, reply.id
    tokens = {}
    for name in ("bob", "carol"):
        client = app.test_client()
        csrf_login(client, name)
        page = client.get(f"/t/{thread_id}").get_data(as_text=True)
        found = set(re.findall(r'name="csrf_token" value="([^"]+)"', post_html(page, reply_id)))
        assert len(found) == 1  # every form of the post: this reader's one token
        tokens[name] = found.pop()
        assert "\x00" not in page
        # The token works: the mark is stored.
        response = client.post(f"/p/{reply_id}/helpful", data={"csrf_token": tokens[name]})
        assert response.status_code == 303
    assert tokens["bob"] != tokens["carol"]
    assert '1 helpful' not in post_html(app.test_client().get(f"/t/{thread_id}")
                                        .get_data(as_text=True), reply_id)  # 2 now
    assert "2 helpful" in app.test_client().get(f"/t/{thread_id}").get_data(as_text=True)


def test_a_page_whose_posts_are_all_cached_loads_no_post_to_render(app_factory):
    """Each post's cache key is read from a plain row of the page's one posts query; only the
    posts not in the cache are loaded as objects, to be rendered."""
    from sqlalchemy import event

    readers = Readers(app_factory())
    readers.page("dave")  # renders every post, and caches them
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with readers.app.app_context():
        from forum.extensions import db

        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = readers.page("dave")
        quoting = readers.clients["dave"].get(readers.url + f"?quote={readers.replies[0]}")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "Bob's answer." in page and "Carol's." in page
    rendering = [s for s in statements if "posts.html" in s]
    assert len(rendering) == 1  # the quote, which reads the quoted post's text
    assert "Bob&#39;s answer." in quoting.get_data(as_text=True) or \
        "Bob's answer." in quoting.get_data(as_text=True)


def row_of(page: str, thread_id: int) -> str:
    start = page.index(f'href="/t/{thread_id}/')
    return page[page.rindex("<li", 0, start):page.index("</li>", start)]


def test_listing_rows_are_shared_but_each_member_sees_their_own_read_marks(readers):
    """forum/threads/fragments.py ThreadRowFragments: a row differs between readers only in
    the read mark, which is part of its key."""
    thread_id = int(readers.url.rsplit("/", 1)[1])
    for name in ("dave", "carol", "visitor"):  # carol has read the thread (she replied)
        readers.clients[name].get("/")
    readers.page("carol")
    dave, carol, visitor = (readers.clients[n].get("/").get_data(as_text=True)
                            for n in ("dave", "carol", "visitor"))
    assert "badge-new" in row_of(dave, thread_id)  # never opened
    assert "badge-new" not in row_of(carol, thread_id) and "new<" not in row_of(carol, thread_id)
    assert "badge" not in row_of(visitor, thread_id).replace("badge-op", "")
    readers.clients["bob"].post(f"{readers.url}/reply", data={"body": "One more thing."})
    carol = readers.clients["carol"].get("/").get_data(as_text=True)
    assert "1 new" in row_of(carol, thread_id) and "3 replies" in row_of(carol, thread_id)
    assert "badge-new" in row_of(readers.clients["dave"].get("/").get_data(as_text=True), thread_id)
