"""Two app servers on one database stay consistent, as behind a load balancer.

Each server is a separate app with its own page cache (process memory, as two gunicorn
masters without Redis would have; or Redis when shared), over the same database.
"""
import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from forum.extensions import db
from forum.threads.models import Post, Thread
from forum.threads.services import lock_thread
from forum.timeutil import utcnow
from tests.conftest import PASSWORD, Make


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's cookies, sent to whichever server the request goes to."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def request(self, url, data=None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    return server


@pytest.fixture(params=["own caches", "shared redis"])
def two_servers(request, app_factory):
    settings = request.getfixturevalue("redis_settings") if request.param == "shared redis" else {}
    apps = [app_factory(**settings), app_factory(**settings)]
    servers = [serve(app) for app in apps]
    yield apps, servers
    for server in servers:
        server.shutdown()


def post_ids(page: str) -> list[str]:
    return sorted(part.split('"', 1)[0] for part in page.split('id="post-')[1:])


def test_a_reply_through_one_server_shows_through_the_other(two_servers):
    (app_a, _), (server_a, server_b) = two_servers
    with app_a.app_context():
        make = Make(app_a)
        make.user("writer")
        thread_id = make.thread(title="Across servers").id
    visitor, writer = Browser(), Browser()
    status, before = visitor.request(f"{server_b.url}/t/{thread_id}")
    assert status == 200 and "0 replies" in before
    assert writer.request(f"{server_a.url}/login",
                          {"username": "writer", "password": PASSWORD})[0] == 303
    status, _ = writer.request(f"{server_a.url}/t/{thread_id}/reply", {"body": "Hello from A."})
    assert status == 303
    for server in (server_b, server_a):
        status, page = visitor.request(f"{server.url}/t/{thread_id}")
        assert "Hello from A." in page and "1 reply" in page
        status, home = visitor.request(f"{server.url}/")
        assert "1 reply" in home


def test_racing_replies_and_a_close_through_both_servers_keep_the_invariants(two_servers):
    (app_a, _), servers = two_servers
    members = 6
    with app_a.app_context():
        make = Make(app_a)
        for i in range(members):
            make.user(f"racer{i}")
        thread_id = make.thread(title="The race").id
    browsers = [Browser() for _ in range(members)]
    for i, browser in enumerate(browsers):
        assert browser.request(f"{servers[i % 2].url}/login",
                               {"username": f"racer{i}", "password": PASSWORD})[0] == 303

    def post_replies(i):
        statuses = []
        for n in range(4):
            server = servers[(i + n) % 2]
            statuses.append(browsers[i].request(f"{server.url}/t/{thread_id}/reply",
                                                {"body": f"Racer {i}, reply {n}."})[0])
        return statuses

    def close_midway():
        # As the moderator's close form would: a POST to server A.
        with app_a.test_request_context(f"/t/{thread_id}/close", method="POST"):
            thread = lock_thread(thread_id)
            thread.closed_at, thread.closed_reason = utcnow(), "Closed mid-race."
            thread.closed_by_role = "moderator"
            db.session.commit()

    with ThreadPoolExecutor(members + 1) as pool:
        racing = [pool.submit(post_replies, i) for i in range(members)]
        threading.Event().wait(0.05)
        pool.submit(close_midway).result()
        statuses = [status for future in racing for status in future.result()]

    assert set(statuses) <= {303, 403}
    with app_a.app_context():
        thread = db.session.get(Thread, thread_id)
        posts = db.session.scalars(select(Post).where(Post.thread_id == thread_id)
                                   .order_by(Post.position)).all()
        assert [p.position for p in posts] == list(range(1, thread.post_count + 1))
        assert thread.reply_count == len(posts) - 1 == statuses.count(303)
        assert all(p.created_at <= thread.closed_at for p in posts)
        assert thread.last_activity_at == posts[-1].created_at
    pages = [Browser().request(f"{server.url}/t/{thread_id}")[1] for server in servers]
    assert post_ids(pages[0]) == post_ids(pages[1]) == sorted(str(p.id) for p in posts)
    assert all("Comments are closed." in page for page in pages)
