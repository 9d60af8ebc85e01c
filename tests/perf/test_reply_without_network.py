"""Posting a reply does no network I/O in the request: pingbacks and webmentions are jobs.

While the request runs, every socket connect and name lookup made by the request's own thread
is refused unless it goes to the database or Redis on 127.0.0.1.
"""
import socket
import threading
from contextlib import contextmanager

import pytest

ALLOWED = {("127.0.0.1", 5432), ("127.0.0.1", 6379), ("::1", 5432), ("::1", 6379)}
LINKING_BODY = (
    "See [this post](https://example.com/some/post) and <http://example.org/other>, "
    "and [a page](https://203.0.113.7/page) for context."
)


@contextmanager
def no_network_from_this_thread():
    """Refuse (and record) connects and lookups from the calling thread, except to ALLOWED."""
    attempts: list[object] = []
    guarded = threading.get_ident()
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        if threading.get_ident() == guarded and sock.family in (socket.AF_INET, socket.AF_INET6) \
                and tuple(address[:2]) not in ALLOWED:
            attempts.append(address)
            raise OSError(f"network I/O in the request: connect to {address}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if threading.get_ident() == guarded and host not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(host)
            raise socket.gaierror(f"network I/O in the request: lookup of {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.getaddrinfo = connect, getaddrinfo
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.getaddrinfo = real_connect, real_getaddrinfo


def test_the_guard_catches_an_outbound_connection():
    with no_network_from_this_thread() as attempts:
        with pytest.raises(OSError):
            socket.create_connection(("example.com", 80), timeout=1)
        with pytest.raises(OSError):
            socket.socket().connect(("203.0.113.7", 80))
    assert attempts == ["example.com", ("203.0.113.7", 80)]


@pytest.mark.redis
def test_posting_a_reply_with_links_does_no_network_io(app_factory, redis_settings):
    from tests.conftest import Make

    app = app_factory(**redis_settings)
    client = app.test_client()
    with app.app_context():
        make = Make(app)
        make.user("writer")
        thread = make.thread(title="Links go out later")
        client.post("/login", data={"username": "writer", "password": "correct horse battery"})
        with no_network_from_this_thread() as attempts:
            response = client.post(f"/t/{thread.id}/reply", data={"body": LINKING_BODY})
            edit = None
            if response.status_code == 303:
                post_id = int(response.headers["Location"].rsplit("post-", 1)[1])
                edit = client.post(f"/p/{post_id}/edit",
                                   data={"body": LINKING_BODY + " And https://example.net/new.",
                                         "version": 1})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert edit is not None and edit.status_code == 303
    assert attempts == []
