"""How a node talks to its peers: one small interface, bounded in size and time.

Peers are untrusted: every answer is size-capped before it is read and checked by
the federation core before it is stored. A peer that is down raises
:class:`PeerUnreachable` at once, and the caller moves on to the next.

:class:`Transport` is the interface the federation modules use (through :func:`get`
and :func:`post`). :class:`HttpTransport` is the real thing, over HTTP(S);
:class:`InProcessTransport` hands each request to a WSGI application in this process
(a peer's Django app, or any test peer) with the same limits and errors, so tests can
federate without sockets. :func:`use` switches the transport for a block.

A node fetches only from public addresses unless its operator allows private ones
(``CONFEDERAL_ALLOW_PRIVATE_PEERS``): :func:`public_addresses` resolves a name and refuses
it if *any* address it resolves to is loopback, private, link-local, unspecified, multicast
or reserved, and :class:`HttpTransport` connects only to the addresses it has just checked,
at every request (and every redirect), so a name that resolves elsewhere later (DNS
rebinding) or a peer's listed ledger URL cannot point the node at its own network.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import io
import ipaddress
import socket
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from confederal import __version__

__all__ = [
    "MAX_RESPONSE",
    "AddressRefused",
    "HttpTransport",
    "InProcessTransport",
    "PeerUnreachable",
    "Response",
    "Transport",
    "get",
    "not_public",
    "post",
    "public_addresses",
    "use",
]

MAX_RESPONSE = 8 << 20
TIMEOUT = 5.0
_AGENT = f"confederal/{__version__} (federation)"

#: A WSGI application: what ``django.core.wsgi.get_wsgi_application()`` returns.
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class PeerUnreachable(Exception):
    """The peer did not answer, answered too much, or answered with an error status."""

    def __init__(self, url: str, reason: str, status: int | None = None, body: bytes = b"") -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    #: Bytes that crossed the wire (before decompression): what sync costs.
    wire: int
    content_type: str


class Transport(Protocol):
    """One request to a peer, answered within ``limit`` bytes and ``timeout`` seconds, or :class:`PeerUnreachable`."""

    def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, limit: int, timeout: float
    ) -> Response: ...


class AddressRefused(OSError):
    """A peer's name resolves to no address, or to one a node does not fetch from; ``kind`` says which."""

    def __init__(self, host: str, kind: str, address: str = "") -> None:
        super().__init__(f"{host} resolves to a {kind} address {address}".strip() if address else f"{host}: {kind}")
        self.host = host
        self.kind = kind
        self.address = address


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def not_public(ip: IPAddress) -> str | None:
    """Why a node does not fetch from ``ip`` ("loopback", "private"…), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return not_public(ip.ipv4_mapped)
    for kind, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return kind
    return None if ip.is_global else "private"


def public_addresses(host: str, port: int) -> list[tuple[Any, ...]]:
    """Every address ``host`` resolves to, as ``getaddrinfo`` gives them, if each one is public.

    Raises:
        AddressRefused: the name resolves to nothing, or one of its addresses is not public.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise AddressRefused(host, "unknown") from None
    if not found:
        raise AddressRefused(host, "unknown")
    for info in found:
        address = str(info[4][0])
        kind = not_public(ipaddress.ip_address(address))
        if kind is not None:
            raise AddressRefused(host, kind, address)
    return found


