"""Small HTTP servers on 127.0.0.1 standing in for other sites."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Site:
    """A site on a loopback port: ``pages`` maps a path to (status, headers, body).

    Every request is kept in ``requests`` as (method, path, headers, body).
    """

    def __init__(self):
        self.pages: dict[str, tuple[int, dict, bytes | str]] = {}
        self.requests: list[tuple[str, str, dict, bytes]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                site.requests.append((self.command, self.path, dict(self.headers), body))
                page = site.pages.get(self.path.split("?")[0])
                if callable(page):
                    page = page(self.command, body)
                status, headers, content = page or (404, {}, b"not found")
                content = content.encode() if isinstance(content, str) else content
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.url = f"http://{self.host}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def page(self, path, body="", status=200, headers=None, content_type="text/html; charset=utf-8"):
        self.pages[path] = (status, {"Content-Type": content_type, **(headers or {})}, body)
        return self.url + path

    def hits(self, method=None, path=None):
        return [r for r in self.requests
                if (method is None or r[0] == method) and (path is None or r[1].split("?")[0] == path)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def site():
    """Another web site, on 127.0.0.1 (allow it with ``OUTBOUND_ALLOW_HOSTS=site.host``)."""
    made = Site()
    yield made
    made.close()


@pytest.fixture
def other_site():
    made = Site()
    yield made
    made.close()
