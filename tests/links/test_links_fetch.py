"""The outbound fetcher, against real HTTP servers on 127.0.0.1 started by each test.

DNS answers are simulated by replacing socket.getaddrinfo for made-up names only; every
connection these tests make goes to the loopback range, and a guard fails any test whose code
tries to connect anywhere else.
"""

import ipaddress
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forum.links.fetch import (
    BadScheme,
    BadURL,
    BlockedAddress,
    ConnectFailed,
    FetchError,
    FetchTimeout,
    TooLarge,
    TooManyRedirects,
    UnresolvableHost,
    check_url,
    decode_body,
    fetch,
    is_public_address,
    parse_allow_hosts,
)

REAL_GETADDRINFO = socket.getaddrinfo
REAL_CONNECT = socket.socket.connect


# --- a tiny scripted HTTP server -------------------------------------------------------------


class Server:
    """An HTTP server on a loopback address; ``routes`` maps a path to a handler function."""

    def __init__(self, host="127.0.0.1", port=0, tls_context=None):
        self.routes = {}
        self.requests = []  # (method, path, headers, body, client address)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append((self.command, self.path, self.headers, body, self.server.server_address))
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    return self.reply(404, b"not found")
                route(self)

            do_GET = do_POST = do_HEAD = _handle

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                if not any(name.lower() == "content-length" for name, _ in headers):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

        class HTTPServer(ThreadingHTTPServer):
            daemon_threads = True

            def finish_request(self, request, client_address):
                if tls_context is not None:  # handshake in the request's thread, never in accept
                    request.settimeout(5)
                    request = tls_context.wrap_socket(request, server_side=True)
                super().finish_request(request, client_address)

            def handle_error(self, request, client_address):
                pass  # clients that give up early are what several tests are about

        self.httpd = HTTPServer((host, port), Handler)
        self.host, self.port = self.httpd.server_address[:2]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def netloc(self):
        return f"{self.host}:{self.port}"

    def url(self, path="/"):
        return f"http://{self.netloc}{path}"

    def route(self, path, status=200, body=b"", headers=()):
        self.routes[path] = lambda h: h.reply(status, body, list(headers))

    def redirect(self, path, location, status=302):
        self.route(path, status, b"moved", [("Location", location)])

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    """Safety net: a bug in the fetcher must fail the test, never reach a real address."""

    def guarded_connect(sock, address):
        if not ipaddress.ip_address(address[0].split("%")[0]).is_loopback:
            raise RuntimeError(f"test tried to connect to {address!r}")
        return REAL_CONNECT(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def dns(monkeypatch):
    """Simulated DNS: ``dns["name"] = ["1.2.3.4", ...]`` or a list of such lists, one per query."""
    answers, queries = {}, []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        queries.append(host)
        answer = answers[host]
        if answer and isinstance(answer[0], list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if not answer:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in answer
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    answers["__queries__"] = queries
    return answers


# --- is_public_address -----------------------------------------------------------------------

NOT_PUBLIC = [
    "127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255",
    "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.254", "192.0.0.8", "192.0.2.1",
    "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1", "224.0.1.1", "239.255.255.250",
    "240.0.0.1", "255.255.255.255",
    "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "ff0e::1", "2001:db8::1",
    "fec0::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1",
    "64:ff9b::a00:1", "2002:7f00:1::1", "2002:c0a8:101::1", "64:ff9b:1::1", "3fff::1",
    "not an address", "",
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e",
          "::ffff:93.184.216.34", "64:ff9b::5db8:d822", "2002:5db8:d822::1"]


@pytest.mark.parametrize("ip", NOT_PUBLIC)
def test_non_public_addresses_are_refused(ip):
    assert is_public_address(ip) is False


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_addresses_are_accepted(ip):
    assert is_public_address(ip) is True


@given(st.ip_addresses())
def test_a_public_address_has_none_of_the_special_properties(ip):
    if ip.version == 6 and ip in ipaddress.ip_network("64:ff9b::/96"):
        ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    elif ip.version == 6:
        ip = ip.ipv4_mapped or ip.sixtofour or ip  # judged by the IPv4 address they carry
    if is_public_address(ip):
        assert ip.is_global
        assert not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                    or ip.is_reserved or ip.is_unspecified)


@given(st.ip_addresses(v=4))
def test_ipv4_is_public_exactly_when_global_unicast(ip):
    ietf_assignments = ipaddress.ip_network("192.0.0.0/24")  # some Pythons call parts of it global
    assert is_public_address(ip) == (ip.is_global and not ip.is_multicast and ip not in ietf_assignments)


@given(st.ip_addresses(v=6))
def test_ipv6_outside_global_unicast_2000_3_is_refused_unless_it_carries_ipv4(ip):
    carries_ipv4 = ip.ipv4_mapped or ip in ipaddress.ip_network("64:ff9b::/96")
    if ip not in ipaddress.ip_network("2000::/3") and not carries_ipv4:
        assert not is_public_address(ip)


@given(st.ip_addresses(v=4))
def test_ipv4_mapped_and_nat64_forms_are_judged_like_the_ipv4_address(ip):
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(ip))
    assert is_public_address(mapped) == is_public_address(ip) == is_public_address(nat64)


