"""Ledger routes: list, entries, inclusion and consistency proofs."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.params import functions as params

from confederal.ledger import JSONValue, decode_entry, leaf_hash
from confederal.node.ledgers import selectors
from confederal.node.ledgers.display import by_operator, describe
from confederal.node.ledgers.models import Ledger

from ._base import BIGGEST, Seq, Slug, api, public

router = Router(tags=["ledgers"])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class LedgerOut(Schema):
    slug: str
    title: str
    kind: str
    origin: str
    url: str
    verifier_key: str
    operator: str = Field(description="The author of entries this node's operator appended by hand (notes, not acts).")
    size: int
    root: str
    checkpoint: str


class EntryOut(Schema):
    seq: int
    kind: str
    time: str
    author: str
    by_operator: bool = Field(description="A note of the node's operator, not an act of the assembly.")
    summary: str = Field(description="What the entry records, in plain words.")
    body: dict[str, Any]
    leaf_hash: str
    canonical: str


class InclusionProofOut(Schema):
    index: int
    size: int
    leaf_hash: str
    root: str
    proof: list[str]


class ConsistencyProofOut(Schema):
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]


#: A tree size or an entry's index in a query.
_Size = Annotated[int, params.Query(ge=0, le=BIGGEST)]
_MaybeSize = Annotated[int | None, params.Query(ge=0, le=BIGGEST)]


def _ledger(slug: str) -> Ledger:
    return selectors.ledger_or_404(slug)


def _signed_size(ledger: Ledger, size: int | None) -> tuple[int, bytes | None]:
    """Return the tree size to answer for, and its root when it is the latest checkpoint's."""
    latest = selectors.latest_checkpoint(ledger)
    if size is None or size == latest.size:
        return latest.size, bytes(latest.root)
    if not 0 <= size <= latest.size:
        raise HttpError(
            400,
            _("The ledger's latest signed checkpoint covers %(n)d entries; ask for a size up to that.")
            % {"n": latest.size},
        )
    return size, None


def _entry_out(data: bytes) -> EntryOut:
    entry = decode_entry(data)
    return EntryOut(
        seq=entry.seq,
        kind=entry.kind,
        time=entry.time,
        author=entry.author,
        by_operator=by_operator(entry),
        summary=describe(entry),
        body=entry.body,
        leaf_hash=_b64(leaf_hash(data)),
        canonical=data.decode("utf-8"),
    )


@public(router.get, "/ledgers", list[LedgerOut], "List this node's ledgers")
def list_ledgers(request: HttpRequest) -> list[dict[str, JSONValue]]:
    return [selectors.ledger_summary(ledger) for ledger in selectors.ledgers()]


@public(router.get, "/ledgers/{slug}", LedgerOut, "One ledger and its latest checkpoint")
def get_ledger(request: HttpRequest, slug: Slug) -> dict[str, JSONValue]:
    return selectors.ledger_summary(_ledger(slug))


@public(router.get, "/ledgers/{slug}/entries", list[EntryOut], "Recent entries")
def list_entries(
    request: HttpRequest,
    slug: Slug,
    before: Annotated[int | None, params.Query(ge=0, le=BIGGEST, description="Entries before this one.")] = None,
    limit: Annotated[int, params.Query(ge=1, le=500)] = 50,
) -> list[EntryOut]:
    ledger = _ledger(slug)
    rows = selectors.recent_entries(ledger, before, limit)
    return [_entry_out(selectors.entry_bytes(ledger, e.seq) or b"") for e in rows]


@public(router.get, "/ledgers/{slug}/entries/{seq}", EntryOut, "One entry")
def get_entry(request: HttpRequest, slug: Slug, seq: Seq) -> EntryOut:
    data = selectors.entry_bytes(_ledger(slug), seq)
    if data is None:
        raise HttpError(404, _("This ledger has no entry %(seq)d.") % {"seq": seq})
    return _entry_out(data)


@public(
    router.get, "/ledgers/{slug}/proofs/inclusion", InclusionProofOut, "RFC 9162 inclusion proof of an entry", (400,)
)
def inclusion_proof(request: HttpRequest, slug: Slug, index: _Size, size: _MaybeSize = None) -> InclusionProofOut:
    ledger = _ledger(slug)
    tree_size, root = _signed_size(ledger, size)
    if not 0 <= index < tree_size:
        raise HttpError(
            400, _("Entry %(index)d is not in the ledger at size %(size)d.") % {"index": index, "size": tree_size}
        )
    data = selectors.entry_bytes(ledger, index) or b""
    proof = selectors.ledger_inclusion_proof(ledger, index, tree_size)
    return InclusionProofOut(
        index=index,
        size=tree_size,
        leaf_hash=_b64(leaf_hash(data)),
        root=_b64(root or selectors.ledger_root(ledger, tree_size)),
        proof=[_b64(h) for h in proof],
    )


@public(
    router.get,
    "/ledgers/{slug}/proofs/consistency",
    ConsistencyProofOut,
    "RFC 9162 consistency proof between two sizes",
    (400,),
)
def consistency_proof(request: HttpRequest, slug: Slug, old: _Size, new: _MaybeSize = None) -> ConsistencyProofOut:
    ledger = _ledger(slug)
    new_size, new_root = _signed_size(ledger, new)
    if not 0 <= old <= new_size:
        raise HttpError(400, _("The old size must be between 0 and %(size)d.") % {"size": new_size})
    proof = selectors.ledger_consistency_proof(ledger, old, new_size)
    return ConsistencyProofOut(
        old_size=old,
        new_size=new_size,
        old_root=_b64(selectors.ledger_root(ledger, old)),
        new_root=_b64(new_root or selectors.ledger_root(ledger, new_size)),
        proof=[_b64(h) for h in proof],
    )


api.add_router("/", router)
