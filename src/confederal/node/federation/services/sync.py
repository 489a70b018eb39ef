"""Pulling peers: first contact, verified pulls, the index the folds read, forks and split views.

What a peer sends is checked by the federation core before anything of it is stored, and
stored all at once or not at all. A peer that is down or slow costs one bounded request
(:mod:`.transport`); the round moves on to the next peer. Part of the federation's write
path, with :mod:`.witness` and :mod:`.council`; :mod:`.services` is its entry.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from confederal.federation import (
    FEDERATION_KINDS,
    FederationError,
    SyncError,
    conflicts,
    node_name,
    read_checkpoint,
    subject_of,
    verify_extension,
)
from confederal.ledger import (
    TILE_WIDTH,
    Checkpoint,
    CheckpointError,
    Frontier,
    NoteError,
    TileError,
    TileRef,
    Verifier,
    decode_bundle,
    leaf_hashes,
    open_checkpoint,
)
from confederal.node.errors import Refused
from confederal.node.ledgers.models import Ledger, LedgerEntry
from confederal.node.ledgers.services import Record

from .. import selectors, transport
from ..models import (
    Cosignature,
    FederationRecord,
    ForkEvidence,
    Peer,
    RemoteEntry,
    RemoteLedger,
    WitnessRequest,
)

__all__ = [
    "MAX_PULL_ENTRIES",
    "check_add_peer",
    "check_peer_url",
    "check_remove_peer",
    "do_add_peer",
    "do_remember_peers",
    "do_remove_peer",
    "do_sync_peer",
    "index_local",
    "ledger_root_of",
]

logger = logging.getLogger(__name__)

#: The most entries one pull takes: a checkpoint further ahead than this is refused, not half-read.
MAX_PULL_ENTRIES = 200_000


# -- the index the folds read ---------------------------------------------------------------------


def _index(origin: str, rows: Sequence[tuple[int, bytes, str, dict[str, Any]]]) -> None:
    """Add federation records to the index, inside the caller's transaction."""
    records = []
    for seq, leaf, kind, body in rows:
        subject = subject_of(kind, body, leaf.hex())
        if subject is None:
            continue
        records.append(
            FederationRecord(origin=origin, seq=seq, kind=kind, body=body, leaf_hash=leaf.hex(), subject=subject)
        )
    FederationRecord.objects.bulk_create(records, ignore_conflicts=True)


def index_local(ledger: Ledger, seqs: Sequence[int], records: Sequence[Record]) -> None:
    """Index this node's own federation records just appended (inside the append's transaction)."""
    if not any(r.kind in FEDERATION_KINDS for r in records):
        return
    hashes = dict(LedgerEntry.objects.filter(ledger=ledger, seq__in=list(seqs)).values_list("seq", "leaf_hash"))
    _index(ledger.origin, [(s, bytes(hashes[s]), r.kind, r.json()) for s, r in zip(seqs, records, strict=True)])


# -- peers ----------------------------------------------------------------------------------------


#: What each kind of refused address is called in a sentence.
_KINDS = {
    "loopback": gettext_lazy("a loopback address (this machine itself)"),
    "private": gettext_lazy("a private network address"),
    "link-local": gettext_lazy("a link-local address"),
    "unspecified": gettext_lazy("an unspecified address"),
    "multicast": gettext_lazy("a multicast address"),
    "reserved": gettext_lazy("a reserved address"),
}


def _check_public(host: str, port: int) -> None:
    """Refuse a name unless every address it resolves to is public (or the operator allows private peers)."""
    if settings.ALLOW_PRIVATE_PEERS:
        return
    try:
        transport.public_addresses(host, port)
    except transport.AddressRefused as refused:
        if refused.kind == "unknown":
            raise Refused(
                "peer_unknown_host", _("No address is known for %(host)s: check the name.") % {"host": host}
            ) from None
        raise Refused(
            "peer_not_public",
            _(
                "%(host)s is %(kind)s: a node follows peers at public addresses only "
                "(its operator can allow others with CONFEDERAL_ALLOW_PRIVATE_PEERS=1)."
            )
            % {"host": host, "kind": _KINDS[refused.kind]},
        ) from None