@given(st.sampled_from(["10.0.0.0/8", "127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
                        "100.64.0.0/10", "224.0.0.0/4", "fc00::/7", "fe80::/10", "ff00::/8", "::ffff:0:0/96"]),
       st.integers(min_value=0))
def test_every_address_of_a_blocked_range_is_refused(network, n):
    net = ipaddress.ip_network(network)
    ip = net[n % net.num_addresses]
    if net.version == 6 and ip.ipv4_mapped is not None and is_public_address(ip.ipv4_mapped):
        return  # ::ffff:0:0/96 is blocked only where the carried IPv4 address is
    assert not is_public_address(ip)


# --- check_url ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)",
                                 "gopher://x/", "//example.com/", "example.com/x", ""])
def test_only_http_and_https_urls(url):
    with pytest.raises(BadScheme):
        check_url(url)


@pytest.mark.parametrize("url", ["http:///path", "http://example.com:99999/", "http://example.com:abc/",
                                 "http://a..b/"])
def test_malformed_urls(url):
    with pytest.raises(BadURL):
        check_url(url)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://127.1/", "http://2130706433/", "http://0x7f000001/", "http://0/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]:8080/", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/", "https://192.168.0.1/", "http://100.64.0.1/", "http://[fe80::1]/",
])
def test_literal_non_public_hosts_are_blocked(url):
    with pytest.raises(BlockedAddress):
        check_url(url)


def test_localhost_is_blocked():
    with pytest.raises(BlockedAddress):
        check_url("http://localhost/")


def test_a_name_resolving_to_a_private_address_is_blocked(dns):
    dns["intranet.example"] = ["10.1.2.3"]
    with pytest.raises(BlockedAddress, match="10.1.2.3"):
        check_url("http://intranet.example/")


def test_every_resolved_address_must_be_public(dns):
    dns["mixed.example"] = ["93.184.216.34", "2606:4700::1", "::ffff:192.168.0.1"]
    with pytest.raises(BlockedAddress, match="mixed.example resolves to a non-public address") as error:
        check_url("https://mixed.example/")
    assert "93.184.216.34" not in str(error.value) and "2606" not in str(error.value)


def test_a_public_name_passes_with_its_addresses(dns):
    dns["blog.example"] = ["93.184.216.34", "2606:4700::1"]
    checked = check_url("HTTPS://Blog.Example/a b?q=ü#frag")
    assert (checked.scheme, checked.host, checked.port) == ("https", "blog.example", 443)
    assert checked.target == "/a%20b?q=%C3%BC"
    assert [str(ip) for ip in checked.addresses] == ["93.184.216.34", "2606:4700::1"]


def test_unknown_names_fail_clearly(dns):
    dns["nowhere.example"] = []
    with pytest.raises(UnresolvableHost):
        check_url("http://nowhere.example/")


@pytest.mark.parametrize("allow, url", [
    ({"localhost"}, "http://localhost:8000/"),
    ({"LOCALHOST:8000"}, "http://localhost:8000/"),
    ({"127.0.0.1"}, "http://127.0.0.1:1234/"),
    ({"[::1]:81"}, "http://[::1]:81/"),
    ({"::1"}, "http://[::1]/"),
])
def test_allowed_hosts_skip_the_address_check(allow, url):
    assert check_url(url, frozenset(allow)).addresses


@pytest.mark.parametrize("allow, url", [
    ({"localhost:8000"}, "http://localhost:8001/"),
    ({"localhost:8000"}, "http://127.0.0.1:8000/"),
    ({"example.com"}, "http://localhost/"),
])
def test_allow_hosts_are_exact(allow, url):
    with pytest.raises(BlockedAddress):
        check_url(url, frozenset(allow))


