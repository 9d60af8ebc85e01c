"""A member comes back to a busy forum: "N new" in the listings, the jump to the first unread
reply, "Mark all read"; and visitors' pages stay exactly as they were."""
import re
import sqlite3
import threading

import pytest
from sqlalchemy import select

from forum import jobs, pagecache
from forum.extensions import db
from forum.reading.models import ReadState
from forum.threads import services
from forum.threads.models import Post

PER_PAGE = 3  # replies per thread page in these tests: positions 2-4 on page 1, 5-7 on 2, ...


@pytest.fixture
def app(app_factory):
    app = app_factory(POSTS_PER_PAGE=PER_PAGE, PAGE_CACHE_SECONDS=60)
    with app.app_context():
        yield app


def position(user, thread) -> int | None:
    db.session.rollback()  # a fresh snapshot: others have written since
    return db.session.scalar(select(ReadState.position).where(
        ReadState.user_id == user.id, ReadState.thread_id == thread.id))


def mark_beside(html: str, thread) -> str | None:
    """The read mark a listing shows beside ``thread``: "New", "N new", or None."""
    item = re.search(rf'<li class="thread-item[^"]*">(?:(?!</li>).)*?/t/{thread.id}/(?:(?!</li>).)*</li>',
                     html, re.S)
    assert item, f"thread {thread.id} is not listed"
    found = re.search(r'class="badge badge-(?:new|unread)"[^>]*>(\d+ new|New)', item.group(0))
    return found.group(1) if found else None


def unread_link(html: str, thread) -> bool:
    return f'href="/t/{thread.id}/unread"' in html


@pytest.fixture
def busy(make):
    """A thread by ``op`` with two replies, and ``reader``, who has not opened it yet."""
    op, other, reader = make.user("op"), make.user("other"), make.user("reader")
    thread = make.thread(op, title="Busy thread", body="Opening.")
    replies = [make.reply(thread, other, f"Reply {i}.") for i in range(2)]
    return type("Busy", (), dict(op=op, other=other, reader=reader, thread=thread,
                                 replies=replies))


def test_a_member_sees_what_is_new_and_lands_on_the_first_unread_reply(client, login_as, make,
                                                                       busy):
    login_as(busy.reader)
    home = client.get("/").get_data(as_text=True)
    assert mark_beside(home, busy.thread) == "New"  # never opened
    assert not unread_link(home, busy.thread)

    assert client.get(f"/t/{busy.thread.id}").status_code == 200
    assert position(busy.reader, busy.thread) == 3  # all of it: the opening post and 2 replies
    assert mark_beside(client.get("/").get_data(as_text=True), busy.thread) is None

    later = [make.reply(busy.thread, busy.other, f"Later {i}.") for i in range(5)]  # 4..8
    for url in ("/", "/c/default", "/tag/busy" if False else "/"):
        page = client.get(url).get_data(as_text=True)
        assert mark_beside(page, busy.thread) == "5 new"
        assert unread_link(page, busy.thread)

    # The first unread is position 4: the last reply of page 1.
    jump = client.get(f"/t/{busy.thread.id}/unread")
    assert jump.status_code == 302
    assert jump.location == f"/t/{busy.thread.id}/busy-thread#post-{later[0].id}"
    client.get(f"/t/{busy.thread.id}")  # reads page 1 (positions up to 4)
    assert position(busy.reader, busy.thread) == 4
    assert mark_beside(client.get("/").get_data(as_text=True), busy.thread) == "4 new"
    jump = client.get(f"/t/{busy.thread.id}/unread")
    assert jump.location == f"/t/{busy.thread.id}/busy-thread?page=2#post-{later[1].id}"

    client.get(f"/t/{busy.thread.id}?page=2")
    client.get(f"/t/{busy.thread.id}?page=3")
    assert position(busy.reader, busy.thread) == 8
    assert mark_beside(client.get("/").get_data(as_text=True), busy.thread) is None
    # Nothing unread: the jump goes to the last post.
    assert client.get(f"/t/{busy.thread.id}/unread").location == \
        f"/t/{busy.thread.id}/busy-thread?page=3#post-{later[-1].id}"


def test_deleted_and_hidden_replies_are_never_counted_or_landed_on(app, client, login_as, make,
                                                                   busy):
    login_as(busy.reader)
    client.get(f"/t/{busy.thread.id}")
    gone, hidden, kept = (make.reply(busy.thread, busy.other, f"New {i}.") for i in range(3))
    with app.test_request_context():
        services.delete_post(db.session.get(Post, gone.id), busy.other)
    db.session.get(Post, hidden.id).hidden_at = db.func.now()
    db.session.commit()
    assert mark_beside(client.get("/").get_data(as_text=True), busy.thread) == "1 new"
    assert client.get(f"/t/{busy.thread.id}/unread").location.endswith(f"#post-{kept.id}")


