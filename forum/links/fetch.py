"""The forum's one outbound HTTP client.

Every request the forum sends to another site (verifying a Pingback or Webmention source,
discovering an endpoint, sending a ping) goes through :func:`fetch`, which keeps these rules:

- only ``http`` and ``https`` URLs;
- the host is resolved once, and *every* address it resolves to must be public
  (:func:`is_public_address`); the connection then goes to one of exactly those addresses, while
  the Host header, TLS SNI and certificate check use the hostname, so a second, different DNS
  answer (DNS rebinding) cannot redirect it;
- each redirect is checked the same way, and at most ``max_redirects`` (3) are followed;
- at most ``timeout`` seconds (10) for the whole fetch, redirects included, and at most
  ``max_bytes`` (1 MiB) of body;
- hosts named in ``allow_hosts`` (``host`` or ``host:port``) skip the address check; that is
  ``FORUM_OUTBOUND_ALLOW_HOSTS``.

Every failure raises a :class:`FetchError`.
"""

from __future__ import annotations

import codecs
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urljoin, urlsplit

from werkzeug.datastructures import Headers

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "forum-links/1.0 (Pingback; Webmention)"

# Ranges that some Python versions' is_global still calls global, though no public site lives
# there: IETF protocol assignments, local-use NAT64, IPv6 documentation, SRv6.
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(net) for net in ("192.0.0.0/24", "64:ff9b:1::/48", "3fff::/20", "5f00::/16")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")  # the only IPv6 space allocated for public use


class FetchError(Exception):
    """An outbound fetch failed; the message says why."""


class BadURL(FetchError):
    """The URL cannot be fetched as written (no host, bad port, unencodable host name)."""


class BadScheme(BadURL):
    """The URL is not http or https."""


class UnresolvableHost(FetchError):
    """The host name has no address."""


class BlockedAddress(FetchError):
    """The host is, or resolves to, an address that is not public."""


class ConnectFailed(FetchError):
    """No connection could be made (refused, reset, TLS failure)."""


class FetchTimeout(FetchError):
    """The whole fetch took longer than its time limit."""


class TooLarge(FetchError):
    """The response body is larger than the limit."""


class TooManyRedirects(FetchError):
    """The server redirected more often than allowed."""


class BadResponse(FetchError):
    """The server's answer is not valid HTTP."""


@dataclass(frozen=True)
class CheckedURL:
    """A URL that passed :func:`check_url`, with the addresses a connection may go to."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    target: str  # path and query, percent-encoded, as sent in the request line
    addresses: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]


@dataclass(frozen=True)
class FetchResult:
    """What the server answered, after redirects."""

    final_url: str
    status: int
    headers: Headers = field(repr=False)  # case-insensitive, keeps repeated headers
    body: bytes = field(repr=False)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ("" when absent)."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        """The body decoded with its BOM, declared or sniffed charset, else UTF-8."""
        return decode_body(self.body, self.headers.get("Content-Type", ""))


def is_public_address(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for a globally routable unicast address.

    Loopback, private, link-local, multicast, reserved, unspecified, shared (100.64/10),
    documentation and benchmarking ranges are not public, nor is IPv6 outside 2000::/3. IPv6
    forms that carry an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by that address.
    """
    try:
        ip = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip in _NAT64:
            return is_public_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None:
            return is_public_address(ip.sixtofour)
        if ip not in _GLOBAL_UNICAST_V6:  # e.g. site-local fec0::/10, which is_global lets through
            return False
    if any(ip in net for net in _NOT_GLOBAL):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def parse_allow_hosts(value: str | None) -> frozenset[str]:
    """``FORUM_OUTBOUND_ALLOW_HOSTS`` ("a.example, b.example:8080") as a set for ``allow_hosts``."""
    return frozenset(part.strip().lower() for part in (value or "").split(",") if part.strip())


