"""HTTP to other nodes: bounded in size and time, so a slow or hostile peer costs little.

Peers are untrusted: every answer is size-capped before it is read and checked by
the federation core before it is stored. A peer that is down raises
:class:`PeerUnreachable` at once, and the caller moves on to the next.
"""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from confederal import __version__

__all__ = ["MAX_RESPONSE", "PeerUnreachable", "Response", "get", "post"]

MAX_RESPONSE = 8 << 20
TIMEOUT = 5.0
_AGENT = f"confederal/{__version__} (federation)"


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


def _read(response: object, url: str, limit: int) -> tuple[bytes, int]:
    raw = response.read(limit + 1)  # type: ignore[attr-defined]
    if len(raw) > limit:
        raise PeerUnreachable(url, f"the answer is larger than {limit} bytes")
    wire = len(raw)
    if response.headers.get("Content-Encoding") == "gzip":  # type: ignore[attr-defined]
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = inflater.decompress(raw, limit + 1)
        except (zlib.error, gzip.BadGzipFile) as exc:
            raise PeerUnreachable(url, f"the answer is not valid gzip: {exc}") from exc
        if len(raw) > limit or inflater.unconsumed_tail:
            raise PeerUnreachable(url, f"the answer inflates past {limit} bytes")
    return raw, wire


def _request(url: str, **kw: Any) -> urllib.request.Request:
    if urlsplit(url).scheme not in {"http", "https"}:
        raise PeerUnreachable(url, "only http and https addresses are peers")
    return urllib.request.Request(url, **kw)  # noqa: S310 - the scheme is checked just above


def _send(request: urllib.request.Request, limit: int, timeout: float) -> Response:
    url = request.full_url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - built by _request
            body, wire = _read(response, url, limit)
            return Response(response.status, body, wire, response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        body = exc.read(64 << 10) if exc.fp is not None else b""
        raise PeerUnreachable(url, f"answered {exc.code}", exc.code, body) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PeerUnreachable(url, f"did not answer ({reason})") from None


def get(url: str, accept: str = "*/*", limit: int = MAX_RESPONSE, timeout: float = TIMEOUT) -> Response:
    headers = {"Accept": accept, "Accept-Encoding": "gzip", "User-Agent": _AGENT}
    return _send(_request(url, headers=headers), limit, timeout)


def post(url: str, body: bytes, content_type: str, limit: int = 64 << 10, timeout: float = TIMEOUT) -> Response:
    headers = {"Content-Type": content_type, "User-Agent": _AGENT}
    return _send(_request(url, data=body, headers=headers, method="POST"), limit, timeout)