def test_tags_and_categories_show_marks_too(client, login_as, make):
    reader, op = make.user("reader"), make.user("op")
    category = make.category("help", "Help")
    thread = make.thread(op, category, title="Tagged", tags="sqlite")
    login_as(reader)
    for url in ("/c/help", "/tag/sqlite"):
        assert mark_beside(client.get(url).get_data(as_text=True), thread) == "New"
    client.get(f"/t/{thread.id}")
    make.reply(thread, op, "More.")
    for url in ("/c/help", "/tag/sqlite", "/"):
        assert mark_beside(client.get(url).get_data(as_text=True), thread) == "1 new"


def test_pinned_threads_show_marks(client, login_as, make):
    reader, op = make.user("reader"), make.user("op")
    thread = make.thread(op, title="Read me first")
    thread.pinned = True
    db.session.commit()
    login_as(reader)
    assert mark_beside(client.get("/").get_data(as_text=True), thread) == "New"


def test_a_position_is_only_ever_raised(client, login_as, busy, make):
    for i in range(6):
        make.reply(busy.thread, busy.other, f"More {i}.")  # positions 4..9: three pages
    login_as(busy.reader)
    client.get(f"/t/{busy.thread.id}?page=3")
    assert position(busy.reader, busy.thread) == 9
    client.get(f"/t/{busy.thread.id}?page=1")
    assert position(busy.reader, busy.thread) == 9


def test_two_pages_read_at_once_leave_the_furthest(app, login_as, busy, make):
    """Two tabs of the same member load pages 1 and 3 at the same moment, in both orders."""
    for i in range(6):
        make.reply(busy.thread, busy.other, f"More {i}.")
    db.session.commit()
    clients = [app.test_client(), app.test_client()]
    for each in clients:
        assert each.post("/login", data={"username": "reader",
                                         "password": "correct horse battery"}).status_code == 303
    url = f"/t/{busy.thread.id}"
    for pages in ((1, 3), (3, 1)):
        db.session.execute(ReadState.__table__.delete())
        db.session.commit()
        barrier = threading.Barrier(2)
        statuses = []

        def read(each, page, barrier=barrier, statuses=statuses):
            with app.app_context():
                barrier.wait(10)
                statuses.append(each.get(f"{url}?page={page}").status_code)
                db.session.remove()

        workers = [threading.Thread(target=read, args=(c, p)) for c, p in zip(clients, pages)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        jobs.drain(app)
        assert statuses == [200, 200]
        assert position(busy.reader, busy.thread) == 9


def test_mark_all_read_per_category(client, login_as, make):
    reader, op = make.user("reader"), make.user("op")
    help_, news = make.category("help", "Help"), make.category("news", "News")
    asked = [make.thread(op, help_, title=f"Question {i}") for i in range(3)]
    make.reply(asked[0], op, "Bump.")
    announced = make.thread(op, news, title="Announcement")
    login_as(reader)
    page = client.get("/c/help").get_data(as_text=True)
    assert 'action="/c/help/read"' in page and "Mark all read" in page
    response = client.post("/c/help/read", data={"csrf_token": "x"})
    assert response.status_code == 303 and response.location == "/c/help"
    page = client.get("/c/help").get_data(as_text=True)
    assert all(mark_beside(page, thread) is None for thread in asked)
    assert mark_beside(client.get("/c/news").get_data(as_text=True), announced) == "New"
    make.reply(asked[0], op, "Another.")
    assert mark_beside(client.get("/c/help").get_data(as_text=True), asked[0]) == "1 new"


def test_mark_all_read_needs_a_member_a_category_and_the_form_token(app_factory, make):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        reader = make.user("reader")
        make.category("help")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post("/c/help/read").status_code == 400
        visitor = client.post("/c/help/read", data={"csrf_token": token})
        assert visitor.status_code == 302 and "/login" in visitor.location
        client.post("/login", data={"username": reader.username,
                                    "password": "correct horse battery", "csrf_token": token})
        # Logging in rotates the CSRF token: the pages now carry the new one.
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          client.get("/c/help").get_data(as_text=True)).group(1)
        assert client.post("/c/help/read").status_code == 400
        page = client.get("/c/help").get_data(as_text=True)  # the session's token now
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post("/c/nowhere/read", data={"csrf_token": token}).status_code == 404
        assert client.post("/c/help/read", data={"csrf_token": token}).status_code == 303
        assert db.session.scalar(select(db.func.count()).select_from(ReadState)) == 0  # no threads


def test_unread_of_a_missing_or_deleted_thread_is_a_404(app, client, login_as, busy, make):
    login_as(busy.reader)
    assert client.get("/t/999999/unread").status_code == 404
    assert client.get(f"/t/{2**40}/unread").status_code == 404
    moderator = make.user("mod", role="moderator")  # others replied: only a moderator deletes it
    with app.test_request_context():
        services.delete_post(db.session.get(Post, busy.thread.id), moderator)
    assert client.get(f"/t/{busy.thread.id}/unread").status_code == 404