def test_allow_hosts_as_the_raw_setting_string():
    assert check_url("http://localhost:8000/", "example.com, localhost:8000").port == 8000
    with pytest.raises(BlockedAddress):
        check_url("http://localhost:8000/", "localhost:80")  # not the characters "l", "o", ...


def test_parse_allow_hosts():
    assert parse_allow_hosts(" A.example, b.example:8080 ,,") == {"a.example", "b.example:8080"}
    assert parse_allow_hosts(None) == frozenset()


# --- fetch against live servers ------------------------------------------------------------------


def test_loopback_is_refused_without_allow_hosts(server):
    server.route("/", body=b"secret")
    with pytest.raises(BlockedAddress):
        fetch(server.url("/"))
    assert server.requests == []


def test_get_from_an_allowed_host(server):
    server.route("/page", body=b"<p>hello</p>", headers=[("Content-Type", "text/html; charset=utf-8"),
                                                         ("X-Pingback", "http://x/xmlrpc")])
    result = fetch(server.url("/page?a=1"), allow_hosts={server.netloc})
    assert result.status == 200
    assert result.body == b"<p>hello</p>"
    assert result.headers["x-pingback"] == result.headers["X-PINGBACK"] == "http://x/xmlrpc"
    assert result.content_type == "text/html"
    assert result.final_url == server.url("/page?a=1")
    method, path, headers, _, _ = server.requests[0]
    assert (method, path, headers["Host"]) == ("GET", "/page?a=1", server.netloc)
    assert headers["User-Agent"].startswith("forum-links/")


def test_error_statuses_are_returned_not_raised(server):
    result = fetch(server.url("/missing"), allow_hosts={server.netloc})
    assert result.status == 404 and result.body == b"not found"


def test_post_form_encoded_like_a_webmention(server):
    server.route("/webmention", status=202, body=b"accepted")
    result = fetch(server.url("/webmention"), method="POST", allow_hosts={server.netloc},
                   data={"source": "http://a.example/p?x=1&y", "target": "http://b.example/t/1"})
    assert result.status == 202
    method, _, headers, body, _ = server.requests[0]
    assert method == "POST"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert body == b"source=http%3A%2F%2Fa.example%2Fp%3Fx%3D1%26y&target=http%3A%2F%2Fb.example%2Ft%2F1"


def test_post_xml_like_a_pingback(server):
    server.route("/xmlrpc", body=b"<methodResponse/>", headers=[("Content-Type", "text/xml")])
    payload = b"<?xml version='1.0'?><methodCall><methodName>pingback.ping</methodName></methodCall>"
    fetch(server.url("/xmlrpc"), method="POST", data=payload, headers={"Content-Type": "text/xml"},
          allow_hosts={server.netloc})
    _, _, headers, body, _ = server.requests[0]
    assert headers["Content-Type"] == "text/xml" and body == payload


def test_redirects_are_followed_and_the_final_url_reported(server):
    server.redirect("/a", "/b", 301)
    server.redirect("/b", server.url("/c"), 302)
    server.redirect("/c", "d", 307)
    server.route("/d", body=b"done")
    result = fetch(server.url("/a"), allow_hosts={server.netloc})
    assert result.final_url == server.url("/d") and result.body == b"done"


def test_three_redirects_are_allowed_but_not_four(server):
    for i in range(4):
        server.redirect(f"/{i}", f"/{i + 1}")
    server.route("/4", body=b"end")
    assert fetch(server.url("/1"), allow_hosts={server.netloc}).body == b"end"
    with pytest.raises(TooManyRedirects):
        fetch(server.url("/0"), allow_hosts={server.netloc})
    assert fetch(server.url("/0"), allow_hosts={server.netloc}, max_redirects=4).body == b"end"


def test_redirect_loop_ends(server):
    server.redirect("/loop", "/loop")
    with pytest.raises(TooManyRedirects):
        fetch(server.url("/loop"), allow_hosts={server.netloc})
    assert len(server.requests) == 4