def check_peer_url(url: str) -> str:
    """The peer's base URL, normalised, once its name is checked to resolve to public addresses only.

    Raises:
        Refused: not an http(s) URL, one with a user name or password, this node's own, or a name
            that resolves to nothing or to a loopback, private, link-local… address.
    """
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port out of range, an unclosed [IPv6 address]
        parts, port = urlsplit(""), 0
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment or not port:
        raise Refused("bad_peer_url", _("A peer is named by its address, such as https://assembly.example.org."))
    if parts.username is not None or parts.password is not None:
        raise Refused("bad_peer_url", _("A peer's address carries no user name or password."))
    if url == settings.PUBLIC_URL:
        raise Refused("peer_is_self", _("That is this node's own address."))
    if len(url) > 300:
        raise Refused("bad_peer_url", _("That address is too long."))
    _check_public(parts.hostname, port)
    return url


def check_add_peer(url: str) -> str:
    """The clean address of a peer to add: checked as :func:`check_peer_url` does, and within the cap.

    Raises:
        Refused: as :func:`check_peer_url`, or 409 when this node already follows ``MAX_PEERS`` peers.
    """
    url = check_peer_url(url)
    if not Peer.objects.filter(url=url).exists() and Peer.objects.count() >= settings.MAX_PEERS:
        raise Refused(
            "too_many_peers",
            _("This node already follows %(n)d peers, the most it may (CONFEDERAL_MAX_PEERS); remove one first.")
            % {"n": settings.MAX_PEERS},
            409,
        )
    return url


def do_remember_peers(urls: Sequence[str], now: datetime) -> list[Peer]:
    """Make sure each address the operator configured is a peer (contact comes with the next federation round).

    An address refused (malformed, not public, past the cap) is logged and left out, so a node still starts.
    """
    peers = []
    for url in urls:
        try:
            clean_url = check_add_peer(url)
        except Refused as refused:
            logger.warning("Not following %s: %s", url, refused.message)
            continue
        peer, _created = Peer.objects.get_or_create(url=clean_url, defaults={"added_at": now, "wanted": True})
        peers.append(peer)
    return peers


def do_add_peer(url: str, now: datetime) -> Peer:
    """Remember a peer and make first contact (pinning its ledgers' keys); a peer that is down is kept."""
    with transaction.atomic(durable=True):
        # Two operators adding at once must not both pass the cap: on PostgreSQL the count and the insert hold a
        # lock that makes a second adder wait (SQLite's IMMEDIATE transactions already queue writers).
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Peer._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        url = check_add_peer(url)
        peer, _created = Peer.objects.get_or_create(url=url, defaults={"added_at": now, "wanted": True})
    do_sync_peer(peer, now)
    peer.refresh_from_db()
    return peer


def check_remove_peer(url: str) -> Peer:
    """The peer with this address.

    Raises:
        Refused: 404 when this node follows no peer at that address.
    """
    url = url.strip().rstrip("/")
    # An address no peer can have is not looked up (PostgreSQL refuses NUL in a query).
    peer = Peer.objects.filter(url=url).first() if "\x00" not in url and len(url) <= 300 else None
    if peer is None:
        raise Refused("unknown_peer", _("This node follows no peer at that address."), 404)
    return peer


def do_remove_peer(peer: Peer) -> None:
    """Stop following a peer: it is no longer pulled or asked to witness.

    The copies of its ledgers verified so far are kept, with their pinned keys (what they
    recorded still counts in the federation's folds); adding the peer again carries on from them.
    """
    with transaction.atomic(durable=True):
        RemoteLedger.objects.filter(peer=peer).update(peer=None)
        WitnessRequest.objects.filter(peer=peer).delete()
        peer.delete()
    logger.warning("Peer %s removed by the operator.", peer.url)


def _listed(peer: Peer) -> list[dict[str, Any]]:
    response = transport.get(f"{peer.url}/ledgers", accept="application/json", limit=1 << 20)
    try:
        data = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        raise SyncError("bad_list", "The peer's list of ledgers is not JSON.") from None
    ledgers = data.get("ledgers") if isinstance(data, dict) else None
    if not isinstance(ledgers, list) or len(ledgers) > 1000:
        raise SyncError("bad_list", "The peer's list of ledgers is malformed.")
    out = []
    for item in ledgers:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("origin", "url", "verifier_key")
        ):
            raise SyncError("bad_list", "An entry in the peer's list of ledgers is malformed.")
        out.append(item)
    return out