def test_a_visitor_gets_the_plain_thread_and_no_marks(client, busy, make):
    jump = client.get(f"/t/{busy.thread.id}/unread")
    assert jump.status_code == 302 and jump.location == f"/t/{busy.thread.id}/busy-thread"
    home = client.get("/").get_data(as_text=True)
    assert "badge-new" not in home and "/unread" not in home and "Mark all read" not in \
        client.get("/c/default").get_data(as_text=True)


def as_visitor(app, url: str) -> bytes:
    with app.app_context():  # its own g: the member's login must not carry over in tests
        response = app.test_client().get(url)
        assert response.status_code == 200
        return response.get_data()


def test_visitors_cached_pages_do_not_change_when_members_read(app, client, busy, login_as):
    thread_url = f"/t/{busy.thread.id}"
    before = [as_visitor(app, url) for url in ("/", "/c/default", thread_url)]
    validators = (pagecache.listing_validator(), pagecache.thread_validator(busy.thread.id))
    login_as(busy.reader)
    client.get(thread_url)
    client.post("/c/default/read", data={})
    assert position(busy.reader, busy.thread) == 3
    assert (pagecache.listing_validator(), pagecache.thread_validator(busy.thread.id)) == validators
    assert [as_visitor(app, url) for url in ("/", "/c/default", thread_url)] == before


def queries_for(client, count_queries, url) -> list[str]:
    client.get(url)  # warm
    db.session.expire_all()
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return queries


@pytest.mark.parametrize("url", ["/", "/c/default", "/tag/busy"])
def test_a_members_listing_costs_a_visitors_queries_plus_one(app, make, count_queries, url):
    """What a member's page costs anyway (the bell's unread count, and loading the session and
    its member in one query where this request has not already) and nothing more: the read
    state rides in the listing's own query."""
    app.config["PAGE_CACHE_SECONDS"] = 0  # compare renders, not the visitors' cache
    if True:
        make.user("reader")
        op = make.user("op")
        for i in range(12):
            thread = make.thread(op, title=f"Thread {i}", tags="busy")
            make.reply(thread, make.user(), "Reply.")
        make.thread(op, title="Pinned", tags="busy").pinned = True
        db.session.commit()
        visitor = queries_for(app.test_client(), count_queries, url)
        member_client = app.test_client()
        member_client.post("/login", data={"username": "reader", "password": "correct horse battery"})
        member_client.get(f"/t/{thread.id}")
        member = queries_for(member_client, count_queries, url)
        # Beyond the visitor's statements, a member's page has only what any member's page
        # has: loading the member (the session joined to its member; here, where the test's
        # requests share one app context, a reload of their row), the bell's unread count, and
        # on a category page the member's watch level. Nothing for the read state.
        per_member = ("account_sessions", "SELECT users.", "FROM notifications", "category_watches")
        kinds = [k for q in member for k in per_member if k in q and "read_states" not in q]
        assert len(kinds) == len(set(kinds)) and len(member) == len(visitor) + len(kinds), kinds
        assert any("read_states" in q for q in member)


def test_reading_a_thread_page_costs_a_member_one_write_and_rereading_none(
        client, login_as, busy, make, count_queries):
    login_as(busy.reader)

    def writes() -> list[str]:
        with count_queries() as queries:
            assert client.get(f"/t/{busy.thread.id}").status_code == 200
        return [q for q in queries if q.lstrip().upper().startswith(("INSERT", "UPDATE",
                                                                      "DELETE", "BEGIN IMMEDIATE"))]

    first = writes()
    assert len(first) == 1 and "read_states" in first[0]
    assert writes() == []  # read already: the page stores nothing (and takes no write lock)
    make.reply(busy.thread, body="Something new.")
    again = writes()
    assert len(again) == 1 and "read_states" in again[0]


def test_on_sqlite_a_busy_database_never_holds_up_the_page(app, client, login_as, busy,
                                                          db_backend):
    """Another writer holds SQLite's write lock: the page is served at once (no wait for the
    lock), and the read position is stored by a job once the lock is free."""
    if db_backend != "sqlite":
        pytest.skip("SQLite's single writer; PostgreSQL locks rows")
    login_as(busy.reader)
    db.session.commit()
    holder = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.get(f"/t/{busy.thread.id}")
        assert response.status_code == 200 and b"Reply 1." in response.data
        assert position(busy.reader, busy.thread) is None  # not stored yet, and not waited for
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    jobs.drain(app)
    assert position(busy.reader, busy.thread) == 3



def test_a_moderator_lands_on_a_hidden_reply_that_members_skip(app, client, login_as, make, busy):
    moderator = make.user("mod", role="moderator")
    for member in (busy.reader, moderator):
        login_as(member)
        client.get(f"/t/{busy.thread.id}")
    hidden, kept = (make.reply(busy.thread, busy.other, f"New {i}.") for i in range(2))
    db.session.get(Post, hidden.id).hidden_at = db.func.now()
    db.session.commit()
    assert client.get(f"/t/{busy.thread.id}/unread").location.endswith(f"#post-{hidden.id}")
    login_as(busy.reader)
    assert client.get(f"/t/{busy.thread.id}/unread").location.endswith(f"#post-{kept.id}")