@pytest.mark.parametrize("status, method", [(301, "GET"), (302, "GET"), (303, "GET"), (307, "POST"), (308, "POST")])
def test_redirected_post(server, status, method):
    server.redirect("/in", "/out", status)
    server.route("/out", body=b"ok")
    fetch(server.url("/in"), method="POST", data={"a": "1"}, allow_hosts={server.netloc})
    assert server.requests[1][0] == method
    assert server.requests[1][3] == (b"a=1" if method == "POST" else b"")


@pytest.mark.parametrize("location", [
    "http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
    "http://localhost/", "http://0.0.0.0/", "ftp://example.com/file",
])
def test_a_redirect_from_an_allowed_host_to_a_forbidden_place_is_refused(server, location):
    server.redirect("/go", location)
    with pytest.raises((BlockedAddress, BadScheme)):
        fetch(server.url("/go"), allow_hosts={server.netloc})
    assert len(server.requests) == 1


def test_a_redirect_to_another_port_of_an_allowed_host_is_refused(server):
    other = Server()
    try:
        other.route("/", body=b"other")
        server.redirect("/go", other.url("/"))
        with pytest.raises(BlockedAddress):
            fetch(server.url("/go"), allow_hosts={server.netloc})
        assert other.requests == []
    finally:
        other.stop()


def test_a_redirect_to_a_name_resolving_privately_is_refused(server, dns):
    dns["evil.example"] = ["192.168.1.1"]
    server.redirect("/go", "http://evil.example/")
    with pytest.raises(BlockedAddress):
        fetch(server.url("/go"), allow_hosts={server.netloc})


def test_oversize_body_with_content_length(server):
    server.route("/big", body=b"x" * 2_000_000)
    with pytest.raises(TooLarge):
        fetch(server.url("/big"), allow_hosts={server.netloc})


def test_oversize_body_without_content_length(server):
    def chunked(handler):
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for _ in range(40):
            handler.wfile.write(b"8000\r\n" + b"y" * 0x8000 + b"\r\n")
        handler.wfile.write(b"0\r\n\r\n")

    server.routes["/stream"] = chunked
    with pytest.raises(TooLarge):
        fetch(server.url("/stream"), allow_hosts={server.netloc})
    assert len(fetch(server.url("/stream"), allow_hosts={server.netloc}, max_bytes=40 * 0x8000).body) == 40 * 0x8000


def test_lying_content_length_is_still_cut(server):
    server.route("/liar", body=b"z" * 5000, headers=[("Content-Length", "5000")])
    assert len(fetch(server.url("/liar"), allow_hosts={server.netloc}, max_bytes=5000).body) == 5000
    with pytest.raises(TooLarge):
        fetch(server.url("/liar"), allow_hosts={server.netloc}, max_bytes=4999)


def test_slow_server_times_out(server):
    server.routes["/slow"] = lambda h: (time.sleep(3), h.reply(200, b"late"))
    start = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(server.url("/slow"), allow_hosts={server.netloc}, timeout=0.5)
    assert time.monotonic() - start < 2


def test_trickling_server_hits_the_total_deadline(server):
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        for _ in range(100):
            try:
                handler.wfile.write(b"x")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)

    server.routes["/trickle"] = trickle
    start = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(server.url("/trickle"), allow_hosts={server.netloc}, timeout=1)
    assert time.monotonic() - start < 3


def test_the_deadline_covers_redirects_together(server):
    def slow_redirect(handler):
        time.sleep(0.4)
        handler.reply(302, b"", [("Location", "/slow-redirect")])

    server.routes["/slow-redirect"] = slow_redirect
    with pytest.raises(FetchTimeout):
        fetch(server.url("/slow-redirect"), allow_hosts={server.netloc}, timeout=1, max_redirects=10)


def test_connection_refused_is_a_fetch_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(ConnectFailed):
        fetch(f"http://127.0.0.1:{port}/", allow_hosts={"127.0.0.1"})


def test_garbage_response_is_a_fetch_error():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer():
        conn, _ = listener.accept()
        conn.recv(1024)
        conn.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    try:
        with pytest.raises(FetchError):
            fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/", allow_hosts={"127.0.0.1"})
    finally:
        listener.close()


# --- DNS: names, rebinding -------------------------------------------------------------------------


def test_an_allowed_name_is_fetched_with_its_host_header(server, dns):
    dns["blog.example"] = ["127.0.0.1"]
    server.route("/", body=b"hi")
    result = fetch(f"http://blog.example:{server.port}/", allow_hosts={"blog.example"})
    assert result.body == b"hi"
    assert server.requests[0][2]["Host"] == f"blog.example:{server.port}"


