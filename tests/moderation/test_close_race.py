"""A reply that races a close lands before it or is refused: never after it.

Writers post replies over HTTP against a live server, each with its own session, while a
moderator closes the thread over HTTP.
"""
import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import select

from forum.extensions import db
from forum.threads.models import Post, Thread

WRITERS = 6
MAX_REPLIES = 200  # per writer: a bound, should the close never come


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A member's own session with the live server."""

    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)
        status, _ = self.post("/login", username=username, password=password)
        assert status == 303

    def post(self, path: str, **fields) -> tuple[int, str]:
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def test_replies_racing_a_close_land_before_it_or_are_refused(live_server, make):
    from tests.conftest import PASSWORD

    thread_id = make.thread(title="Busy thread").id
    make.user("mona", role="moderator")
    for i in range(WRITERS):
        make.user(f"writer{i}")
    # End this thread's transaction: on SQLite it would hold the write lock the server needs.
    db.session.remove()
    browsers = [Browser(live_server.url, f"writer{i}", PASSWORD) for i in range(WRITERS)]
    mod_browser = Browser(live_server.url, "mona", PASSWORD)
    answers: list[list[tuple[int, str]]] = [[] for _ in browsers]
    enough = threading.Event()
    accepted = []
    lock = threading.Lock()

    def write(index: int) -> None:
        for n in range(MAX_REPLIES):
            status, body = browsers[index].post(f"/t/{thread_id}/reply", body=f"w{index} r{n}")
            answers[index].append((status, body))
            if status != 303:
                return
            with lock:
                accepted.append(1)
                if len(accepted) >= 3 * WRITERS:
                    enough.set()

    workers = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for worker in workers:
        worker.start()
    assert enough.wait(60), "the writers never got going"
    close_status, _ = mod_browser.post(f"/t/{thread_id}/close", reason="Closed mid-flight.")
    for worker in workers:
        worker.join(60)

    assert close_status == 303
    db.session.expire_all()
    closed_at = db.session.get(Thread, thread_id).closed_at
    assert closed_at is not None
    replies = db.session.scalars(
        select(Post).where(Post.thread_id == thread_id, Post.position > 1)).all()
    assert replies and all(post.created_at <= closed_at for post in replies)
    statuses = [status for answer in answers for status, _ in answer]
    assert set(statuses) <= {303, 403}
    assert statuses.count(303) == len(replies)
    for answer in answers:  # every writer kept going until the close refused it
        status, body = answer[-1]
        assert status == 403 and "Comments are closed." in body and "Closed mid-flight." in body
    assert sorted(p.position for p in replies) == list(range(2, len(replies) + 2))
