"""How a node talks to its peers: one small interface, bounded in size and time.

Peers are untrusted: every answer is size-capped before it is read and checked by
the federation core before it is stored. A peer that is down raises
:class:`PeerUnreachable` at once, and the caller moves on to the next.

:class:`Transport` is the interface the federation modules use (through :func:`get`
and :func:`post`). :class:`HttpTransport` is the real thing, over HTTP(S);
:class:`InProcessTransport` hands each request to a WSGI application in this process
(a peer's Django app, or any test peer) with the same limits and errors, so tests can
federate without sockets. :func:`use` switches the transport for a block.
"""

from __future__ import annotations

import contextlib
import gzip
import io
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
    "HttpTransport",
    "InProcessTransport",
    "PeerUnreachable",
    "Response",
    "Transport",
    "get",
    "post",
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
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the scheme is checked
                raw = response.read(limit + 1)
                wire = len(raw)
                content = _inflate(url, raw, response.headers.get("Content-Encoding"), limit)
                return Response(response.status, content, wire, response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as exc:
            answer = exc.read(64 << 10) if exc.fp is not None else b""
            raise PeerUnreachable(url, f"answered {exc.code}", exc.code, answer) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
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