def check_url(url: str, allow_hosts: frozenset[str] | set[str] | str = frozenset()) -> CheckedURL:
    """Parse, resolve and check ``url``; raise a :class:`FetchError` if it may not be fetched.

    ``allow_hosts`` entries are ``host`` or ``host:port`` (``[::1]:8080`` for IPv6), any case; a
    comma-separated string is read like ``FORUM_OUTBOUND_ALLOW_HOSTS``.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BadScheme(f"only http and https URLs can be fetched, not {scheme or 'no scheme'}: {url!r}")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise BadURL(f"URL has no host: {url!r}")
        if ":" not in host:  # IPv6 literals stay as they are
            host = host.encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError) as exc:
        raise BadURL(f"bad URL {url!r}: {exc}") from None
    target = quote(parts.path or "/", safe="/%!$&'()*+,;=:@~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%!$&'()*+,;=:@~?")

    try:
        # The resolver's own timeouts bound this step; the fetch deadline starts counting here too.
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnresolvableHost(f"cannot resolve {host}: {exc}") from None
    addresses = tuple(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not addresses:
        raise UnresolvableHost(f"{host} has no address")

    if not _is_allowed(host, port, allow_hosts):
        blocked = [str(ip) for ip in addresses if not is_public_address(ip)]
        if blocked:
            raise BlockedAddress(f"{host} resolves to a non-public address: {', '.join(blocked)}")
    return CheckedURL(url, scheme, host, port, target, addresses)


def _is_allowed(host: str, port: int, allow_hosts) -> bool:
    name = f"[{host}]" if ":" in host else host
    if isinstance(allow_hosts, str):  # the raw setting; never iterate it as characters
        allow_hosts = parse_allow_hosts(allow_hosts)
    allowed = {entry.strip().lower() for entry in allow_hosts}
    return name in allowed or host in allowed or f"{name}:{port}" in allowed


def fetch(
    url: str,
    *,
    method: str = "GET",
    data: bytes | str | dict | list | None = None,
    headers: dict[str, str] | None = None,
    allow_hosts: frozenset[str] | set[str] | str = frozenset(),
    timeout: float = 10,
    max_bytes: int = 1_048_576,
    max_redirects: int = 3,
    ssl_context: ssl.SSLContext | None = None,
) -> FetchResult:
    """Fetch ``url`` under the rules in this module's docstring.

    ``data`` as a dict or list of pairs is sent form-encoded; bytes or str are sent as they are
    (set Content-Type in ``headers``). 301, 302 and 303 turn a POST into a GET; 307 and 308
    repeat it. Non-2xx answers are returned, not raised: the caller decides what they mean.
    """
    method = method.upper()
    request_headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
    body = _encode_data(data, request_headers)
    request_headers.update(headers or {})
    deadline = time.monotonic() + timeout
    context = ssl_context or ssl.create_default_context()

    for hop in range(max_redirects + 1):
        checked = check_url(url, allow_hosts)
        status, response_headers, content = _exchange(
            checked, method, body, request_headers, deadline, max_bytes, context
        )
        location = response_headers.get("Location")
        if status not in REDIRECT_STATUSES or not location:
            return FetchResult(url, status, response_headers, content)
        if hop == max_redirects:
            raise TooManyRedirects(f"more than {max_redirects} redirects, last to {location!r}")
        url = urljoin(url, location.strip())
        if status == 303 or (status in (301, 302) and method == "POST"):
            method, body = ("HEAD" if method == "HEAD" else "GET"), None
            request_headers = {k: v for k, v in request_headers.items() if k.lower() != "content-type"}
    raise AssertionError("unreachable")


def _encode_data(data, headers: dict[str, str]) -> bytes | None:
    if data is None:
        return None
    if isinstance(data, (dict, list, tuple)):
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return urlencode(data).encode("ascii")
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to a checked address, never to whatever DNS says next."""

    def __init__(self, checked: CheckedURL, deadline: float, context: ssl.SSLContext):
        super().__init__(checked.host, checked.port, timeout=max(deadline - time.monotonic(), 0.001))
        self.default_port = 443 if checked.scheme == "https" else 80  # Host header omits it
        self._checked = checked
        self._deadline = deadline
        self._context = context if checked.scheme == "https" else None
        self._watchdog: threading.Timer | None = None
        self.expired = threading.Event()

    def connect(self) -> None:
        errors = []
        for ip in self._checked.addresses:
            family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.connect((str(ip), self.port))
                break
            except TimeoutError:
                sock.close()
                raise FetchTimeout(f"timed out connecting to {self.host}:{self.port}") from None
            except OSError as exc:
                sock.close()
                errors.append(f"{ip}: {exc}")
        else:
            raise ConnectFailed(f"cannot connect to {self.host}:{self.port} ({'; '.join(errors)})")
        if self._context is not None:
            try:
                sock = self._context.wrap_socket(sock, server_hostname=self.host)
            except Exception as exc:
                sock.close()
                if isinstance(exc, TimeoutError):
                    raise FetchTimeout(f"timed out in the TLS handshake with {self.host}") from None
                if isinstance(exc, OSError):  # ssl.SSLError and certificate errors too
                    raise ConnectFailed(f"TLS with {self.host} failed: {exc}") from None
                raise
        self.sock = sock
        # Socket timeouts bound each read, not the total; a server trickling one byte at a time
        # would never trip them, so a watchdog ends the connection at the deadline.
        self._watchdog = threading.Timer(max(self._deadline - time.monotonic(), 0), self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _expire(self) -> None:
        self.expired.set()
        try:
            # The plain shutdown syscall, also on a TLS socket, wakes a read blocked in another thread.
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except (OSError, AttributeError, TypeError):
            pass

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        super().close()


def _exchange(checked, method, body, headers, deadline, max_bytes, context):
    """One request and response on a pinned connection: (status, headers, body)."""
    if time.monotonic() >= deadline:
        raise FetchTimeout(f"timed out before fetching {checked.url}")
    conn = _PinnedConnection(checked, deadline, context)
    try:
        conn.request(method, checked.target, body=body, headers=headers)
        response = conn.getresponse()
        response_headers = Headers(response.getheaders())
        if response.status in REDIRECT_STATUSES and response_headers.get("Location"):
            return response.status, response_headers, b""
        content = _read_body(response, max_bytes, checked.url)
        if conn.expired.is_set():
            raise FetchTimeout(f"timed out fetching {checked.url}")
        return response.status, response_headers, content
    except FetchError:
        raise
    except Exception as exc:
        # After the watchdog fired, whatever broke (reset, EOF, closed TLS) is the timeout.
        if conn.expired.is_set() or isinstance(exc, TimeoutError):
            raise FetchTimeout(f"timed out fetching {checked.url}") from None
        if isinstance(exc, http.client.HTTPException):
            raise BadResponse(f"bad HTTP response from {checked.url}: {exc!r}") from None
        if isinstance(exc, OSError):
            raise ConnectFailed(f"connection to {checked.url} failed: {exc}") from None
        raise
    finally:
        conn.close()


def _read_body(response: http.client.HTTPResponse, max_bytes: int, url: str) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"{url} declares {declared} bytes, more than the {max_bytes} allowed")
    chunks, size = [], 0
    while chunk := response.read(min(65536, max_bytes + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"{url} sent more than the {max_bytes} bytes allowed")
    return b"".join(chunks)


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)


def decode_body(body: bytes, content_type: str = "") -> str:
    """Decode by BOM, then the Content-Type charset, then an XML or <meta> declaration, else UTF-8."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    declared = [m.group(1) for m in [_CHARSET_PARAM.search(content_type)] if m]
    sniffed = [m.group(1).decode("ascii") for p in (_XML_DECLARATION, _META_CHARSET) if (m := p.search(body[:1024]))]
    for name in declared + sniffed:
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            continue
        # A declaration we could read as ASCII can't be UTF-16; browsers take it as UTF-8.
        if name not in declared and encoding.startswith("utf-16"):
            encoding = "utf-8"
        return body.decode(encoding, errors="replace")
    return body.decode("utf-8", errors="replace")
