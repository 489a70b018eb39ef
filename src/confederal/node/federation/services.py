"""Every write the federation makes: peers, pulls, witnessing, federation decisions, delegates' acts, sunsets.

``check_*`` validates and authorises, raising :class:`Refused`; ``do_*`` acts. What a
peer sends is checked by the federation core before anything of it is stored, and
stored all at once or not at all. A peer that is down or slow costs one bounded
request; the round moves on to the next peer.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from confederal.federation import (
    FEDERATION_KINDS,
    CouncilCharter,
    FederationCharter,
    FederationError,
    Mandate,
    SyncError,
    breach,
    check_add_checkpoint,
    conflicts,
    cosign,
    format_add_checkpoint,
    node_name,
    parse_add_checkpoint,
    read_checkpoint,
    subject_of,
    verify_extension,
)
from confederal.ledger import (
    SIG_COSIGNATURE_V1,
    TILE_WIDTH,
    Checkpoint,
    CheckpointError,
    Frontier,
    NoteError,
    TileError,
    TileRef,
    Verifier,
    canonical_json,
    decode_bundle,
    leaf_hashes,
    open_checkpoint,
)
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.errors import Refused
from confederal.node.ledgers import selectors as ledger_selectors
from confederal.node.ledgers.keys import node_signer
from confederal.node.ledgers.models import Blob, Ledger, LedgerEntry
from confederal.node.ledgers.models import Checkpoint as StoredCheckpoint
from confederal.node.ledgers.services import (
    Record,
    append_in_transaction,
    publish,
)
from confederal.node.text import clean, one_line
from confederal.records import (
    CouncilConvened,
    CouncilJoined,
    CouncilLeft,
    CouncilSunset,
    DelegateAct,
    FederationFounded,
    FederationJoined,
    FederationLeft,
    MandateGranted,
    MandateRecalled,
)

from . import selectors, transport
from .models import (
    Cosignature,
    FederationRecord,
    ForkEvidence,
    Peer,
    RemoteEntry,
    RemoteLedger,
    Sunset,
    WitnessRequest,
    WitnessState,
)

__all__ = [
    "MAX_PULL_ENTRIES",
    "check_federation_action",
    "check_peer_url",
    "do_add_checkpoint",
    "do_add_peer",
    "do_cast_council_vote",
    "do_federation_round",
    "do_move_motion",
    "do_remember_peers",
    "do_request_cosignatures",
    "do_sunsets",
    "do_sync_peer",
    "federation_effects",
    "index_local",
    "live_grant",
]

logger = logging.getLogger(__name__)

#: The most entries one pull takes: a checkpoint further ahead than this is refused, not half-read.
MAX_PULL_ENTRIES = 200_000
#: A full round over every peer, even without hints, this often.
SLOW_ROUND = timedelta(seconds=60)
#: A peer that did not answer is tried again after this long (a node coming back is caught up soon).
RETRY = timedelta(seconds=5)


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


def _append(assembly: Assembly, records: list[Record], now: datetime) -> list[int]:
    """Append federation records to an assembly's ledger and index them, all in the caller's transaction."""
    seqs = append_in_transaction(assembly.ledger, records, now)
    index_local(assembly.ledger, seqs, records)
    return seqs


# -- peers ----------------------------------------------------------------------------------------


def check_peer_url(url: str) -> str:
    """The peer's base URL, normalised.

    Raises:
        Refused: not an http(s) URL, or this node's own.
    """
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise Refused("bad_peer_url", _("A peer is named by its address, such as https://assembly.example.org."))
    if url == settings.PUBLIC_URL:
        raise Refused("peer_is_self", _("That is this node's own address."))
    if len(url) > 300:
        raise Refused("bad_peer_url", _("That address is too long."))
    return url


def do_remember_peers(urls: Sequence[str], now: datetime) -> list[Peer]:
    """Make sure each address is a peer (contact comes with the next federation round)."""
    peers = []
    for url in urls:
        clean_url = check_peer_url(url)
        peer, _created = Peer.objects.get_or_create(url=clean_url, defaults={"added_at": now, "wanted": True})
        peers.append(peer)
    return peers


def do_add_peer(url: str, now: datetime) -> Peer:
    """Remember a peer and make first contact (pinning its ledgers' keys); a peer that is down is kept."""
    url = check_peer_url(url)
    peer, _created = Peer.objects.get_or_create(url=url, defaults={"added_at": now, "wanted": True})
    do_sync_peer(peer, now)
    peer.refresh_from_db()
    return peer


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
        Peer.objects.filter(pk=peer.pk).update(last_error=str(exc))
        return stored
    except (SyncError, FederationError) as exc:
        Peer.objects.filter(pk=peer.pk).update(last_error=exc.message, last_seen_at=now)
        return stored
    Peer.objects.filter(pk=peer.pk).update(last_error="", last_seen_at=now)
    return stored


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


# -- witnessing -----------------------------------------------------------------------------------


def _witness_signer() -> Any:
    return node_signer().with_name(selectors.here(), SIG_COSIGNATURE_V1)


def do_add_checkpoint(body: bytes, now: datetime) -> tuple[int, bytes, str]:
    """Answer a tlog-witness add-checkpoint request: (status, body, content type)."""
    try:
        request = parse_add_checkpoint(body)
    except FederationError as exc:
        return 400, exc.message.encode() + b"\n", "text/plain; charset=utf-8"
    try:
        origin = request.note.split("\n", 1)[0]
    except IndexError:
        origin = ""
    followed = RemoteLedger.objects.filter(origin=origin).first()
    key = Verifier.from_vkey(followed.verifier_key) if followed is not None else None
    with transaction.atomic(durable=True):
        state = WitnessState.objects.select_for_update().filter(origin=origin).first()
        latest = (state.size, bytes(state.root)) if state is not None else None
        verdict = check_add_checkpoint(request, key, latest)
        if verdict.status == 409:
            return 409, f"{verdict.size}\n".encode(), "text/x.tlog.size"
        if verdict.status != 200 or verdict.checkpoint is None:
            return verdict.status, verdict.message.encode() + b"\n", "text/plain; charset=utf-8"
        checkpoint = verdict.checkpoint
        line = cosign(checkpoint, _witness_signer(), int(now.timestamp()))
        if state is None:
            WitnessState.objects.create(
                origin=origin, size=checkpoint.size, root=checkpoint.root, note=request.note, cosigned_at=now
            )
        else:
            state.size, state.root, state.note, state.cosigned_at = checkpoint.size, checkpoint.root, request.note, now
            state.save()
        Cosignature.objects.get_or_create(
            origin=origin,
            size=checkpoint.size,
            witness=selectors.here(),
            defaults={"timestamp": int(now.timestamp()), "line": line},
        )
    if followed is not None:
        # A log asking for a cosignature has something new: pull it soon.
        Peer.objects.filter(pk=followed.peer_id).update(wanted=True)
    return 200, line.encode(), "text/plain; charset=utf-8"


def do_request_cosignatures(now: datetime) -> int:
    """Ask every peer's witness to cosign this node's latest checkpoints; return how many cosignatures came back."""
    got = 0
    peers = list(Peer.objects.exclude(name=""))
    keys = selectors.witness_keys()
    for ledger in Ledger.objects.all():
        checkpoint = ledger_selectors.latest_checkpoint(ledger)
        for peer in peers:
            key = keys.get(peer.name)
            if (
                key is None
                or Cosignature.objects.filter(origin=ledger.origin, size=checkpoint.size, witness=peer.name).exists()
            ):
                continue
            try:
                got += _ask_witness(ledger, checkpoint, peer, key)
            except transport.PeerUnreachable as exc:
                logger.info("Witness %s did not cosign %s: %s", peer.url, ledger.origin, exc)
    return got


def _ask_witness(ledger: Ledger, checkpoint: StoredCheckpoint, peer: Peer, key: Verifier) -> int:
    progress, _ = WitnessRequest.objects.get_or_create(ledger=ledger, peer=peer)
    for _attempt in range(2):
        old = min(progress.size, checkpoint.size)
        proof = ledger_selectors.ledger_consistency_proof(ledger, old, checkpoint.size) if old else []
        body = format_add_checkpoint(old, proof, checkpoint.note)
        try:
            response = transport.post(f"{peer.url}/witness/add-checkpoint", body, "text/x.tlog.checkpoint")
        except transport.PeerUnreachable as exc:
            if exc.status == 409 and exc.body.strip().isdigit():
                progress.size = int(exc.body.strip())
                progress.save(update_fields=["size"])
                continue
            raise
        lines = response.body.decode("utf-8", "replace")
        try:
            opened = open_checkpoint(checkpoint.note + lines, Verifier.from_vkey(ledger.verifier_key), [key])
        except (NoteError, CheckpointError):
            return 0  # a bad answer counts as no answer
        stamps = [ts for name, ts in opened.cosignatures if name == key.name]
        if not stamps:
            return 0
        line = next((x for x in lines.splitlines(keepends=True) if x.startswith(f"— {key.name} ")), "")
        with transaction.atomic(durable=True):
            Cosignature.objects.get_or_create(
                origin=ledger.origin,
                size=checkpoint.size,
                witness=key.name,
                defaults={"timestamp": stamps[0], "line": line, "checkpoint": checkpoint},
            )
            progress.size = checkpoint.size
            progress.save(update_fields=["size"])
        return 1
    return 0


def cosigned_note(checkpoint: StoredCheckpoint) -> str:
    """A checkpoint as this node serves it: its signature and every witness's cosignature collected."""
    lines = Cosignature.objects.filter(checkpoint=checkpoint).order_by("witness").values_list("line", flat=True)
    return checkpoint.note + "".join(line for line in lines if line)


# -- federation decisions (an assembly's own proposals) -------------------------------------------


def _known_federation(federation_id: str) -> selectors.Federation:
    fed = selectors.federation(federation_id)
    if fed is None:
        raise Refused(
            "unknown_federation", _("This node knows no federation with that id; add a peer that hosts it."), 404
        )
    return fed


def _member_of(assembly: Assembly, fed: selectors.Federation) -> bool:
    return fed.state.is_member(assembly.ledger.origin)


def check_federation_action(assembly: Assembly, payload: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    """Check what a federation proposal would do; return its title and its clean payload.

    Raises:
        Refused: the action is unknown or cannot happen now (it is checked again when the vote closes).
    """
    action = payload.get("action")
    if action == "found":
        try:
            charter = FederationCharter.from_json(payload.get("charter") or {})
        except FederationError as exc:
            raise Refused(exc.code, exc.message) from exc
        return _("Found the federation %(name)s") % {"name": charter.name}, {
            "action": "found",
            "charter": charter.to_json(),
        }
    federation_id = str(payload.get("federation", ""))
    if action in {"join", "leave"}:
        fed = _known_federation(federation_id)
        member = _member_of(assembly, fed)
        if action == "join" and member:
            raise Refused(
                "already_member", _("This assembly is already in %(name)s.") % {"name": fed.state.charter.name}, 409
            )
        if action == "leave" and not member:
            raise Refused("not_member", _("This assembly is not in that federation."), 409)
        title = _("Join %(name)s") if action == "join" else _("Withdraw from %(name)s")
        return title % {"name": fed.state.charter.name}, {"action": action, "federation": fed.id}
    if action == "convene":
        council = payload.get("council") or {}
        try:
            convened = CouncilCharter.from_json(council)
        except FederationError as exc:
            raise Refused(exc.code, exc.message) from exc
        fed = _known_federation(convened.federation)
        if not _member_of(assembly, fed):
            raise Refused("not_member", _("Only a member of the federation can convene one of its councils."), 403)
        try:
            convened.check_within(fed.state.charter)
        except FederationError as exc:
            raise Refused(exc.code, exc.message) from exc
        if convened.ends_at <= now:
            raise Refused("bad_term", _("A council must end in the future."))
        return _("Convene a council: %(objective)s") % {"objective": convened.objective[:120]}, {
            "action": "convene",
            "council": convened.to_json(),
        }
    council_id = str(payload.get("council", ""))
    if action in {"join_council", "leave_council", "appoint", "recall"}:
        item = selectors.council(council_id, now)
        if item is None:
            raise Refused("unknown_council", _("This node knows no council with that id."), 404)
        origin = assembly.ledger.origin
        seat = item.state.seats.get(origin)
        seated = seat is not None and seat.left_at is None
        objective = item.state.charter.objective[:100]
        if item.state.status == "dissolved":
            raise Refused("council_over", _("This council has dissolved."), 409)
        if action == "join_council":
            if seated:
                raise Refused("already_member", _("This assembly already sits on that council."), 409)
            if not _member_of(assembly, item.federation):
                raise Refused("not_member", _("Join the federation first: only its members sit on its councils."), 403)
            return _("Join the council: %(objective)s") % {"objective": objective}, {
                "action": action,
                "council": item.id,
            }
        if not seated and action != "appoint":
            raise Refused("not_seated", _("This assembly does not sit on that council."), 409)
        if action == "leave_council":
            return _("Leave the council: %(objective)s") % {"objective": objective}, {
                "action": action,
                "council": item.id,
            }
        if action == "recall":
            current = seat.current if seat is not None else None
            if current is None:
                raise Refused("no_delegate", _("This assembly has no delegate on that council to recall."), 409)
            return _("Recall %(name)s from the council") % {"name": current.delegate}, {
                "action": "recall",
                "council": item.id,
                "grant": current.seq,
                "delegate": current.delegate,
            }
        # appoint
        name = one_line(str(payload.get("delegate", "")))
        if not assembly.members.filter(public_name=name, left_at__isnull=True).exists():
            raise Refused("not_a_member", _("The delegate must be a current member of this assembly."))
        try:
            mandate = Mandate.from_json(payload.get("mandate") or {})
        except FederationError as exc:
            raise Refused(exc.code, exc.message) from exc
        unknown = [q for q in mandate.instructions if item.state.charter.question(q) is None]
        if unknown:
            raise Refused(
                "bad_mandate",
                _("The mandate instructs on questions not on the agenda: %(q)s.") % {"q": ", ".join(unknown)},
            )
        return _("Send %(name)s as delegate, with a written mandate") % {"name": name}, {
            "action": "appoint",
            "council": item.id,
            "delegate": name,
            "mandate": {**mandate.to_json(), "text": clean(mandate.text)},
        }
    raise Refused(
        "bad_action",
        _(
            "A federation proposal founds, joins or leaves a federation, convenes or joins a "
            "council, or appoints or recalls a delegate."
        ),
    )


def federation_effects(
    assembly: Assembly, payload: dict[str, Any], number: int, now: datetime
) -> tuple[dict[str, Any], list[Record]]:
    """What an adopted federation proposal writes, checked again now (inside the closing transaction)."""
    try:
        _title, clean_payload = check_federation_action(assembly, payload, now)
    except Refused as exc:
        return {"federation": f"not carried out: {exc.message}"}, []
    action = clean_payload["action"]
    if action == "found":
        charter = FederationCharter.from_json(clean_payload["charter"])
        return {"federation": "founded"}, [Record(FederationFounded(charter, number))]
    if action == "join":
        return {"federation": "join recorded"}, [Record(FederationJoined(clean_payload["federation"], number))]
    if action == "leave":
        return {"federation": "leave recorded"}, [Record(FederationLeft(clean_payload["federation"], number))]
    if action == "convene":
        council = CouncilCharter.from_json(clean_payload["council"])
        return {"council": "convened"}, [Record(CouncilConvened(council, number))]
    if action == "join_council":
        return {"council": "council.join recorded"}, [Record(CouncilJoined(clean_payload["council"], number))]
    if action == "leave_council":
        return {"council": "council.leave recorded"}, [Record(CouncilLeft(clean_payload["council"], number))]
    if action == "appoint":
        mandate = Mandate.from_json(clean_payload["mandate"])
        grant = MandateGranted(clean_payload["council"], clean_payload["delegate"], mandate, number)
        return {"delegate": clean_payload["delegate"]}, [Record(grant)]
    recall = MandateRecalled(clean_payload["council"], clean_payload["grant"], number)
    return {"recalled": clean_payload["delegate"]}, [Record(recall)]


# -- delegates' acts ------------------------------------------------------------------------------


def live_grant(member: Member, council_id: str, now: datetime) -> tuple[selectors.Council, Any]:
    """The council and the live mandate ``member`` holds on it for their assembly.

    Raises:
        Refused: no such council, it is not sitting, or the member holds no live mandate.
    """
    item = selectors.council(council_id, now)
    if item is None:
        raise Refused("unknown_council", _("This node knows no council with that id."), 404)
    if item.state.status != "sitting":
        message = (
            _("This council has not started yet.")
            if item.state.status == "upcoming"
            else _("This council has dissolved: nothing more can be done in it.")
        )
        raise Refused("council_not_sitting", message, 409)
    seat = item.state.seats.get(member.assembly.ledger.origin)
    grant = seat.current if seat is not None else None
    if grant is None or grant.delegate != member.public_name or not grant.live(now):
        raise Refused(
            "not_delegate",
            _("You hold no live mandate from %(assembly)s on this council.") % {"assembly": member.assembly.name},
            403,
        )
    return item, grant


def do_move_motion(member: Member, council_id: str, title: str, text: str, question: str | None, now: datetime) -> int:
    """Put a motion to the council, in the delegate's home ledger; return its entry number."""
    item, grant = live_grant(member, council_id, now)
    title, text = one_line(title), clean(text)
    if not 3 <= len(title) <= 200:
        raise Refused("bad_title", _("Give the motion a title of 3 to 200 characters."))
    if len(text) > 4000:
        raise Refused("text_too_long", _("Keep a motion under 4,000 characters."))
    if question and item.state.charter.question(question) is None:
        raise Refused("bad_question", _("That question is not on the council's agenda."))
    return _act(member.assembly, DelegateAct(council_id, grant.seq, "motion", title, text, question or None), now)


def do_cast_council_vote(member: Member, council_id: str, motion: str, choice: str, now: datetime) -> int:
    """Cast the delegate's vote; refused (or flagged) when it goes against the mandate, as the charter says."""
    item, grant = live_grant(member, council_id, now)
    found = next((m for m in item.state.motions if m.id == motion), None)
    if found is None:
        raise Refused("unknown_motion", _("There is no such motion on this council."), 404)
    if found.decided_at is not None:
        raise Refused("motion_decided", _("This motion is already decided."), 409)
    if choice not in {"for", "against", "abstain"}:
        raise Refused("bad_choice", _("Vote for, against or abstain."))
    why = breach(grant.mandate, found.question, choice)
    if why is not None and item.federation.state.charter.mandate_breach == "refuse":
        raise Refused(
            "against_mandate",
            _("Your mandate does not allow this vote: %(why)s. Ask your assembly to change the mandate first.")
            % {"why": why},
            409,
        )
    act = DelegateAct(
        council_id, grant.seq, "vote", motion_origin=found.origin, motion_seq=found.seq, choice=choice, breach=why
    )
    return _act(member.assembly, act, now)


def _act(assembly: Assembly, act: DelegateAct, now: datetime) -> int:
    with transaction.atomic(durable=True):
        locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
        (seq,) = _append(locked, [Record(act)], now)
    publish(assembly.ledger, now)
    return seq


# -- sunset ---------------------------------------------------------------------------------------


def do_sunsets(now: datetime) -> int:
    """After a council dissolves, each member assembly here thanks its delegates and archives the record."""
    written = 0
    local = {a.ledger.origin: a for a in Assembly.objects.select_related("ledger")}
    for fed in selectors.federations():
        for item in selectors.councils_of(fed, now):
            if item.state.status != "dissolved" or now < item.state.charter.ends_at + timedelta(seconds=10):
                continue
            for origin, seat in item.state.seats.items():
                assembly = local.get(origin)
                if assembly is None or Sunset.objects.filter(council=item.id, ledger=assembly.ledger).exists():
                    continue
                written += _sunset(assembly, item, [g.delegate for g in seat.grants], now)
    return written


def _sunset(assembly: Assembly, item: selectors.Council, delegates: list[str], now: datetime) -> int:
    archive = canonical_json(item.state.archive())
    digest = "sha256:" + hashlib.sha256(archive).hexdigest()
    thanks = list(dict.fromkeys(delegates))
    # The note is part of the permanent record, so it is written in the protocol's language, not the reader's.
    body = CouncilSunset(
        item.id, tuple(thanks), digest, "The council has dissolved. Thank you for serving, and for stepping back."
    )
    try:
        with transaction.atomic(durable=True):
            locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
            Blob.objects.get_or_create(
                digest=digest, defaults={"data": archive, "media_type": "application/json", "created_at": now}
            )
            (seq,) = _append(locked, [Record(body)], now)
            Sunset.objects.create(council=item.id, ledger=assembly.ledger, seq=seq)
    except IntegrityError:
        return 0
    publish(assembly.ledger, now)
    return 1


# -- the round the ticker runs --------------------------------------------------------------------


def do_federation_round(now: datetime, everyone: bool = False) -> dict[str, int]:
    """Sync the peers that hinted (all of them every minute), gather cosignatures, write sunsets."""
    pulled = 0
    for peer in Peer.objects.all():
        last = peer.last_attempt_at
        due = (
            everyone
            or peer.wanted
            or last is None
            or last <= now - SLOW_ROUND
            or (bool(peer.last_error) and last <= now - RETRY)
        )
        if due:
            pulled += do_sync_peer(peer, now)
    cosigned = do_request_cosignatures(now)
    sunsets = do_sunsets(now)
    return {"pulled": pulled, "cosigned": cosigned, "sunsets": sunsets}