def do_sync_peer(peer: Peer, now: datetime) -> int:
    """Pull everything new from one peer; return how many entries were stored. Failures are recorded, not raised."""
    stored = 0
    Peer.objects.filter(pk=peer.pk).update(last_attempt_at=now, wanted=False)
    try:
        listed = _listed(peer)
        for item in listed:
            ledger = _follow(peer, item)
            if ledger is None or ledger.forked:
                continue
            note = item.get("checkpoint")
            stored += _pull(ledger, note if isinstance(note, str) else None, now)
            _pull_cosignatures(ledger, now)
        _compare_observed(peer, now)
    except transport.PeerUnreachable as exc:
        _failed(peer, str(exc))
        Peer.objects.filter(pk=peer.pk).update(last_error=str(exc))
        return stored
    except (SyncError, FederationError) as exc:
        _failed(peer, exc.message)
        Peer.objects.filter(pk=peer.pk).update(last_error=exc.message, last_seen_at=now)
        return stored
    Peer.objects.filter(pk=peer.pk).update(last_error="", last_seen_at=now)
    return stored


def _failed(peer: Peer, error: str) -> None:
    """Log what went wrong with a peer, once each time it changes: the details are for the operator, not the public."""
    if error != peer.last_error:
        logger.warning("Peer %s: %s", peer.url, error)


def _follow(peer: Peer, item: dict[str, Any]) -> RemoteLedger | None:
    """The followed ledger a list item describes; pinned on first contact, refused if it claims another's."""
    origin = str(item["origin"])
    try:
        key = Verifier.from_vkey(str(item["verifier_key"]))
    except NoteError:
        raise SyncError("bad_list", "A ledger in the peer's list has a malformed key.") from None
    if key.name != origin or origin.startswith(settings.ORIGIN_BASE + "/"):
        raise SyncError("bad_list", "A ledger in the peer's list names a key or origin that is not its own.")
    if Ledger.objects.filter(origin=origin).exists():
        return None
    existing = RemoteLedger.objects.filter(origin=origin).first()
    if existing is not None:
        if existing.peer_id is None:  # kept from a peer that was removed, and now added again
            RemoteLedger.objects.filter(pk=existing.pk, peer__isnull=True).update(peer=peer)
            existing.peer = peer
        if existing.peer_id != peer.pk:
            return None  # followed through another peer: one peer cannot speak for another's ledgers
        if existing.verifier_key != key.vkey:
            raise SyncError("key_changed", "The peer now presents another key for {origin}.", origin=origin)
        return existing
    name = node_name(origin)
    if peer.name and peer.name != name:
        raise SyncError("bad_list", "The peer lists ledgers of two different nodes.")
    if not peer.name:
        Peer.objects.filter(pk=peer.pk).update(name=name)
        peer.name = name
    title = str(item.get("title", ""))[:200]
    return RemoteLedger.objects.create(
        peer=peer, origin=origin, url=str(item["url"])[:400], title=title, verifier_key=key.vkey
    )