def test_a_name_resolving_to_loopback_is_refused_before_connecting(server, dns):
    dns["sneaky.example"] = ["127.0.0.1"]
    server.route("/", body=b"secret")
    with pytest.raises(BlockedAddress):
        fetch(f"http://sneaky.example:{server.port}/")
    assert server.requests == []


def test_the_connection_goes_to_the_address_that_was_resolved_once(dns):
    # A rebinding DNS answers 127.0.0.1 first and 127.0.0.2 afterwards, with a server on the same
    # port at each. The fetch must resolve once and connect to the address it resolved.
    rebound = Server("127.0.0.2")
    checked = Server("127.0.0.1", rebound.port)
    try:
        checked.route("/", body=b"checked")
        rebound.route("/", body=b"rebound")
        dns["rebind.example"] = [["127.0.0.1"], ["127.0.0.2"]]
        result = fetch(f"http://rebind.example:{checked.port}/", allow_hosts={"rebind.example"})
        assert result.body == b"checked"
        assert dns["__queries__"] == ["rebind.example"]
        assert rebound.requests == []
        assert checked.requests[0][2]["Host"] == f"rebind.example:{checked.port}"
    finally:
        rebound.stop()
        checked.stop()


def test_each_redirect_hop_resolves_and_checks_again(server, dns):
    dns["first.example"] = ["127.0.0.1"]
    dns["second.example"] = ["127.0.0.1"]
    server.redirect("/a", f"http://second.example:{server.port}/b")
    server.route("/b", body=b"ok")
    with pytest.raises(BlockedAddress, match="second.example"):
        fetch(f"http://first.example:{server.port}/a", allow_hosts={"first.example"})
    assert fetch(f"http://first.example:{server.port}/a", allow_hosts={"first.example", "second.example"}).body == b"ok"


# --- TLS -----------------------------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path, dns):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for secure.example."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=secure.example",
         "-addext", "subjectAltName=DNS:secure.example", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    seen_sni = []
    server_context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    srv = Server(tls_context=server_context)
    srv.route("/", body=b"over tls")
    dns["secure.example"] = ["127.0.0.1"]
    srv.cert, srv.seen_sni = cert, seen_sni
    yield srv
    srv.stop()


def test_tls_uses_the_hostname_for_sni_and_certificate(tls_server):
    client_context = ssl.create_default_context(cafile=str(tls_server.cert))
    result = fetch(f"https://secure.example:{tls_server.port}/", allow_hosts={"secure.example"},
                   ssl_context=client_context)
    assert result.body == b"over tls"
    assert tls_server.seen_sni == ["secure.example"]
    assert tls_server.requests[0][2]["Host"] == f"secure.example:{tls_server.port}"


def test_tls_certificate_is_verified(tls_server):
    with pytest.raises(ConnectFailed, match="TLS"):
        fetch(f"https://secure.example:{tls_server.port}/", allow_hosts={"secure.example"})


# --- decoding --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, content_type, text", [
    ("café".encode("utf-8"), "text/html", "café"),
    ("café".encode("latin-1"), "text/html; charset=ISO-8859-1", "café"),
    ("café".encode("latin-1"), 'text/html; charset="iso-8859-1"', "café"),
    (b'<meta charset="windows-1252"><p>caf\xe9', "text/html", '<meta charset="windows-1252"><p>café'),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">\xc1', "text/html",
     '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">а'),
    (b"<?xml version='1.0' encoding='iso-8859-1'?><a>\xe9</a>", "text/xml", "<?xml version='1.0' encoding='iso-8859-1'?><a>é</a>"),
    ("\ufeffhé".encode("utf-8"), "text/html; charset=latin-1", "hé"),
    (b'<meta charset="utf-16"><p>h\xc3\xa9', "text/html", '<meta charset="utf-16"><p>hé'),
    (b"bad \xff bytes", "text/plain; charset=no-such-charset", "bad \ufffd bytes"),
])
def test_text_decoding(body, content_type, text):
    assert decode_body(body, content_type) == text


def test_fetch_result_text(server):
    server.route("/", body="ünïcode".encode("iso-8859-1"), headers=[("Content-Type", "text/plain; charset=iso-8859-1")])
    assert fetch(server.url("/"), allow_hosts={server.netloc}).text == "ünïcode"
