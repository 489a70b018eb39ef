"""Ledger pages for people and the C2SP tlog-tiles endpoints for programs."""

from __future__ import annotations

import base64
import gzip
import re
from datetime import datetime

import orjson
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from confederal.ledger import Entry, TileError, decode_entry, leaf_hash, parse_tile_path
from confederal.node import pagecache
from confederal.node.zones import shows_no_times

from . import selectors
from .display import by_operator, describe, operator_did

PAGE_SIZE = 50
_ENTRY_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() also accepts '²'


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _wants_json(request: HttpRequest) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _at(entry: Entry) -> datetime:
    return datetime.fromisoformat(entry.time.replace("Z", "+00:00"))


@require_safe
def ledger_list(request: HttpRequest) -> HttpResponse:
    ledgers = selectors.ledgers()
    summaries = [selectors.ledger_summary(ledger) for ledger in ledgers]
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"ledgers": summaries})
    else:
        response = render(request, "ledgers/list.html", {"ledgers": summaries})
    patch_vary_headers(response, ["Accept"])
    return response


@require_safe
def ledger_page(request: HttpRequest, slug: str) -> HttpResponse:
    ledger = selectors.ledger_or_404(slug)
    if _wants_json(request):
        response: HttpResponse = JsonResponse(selectors.ledger_summary(ledger))
        patch_vary_headers(response, ["Accept"])
        return response
    before_text = request.GET.get("before")
    before = None
    if before_text is not None:
        if not _ENTRY_NUMBER.fullmatch(before_text):
            return _text(400, _("'before' must be an entry number."))
        before = int(before_text)
    entries = selectors.recent_entries(ledger, before, PAGE_SIZE)
    checkpoint = selectors.latest_checkpoint(ledger)
    rows = [{"entry": e, "summary": describe(e), "by_operator": by_operator(e), "at": _at(e)} for e in entries]
    older = entries[-1].seq if entries and entries[-1].seq > 0 else None
    context = {
        "ledger": ledger,
        "checkpoint": checkpoint,
        "root_b64": base64.b64encode(bytes(checkpoint.root)).decode("ascii"),
        "rows": rows,
        "older": older,
        "prefix": selectors.ledger_prefix(ledger),
        "operator": operator_did(),
        "paged": before is not None,
    }
    response = render(request, "ledgers/ledger.html", context)
    patch_vary_headers(response, ["Accept"])
    return response


@require_safe
def entry_page(request: HttpRequest, slug: str, seq: int) -> HttpResponse:
    ledger = selectors.ledger_or_404(slug)
    data = selectors.entry_bytes(ledger, seq)
    if data is None:
        raise Http404(_("This ledger has no entry %(seq)d.") % {"seq": seq})
    entry = decode_entry(data)
    checkpoint = selectors.latest_checkpoint(ledger)
    proof = None
    if seq < checkpoint.size:
        proof = [
            base64.b64encode(h).decode("ascii") for h in selectors.ledger_inclusion_proof(ledger, seq, checkpoint.size)
        ]
    context = {
        "ledger": ledger,
        "entry": entry,
        "summary": describe(entry),
        "by_operator": by_operator(entry),
        "at": _at(entry),
        "raw": data.decode("utf-8"),
        "pretty": orjson.dumps(entry.body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode(),
        "leaf_hash": base64.b64encode(leaf_hash(data)).decode("ascii"),
        "checkpoint": checkpoint,
        "proof": proof,
        "prefix": selectors.ledger_prefix(ledger),
    }
    return render(request, "ledgers/entry.html", context)


def _tlog_headers(response: HttpResponse, cache: str) -> HttpResponse:
    response["Cache-Control"] = cache
    # Anyone may check a ledger, including from a page on another site.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@shows_no_times
def checkpoint(request: HttpRequest, slug: str) -> HttpResponse:
    ledger = selectors.ledger_or_404(slug)
    note = selectors.latest_checkpoint(ledger).note
    response = HttpResponse(note, content_type="text/plain; charset=utf-8")
    return _tlog_headers(response, "no-cache")


@require_safe
@shows_no_times
def tile(request: HttpRequest, slug: str, rest: str) -> HttpResponse:
    try:
        ref = parse_tile_path("tile/" + rest)
    except TileError as exc:
        return _tlog_headers(_text(400, exc.message), "no-store")
    zipped = ref.entries and "gzip" in request.headers.get("Accept-Encoding", "")
    found: dict[str, int] = {}

    def read() -> bytes | None:
        ledger = selectors.ledger_or_404(slug)
        found["size"] = ledger.size
        data = selectors.tile_bytes(ledger, ref, ledger.size)
        return gzip.compress(data, compresslevel=6, mtime=0) if data is not None and zipped else data

    # A full tile never changes: it is read once per process.
    data = pagecache.full_tile(slug, ref.path + (".gz" if zipped else ""), read) if ref.full else read()
    if data is None:
        message = _("This ledger has no tile %(path)s yet: it holds %(size)d entries.") % {
            "path": ref.path,
            "size": found["size"],
        }
        return _tlog_headers(_text(404, message), "no-cache")
    response = HttpResponse(data, content_type="application/octet-stream")
    if zipped:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    # A full tile never changes; a partial one is replaced by longer ones as the ledger grows.
    return _tlog_headers(response, _FULL_TILE if ref.full else _PARTIAL_TILE)


_FULL_TILE = "public, max-age=31536000, immutable"
_PARTIAL_TILE = "public, max-age=60"


_DIGEST = re.compile(r"sha256:[0-9a-f]{64}\Z")


@require_safe
def blob(request: HttpRequest, digest: str) -> HttpResponse:
    """Serve a document a ledger entry refers to by digest; anyone can re-hash it to check it."""
    if not _DIGEST.match(digest):
        return _text(400, _("A blob is named by sha256: and 64 lowercase hex digits."))
    row = selectors.blob(digest)
    if row is None:
        return _text(404, _("This node holds no document with that digest."))
    response = HttpResponse(bytes(row.data), content_type=row.media_type)
    return _tlog_headers(response, "public, max-age=31536000, immutable")