def _bundles(ledger: RemoteLedger, start: int, end: int) -> tuple[list[bytes], int]:
    """Entries [start, end) from the peer's entry bundles, and the bytes it cost."""
    entries: list[bytes] = []
    wire = 0
    first = start // TILE_WIDTH
    for index in range(first, (end - 1) // TILE_WIDTH + 1):
        width = min(TILE_WIDTH, end - index * TILE_WIDTH)
        tile = TileRef(0, index, width if width < TILE_WIDTH else TILE_WIDTH, entries=True)
        response = transport.get(f"{ledger.url}/{tile.path}")
        wire += response.wire
        try:
            bundle = decode_bundle(response.body)
        except TileError as exc:
            raise SyncError(
                "malformed_entry", "An entry bundle from the peer is malformed: {why}", why=exc.message
            ) from exc
        if len(bundle) != width:
            raise SyncError("malformed_entry", "An entry bundle from the peer has the wrong number of entries.")
        skip = start - index * TILE_WIDTH if index == first else 0
        entries.extend(bundle[skip:])
    return entries, wire


def _pull(ledger: RemoteLedger, note: str | None, now: datetime) -> int:
    """Bring one followed ledger up to the peer's checkpoint, verified; return the entries stored."""
    key = Verifier.from_vkey(ledger.verifier_key)
    if note is None:
        note = transport.get(f"{ledger.url}/checkpoint", limit=64 << 10).body.decode("utf-8", "replace")
    checkpoint, note = read_checkpoint(note, key)
    if checkpoint.size == ledger.size:
        frontier = Frontier.from_bytes(ledger.size, bytes(ledger.frontier))
        if frontier.root() != checkpoint.root:
            _check_fork(ledger, checkpoint, note, ledger.url, now)
        return 0
    if checkpoint.size < ledger.size:
        _check_fork(ledger, checkpoint, note, ledger.url, now)
        return 0
    if checkpoint.size - ledger.size > MAX_PULL_ENTRIES:
        raise SyncError(
            "too_far_ahead",
            "The peer is {n} entries ahead, more than one pull takes ({limit}).",
            n=checkpoint.size - ledger.size,
            limit=MAX_PULL_ENTRIES,
        )
    entries, _wire = _bundles(ledger, ledger.size, checkpoint.size)
    frontier = Frontier.from_bytes(ledger.size, bytes(ledger.frontier))
    last = bytes(ledger.last_hash) if ledger.last_hash is not None else None
    try:
        extension = verify_extension(key, ledger.size, frontier, last, note, entries)
    except SyncError as exc:
        if exc.code in {"wrong_root", "broken_chain"}:
            _check_fork(ledger, checkpoint, note, ledger.url, now)
        raise
    with transaction.atomic(durable=True):
        locked = RemoteLedger.objects.select_for_update().get(pk=ledger.pk)
        if locked.size != ledger.size:
            return 0  # another round stored it first
        RemoteEntry.objects.bulk_create(
            [
                RemoteEntry(ledger=locked, seq=r.seq, leaf_hash=h, body=d)
                for r, h, d in zip(extension.records, extension.hashes, extension.entries, strict=True)
            ],
            batch_size=500,
        )
        _index(
            locked.origin,
            [(r.seq, h, r.kind, r.body) for r, h in zip(extension.records, extension.hashes, strict=True)],
        )
        locked.size = extension.checkpoint.size
        locked.frontier = extension.frontier.to_bytes()
        locked.last_hash = extension.hashes[-1] if extension.hashes else locked.last_hash
        locked.note = extension.note
        locked.synced_at = now
        locked.save(update_fields=["size", "frontier", "last_hash", "note", "synced_at"])
    ledger.size = extension.checkpoint.size
    return len(extension.records)


def _their_hashes(ledger: RemoteLedger, size: int) -> list[bytes] | None:
    """The leaf hashes of the history the peer serves now, up to ``size`` (None if it will not serve them)."""
    if size > MAX_PULL_ENTRIES:
        return None
    try:
        entries, _ = _bundles(ledger, 0, size) if size else ([], 0)
    except (transport.PeerUnreachable, SyncError):
        return None
    return leaf_hashes(entries)


def _ours(ledger: RemoteLedger, size: int) -> list[bytes]:
    rows = RemoteEntry.objects.filter(ledger=ledger, seq__lt=size).order_by("seq").values_list("leaf_hash", flat=True)
    return [bytes(h) for h in rows]


def _check_fork(ledger: RemoteLedger, checkpoint: Checkpoint, note: str, source: str, now: datetime) -> None:
    """A checkpoint that does not extend the verified copy: keep the proof if it is a fork."""
    if not ledger.note:
        return
    earlier, _ = read_checkpoint(ledger.note, Verifier.from_vkey(ledger.verifier_key))
    if checkpoint.size <= earlier.size:
        why = conflicts(checkpoint, earlier, _ours(ledger, earlier.size))
    else:
        why = conflicts(earlier, checkpoint, _their_hashes(ledger, checkpoint.size))
    if why is None:
        return
    _keep_fork(ledger, ledger.note, note, why, source, now)


def _keep_fork(ledger: RemoteLedger, earlier: str, later: str, why: str, source: str, now: datetime) -> None:
    with transaction.atomic(durable=True):
        if not ForkEvidence.objects.filter(origin=ledger.origin, later=later).exists():
            ForkEvidence.objects.create(
                origin=ledger.origin, detected_at=now, reason=why, earlier=earlier, later=later, source=source
            )
        RemoteLedger.objects.filter(pk=ledger.pk).update(forked=True)
    logger.warning("Fork of %s detected: %s", ledger.origin, why)


def _pull_cosignatures(ledger: RemoteLedger, now: datetime) -> None:
    """Read the peer's list of cosigned checkpoints: witnessed times for its records, and a check on its history."""
    url = f"{ledger.url}/cosignatures?after={ledger.cosigned_through}"
    try:
        data = orjson.loads(transport.get(url, accept="application/json", limit=4 << 20).body)
    except orjson.JSONDecodeError:
        raise SyncError("bad_cosignatures", "The peer's list of cosignatures is not JSON.") from None
    items = data.get("cosigned") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SyncError("bad_cosignatures", "The peer's list of cosignatures is malformed.")
    key = Verifier.from_vkey(ledger.verifier_key)
    witnesses = [w for name, w in selectors.witness_keys().items() if name != node_name(ledger.origin)]
    verified = RemoteLedger.objects.get(pk=ledger.pk)
    rows, highest = [], ledger.cosigned_through
    for item in items[:1000]:
        note = item.get("note") if isinstance(item, dict) else None
        if not isinstance(note, str):
            raise SyncError("bad_cosignatures", "An item in the peer's list of cosignatures is malformed.")
        try:
            opened = open_checkpoint(note, key, witnesses)
        except (NoteError, CheckpointError) as exc:
            raise SyncError("bad_cosignatures", "A cosigned checkpoint from the peer does not verify.") from exc
        size = opened.checkpoint.size
        if size > verified.size:
            break  # not verified yet: read it next round, after the entries
        ours = ledger_root_of(verified, size)
        if ours != opened.checkpoint.root:
            _keep_fork(
                verified,
                verified.note,
                opened.note,
                f"a cosigned checkpoint at size {size} has another root",
                f"{ledger.url}/cosignatures",
                now,
            )
            return
        lines = {line for line in opened.note.splitlines(keepends=True) if line.startswith("— ")}
        for witness, timestamp in opened.cosignatures:
            line = next((x for x in lines if x.startswith(f"— {witness} ")), "")
            rows.append(Cosignature(origin=ledger.origin, size=size, witness=witness, timestamp=timestamp, line=line))
        highest = max(highest, size)
    with transaction.atomic(durable=True):
        Cosignature.objects.bulk_create(rows, ignore_conflicts=True)
        RemoteLedger.objects.filter(pk=ledger.pk).update(cosigned_through=highest)


def ledger_root_of(ledger: RemoteLedger, size: int) -> bytes:
    """The root of a followed ledger's verified tree at ``size``."""
    from confederal.ledger import root_from_leaf_hashes

    return root_from_leaf_hashes(_ours(ledger, size))


def _compare_observed(peer: Peer, now: datetime) -> None:
    """Compare the checkpoints the peer has verified of third ledgers with ours: a split view shows here."""
    try:
        data = orjson.loads(transport.get(f"{peer.url}/federation/observed", accept="application/json").body)
    except (transport.PeerUnreachable, orjson.JSONDecodeError):
        return
    observed = data.get("observed") if isinstance(data, dict) else None
    if not isinstance(observed, dict):
        return
    for ledger in RemoteLedger.objects.filter(origin__in=[o for o in observed if isinstance(o, str)], forked=False):
        note = observed.get(ledger.origin)
        if not isinstance(note, str) or not ledger.note:
            continue
        try:
            theirs, note = read_checkpoint(note, Verifier.from_vkey(ledger.verifier_key))
        except SyncError:
            continue
        if theirs.size > ledger.size:
            continue  # ahead of us: our own pull will check it
        if ledger_root_of(ledger, theirs.size) != theirs.root:
            _keep_fork(
                ledger,
                ledger.note,
                note,
                f"{peer.url} was shown another history at size {theirs.size}",
                f"{peer.url}/federation/observed",
                now,
            )