def _connect_public(address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
    """``socket.create_connection``, but only to the public addresses the name resolves to right now."""
    from django.conf import settings

    host, port = address
    if settings.ALLOW_PRIVATE_PEERS:
        return socket.create_connection(address, timeout, source_address)
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in public_addresses(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    assert error is not None  # public_addresses returns at least one address
    raise error


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._create_connection = _connect_public


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._create_connection = _connect_public


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


def _opener() -> urllib.request.OpenerDirector:
    """HTTP and HTTPS only (a redirect elsewhere, ftp: or file:, fails), and no proxy from the environment
    (a proxy would resolve names where this node cannot check them)."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.UnknownHandler(),
        _PublicHTTPHandler(),
        _PublicHTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


_OPENER = _opener()


def _checked(url: str) -> str:
    if urlsplit(url).scheme not in {"http", "https"}:
        raise PeerUnreachable(url, "only http and https addresses are peers")
    return url


def _inflate(url: str, raw: bytes, encoding: str | None, limit: int) -> bytes:
    if len(raw) > limit:
        raise PeerUnreachable(url, f"the answer is larger than {limit} bytes")
    if encoding != "gzip":
        return raw
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        body = inflater.decompress(raw, limit + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise PeerUnreachable(url, f"the answer is not valid gzip: {exc}") from exc
    if len(body) > limit or inflater.unconsumed_tail:
        raise PeerUnreachable(url, f"the answer inflates past {limit} bytes")
    return body


class HttpTransport:
    """Requests over HTTP(S) with ``urllib``."""

    def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, limit: int, timeout: float
    ) -> Response:
        request = urllib.request.Request(_checked(url), data=body, headers=headers, method=method)  # noqa: S310
        try:
            with _OPENER.open(request, timeout=timeout) as response:  # the scheme is checked
                raw = response.read(limit + 1)
                wire = len(raw)
                content = _inflate(url, raw, response.headers.get("Content-Encoding"), limit)
                return Response(response.status, content, wire, response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as exc:
            answer = exc.read(64 << 10) if exc.fp is not None else b""
            raise PeerUnreachable(url, f"answered {exc.code}", exc.code, answer) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, AddressRefused):
                raise PeerUnreachable(url, f"not fetched: {reason}") from None
            raise PeerUnreachable(url, f"did not answer ({reason})") from None


class InProcessTransport:
    """Requests handed to WSGI applications in this process, by the peer's ``host:port``.

    The answer goes through the same size limits, gzip checks and error statuses as over
    HTTP; a host with no application here is a peer that does not answer.
    """

    def __init__(self, apps: Mapping[str, WSGIApp]) -> None:
        self.apps = dict(apps)

    def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, limit: int, timeout: float
    ) -> Response:
        parts = urlsplit(_checked(url))
        app = self.apps.get(parts.netloc)
        if app is None:
            raise PeerUnreachable(url, "did not answer (no such peer in this process)")
        data = body or b""
        host, _, port = parts.netloc.partition(":")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": parts.path or "/",
            "QUERY_STRING": parts.query,
            "SERVER_NAME": host,
            "SERVER_PORT": port or ("443" if parts.scheme == "https" else "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme,
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
        started: dict[str, Any] = {}

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = {k.lower(): v for k, v in response_headers}

        chunks = app(environ, start_response)
        raw = b""
        try:
            for chunk in chunks:
                raw += chunk
                if len(raw) > limit:
                    break
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status, answer_headers = started["status"], started["headers"]
        if status >= 400:
            raise PeerUnreachable(url, f"answered {status}", status, raw[: 64 << 10])
        content = _inflate(url, raw[: limit + 1], answer_headers.get("content-encoding"), limit)
        return Response(status, content, min(len(raw), limit + 1), answer_headers.get("content-type", ""))


_current: Transport = HttpTransport()


@contextlib.contextmanager
def use(transport: Transport) -> Iterator[Transport]:
    """Send every request of the block through ``transport`` (then back to the one before)."""
    global _current
    before, _current = _current, transport
    try:
        yield transport
    finally:
        _current = before


def get(url: str, accept: str = "*/*", limit: int = MAX_RESPONSE, timeout: float = TIMEOUT) -> Response:
    headers = {"Accept": accept, "Accept-Encoding": "gzip", "User-Agent": _AGENT}
    return _current.send("GET", url, headers, None, limit, timeout)


def post(url: str, body: bytes, content_type: str, limit: int = 64 << 10, timeout: float = TIMEOUT) -> Response:
    headers = {"Content-Type": content_type, "User-Agent": _AGENT}
    return _current.send("POST", url, headers, body, limit, timeout)
