"""Reading the federation: folds over the records this node holds, with their witnessed times.

Every node answers these from its own verified copies, so two nodes holding the
same records answer the same — that is what makes the council's tally the same
everywhere without a council server.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.urls import reverse

from confederal.federation import (
    Act,
    CouncilState,
    FederationError,
    FederationState,
    WitnessedClock,
    council_state,
    federation_state,
    node_name,
    witness_verifier,
)
from confederal.ledger import SIG_COSIGNATURE_V1, Verifier, decode_entry, format_time
from confederal.mutual_aid import FundState, fund_state
from confederal.node.assemblies.models import Assembly
from confederal.node.ledgers.keys import node_signer
from confederal.node.ledgers.models import Checkpoint, Ledger, LedgerEntry

from .models import Cosignature, FederationRecord, ForkEvidence, Peer, RemoteEntry, RemoteLedger

__all__ = [
    "Council",
    "Federation",
    "assemblies_of",
    "cosigned_checkpoints",
    "council",
    "council_summary",
    "councils_of",
    "federation",
    "federation_json",
    "federations",
    "fork_count",
    "forks",
    "fund",
    "fund_acts",
    "fund_json",
    "here",
    "ledger_keys",
    "ledger_link",
    "member_names",
    "observed_heads",
    "peer_at",
    "peer_count",
    "peer_json",
    "peers",
    "peers_json",
    "remote_ledgers",
    "sunsets",
    "witness_keys",
]


def here() -> str:
    """This node's name as a witness."""
    return str(settings.ORIGIN_BASE)


def ledger_keys() -> dict[str, Verifier]:
    """Every ledger key this node knows: its own ledgers' and the pinned keys of ledgers it follows."""
    keys = {origin: Verifier.from_vkey(vkey) for origin, vkey in Ledger.objects.values_list("origin", "verifier_key")}
    for origin, vkey in RemoteLedger.objects.values_list("origin", "verifier_key"):
        keys.setdefault(origin, Verifier.from_vkey(vkey))
    return keys


def witness_keys() -> dict[str, Verifier]:
    """The cosignature key of every node this node knows, by node name (its own included)."""
    keys = {here(): node_signer().with_name(here(), SIG_COSIGNATURE_V1).verifier}
    for key in ledger_keys().values():
        keys.setdefault(node_name(key.name), witness_verifier(key))
    return keys


def _acts(records: Iterable[FederationRecord]) -> list[Act]:
    return [Act(r.origin, r.seq, r.kind, r.body, r.leaf_hash) for r in records]


def _witnessed(acts: list[Act], members: Iterable[str], quorum: int) -> list[Act]:
    """The acts with their witnessed times: cosignatures by the nodes of *other* members only."""
    nodes = {node_name(o) for o in members}
    stamps: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    origins = {a.origin for a in acts}
    for origin, size, witness, timestamp in Cosignature.objects.filter(origin__in=origins).values_list(
        "origin", "size", "witness", "timestamp"
    ):
        if witness in nodes and witness != node_name(origin):
            stamps[origin][size].append(timestamp)
    clocks = {o: WitnessedClock(list(sizes.items()), quorum) for o, sizes in stamps.items()}
    out = []
    for act in acts:
        clock = clocks.get(act.origin)
        moment = clock.at(act.seq) if clock is not None else None
        when = None if moment is None else datetime.fromtimestamp(moment, UTC)
        out.append(Act(act.origin, act.seq, act.kind, act.body, act.hash, when))
    return out


@dataclass
class Federation:
    state: FederationState
    charter_act: Act
    titles: dict[str, str]

    @property
    def id(self) -> str:
        return self.state.id

    def title(self, origin: str) -> str:
        return self.titles.get(origin, origin)


def _titles() -> dict[str, str]:
    titles = dict(Ledger.objects.values_list("origin", "title"))
    titles.update({o: t for o, t in RemoteLedger.objects.values_list("origin", "title") if t and o not in titles})
    return titles


def federations() -> list[Federation]:
    """Every federation whose charter this node holds, valid ones only."""
    found = []
    titles = _titles()
    for record in FederationRecord.objects.filter(kind="federation.charter"):
        fed = federation(record.leaf_hash, titles)
        if fed is not None:
            found.append(fed)
    return sorted(found, key=lambda f: f.state.charter.name)


def federation(federation_id: str, titles: dict[str, str] | None = None) -> Federation | None:
    charter = FederationRecord.objects.filter(kind="federation.charter", leaf_hash=federation_id).first()
    if charter is None:
        return None
    records = _acts(FederationRecord.objects.filter(subject=federation_id))
    charter_act = next(a for a in records if a.hash == federation_id)
    try:
        state = federation_state(charter_act, records)
    except FederationError:
        return None
    return Federation(state, charter_act, titles if titles is not None else _titles())


@dataclass
class Council:
    federation: Federation
    state: CouncilState

    @property
    def id(self) -> str:
        return self.state.id


def councils_of(fed: Federation, now: datetime) -> list[Council]:
    found = []
    for record in FederationRecord.objects.filter(kind="council.charter", body__federation=fed.id):
        item = council(record.leaf_hash, now, fed)
        if item is not None:
            found.append(item)
    return sorted(found, key=lambda c: c.state.charter.starts_at, reverse=True)


def council(council_id: str, now: datetime, fed: Federation | None = None) -> Council | None:
    """A council as this node folds it now; None if unknown or malformed."""
    charter = FederationRecord.objects.filter(kind="council.charter", leaf_hash=council_id).first()
    if charter is None:
        return None
    federation_id = charter.body.get("federation") if isinstance(charter.body, dict) else None
    if fed is None:
        fed = federation(str(federation_id)) if isinstance(federation_id, str) else None
    if fed is None or fed.id != federation_id:
        return None
    records = _acts(FederationRecord.objects.filter(subject__in=[council_id, fed.id]))
    members = [o for o, _ in fed.state.members] + [o for o, _ in fed.state.left]
    acts = _witnessed(records, members, fed.state.charter.witnesses)
    charter_act = next(a for a in acts if a.hash == council_id)
    try:
        state = council_state(charter_act, fed.state, acts, now)
    except FederationError:
        return None
    return Council(fed, state)


def sunsets(council_id: str) -> list[dict[str, object]]:
    """The sunset records member assemblies wrote after the council dissolved, as this node holds them."""
    found = []
    for record in FederationRecord.objects.filter(kind="council.sunset", subject=council_id).order_by("origin", "seq"):
        body = record.body if isinstance(record.body, dict) else {}
        found.append(
            {
                "assembly": record.origin,
                "seq": record.seq,
                "thanks": body.get("thanks", []),
                "archive": body.get("archive"),
                "note": body.get("note", ""),
            }
        )
    return found


# -- the mutual-aid fund ----------------------------------------------------------------------------

#: The kinds the fund fold reads, as they stand in an entry's canonical JSON (no spaces, keys in order),
#: so entries of other kinds are passed over without decoding them.
_FUND_KINDS = (b'"kind":"assembly.charter"', b'"kind":"books.account"', b'"kind":"books.transaction"', b'"kind":"aid.')


def fund_acts(origin: str) -> list[Act]:
    """The charters, books and mutual-aid records of one ledger, this node's own or a verified copy of a peer's."""
    local = Ledger.objects.filter(origin=origin).first()
    rows = (
        LedgerEntry.objects.filter(ledger=local)
        if local is not None
        else RemoteEntry.objects.filter(ledger__origin=origin)
    )
    acts = []
    for seq, body in rows.order_by("seq").values_list("seq", "body"):
        raw = bytes(body)
        if any(kind in raw for kind in _FUND_KINDS):
            entry = decode_entry(raw)
            acts.append(Act(origin, seq, entry.kind, entry.body))
    return acts


def fund(fed: Federation, today: date) -> FundState | None:
    """The federation's fund folded from its current members' ledgers as this node holds them; None without a rule."""
    rule = fed.state.charter.aid
    if rule is None:
        return None
    members = [origin for origin, _ in fed.state.members]
    acts = [act for origin in members for act in fund_acts(origin)]
    return fund_state(fed.id, fed.state.charter.name, rule, members, acts, today)


def fund_json(fed: Federation, state: FundState) -> dict[str, Any]:
    """The fund as JSON: the rule, each member's dues per period and holding, the total, requests with their votes
    and shares, offers, and mismatches (each with why, in a word, and the assemblies involved)."""

    def money(amount: Any) -> Any:
        return None if amount is None else amount.to_json()

    def ask(origin: str, body: Any) -> dict[str, Any]:
        return {"assembly": origin, "title": fed.title(origin), **body.to_json()}

    return {
        "federation": fed.id,
        "rule": state.rule.to_json(),
        "total": [money(t) for t in state.totals()],
        "assemblies": [
            {
                "assembly": h.origin,
                "title": fed.title(h.origin),
                "owed": money(h.amount(h.owed)),
                "paid": money(h.amount(h.paid)),
                "held": money(h.amount(h.held)),
                "given": money(h.amount(h.given)),
                "received": money(h.amount(h.received)),
                "periods": [
                    {
                        "start": p.start.isoformat(),
                        "end": p.end.isoformat(),
                        "income": money(p.income),
                        "owed": money(p.owed),
                        "paid": money(p.paid),
                    }
                    for p in h.periods
                ],
            }
            for h in state.holders
        ],
        "requests": [
            {
                "request": r.ref,
                **ask(r.origin, r.request),
                "votes": dict(sorted(r.votes.items())),
                "members": r.members,
                "granted": r.granted,
                "paid": r.paid_in_full,
                "shares": [
                    {"assembly": o, "share": s, "given": r.given.get(o, 0), "received": r.received.get(o, 0)}
                    for o, s in sorted(r.shares.items())
                ],
            }
            for r in state.requests
        ],
        "offers": [ask(o, offer) for o, offer in state.offers],
        "mismatches": [
            {
                "why": m.why,
                "request": m.request,
                "giver": m.giver,
                "receiver": m.receiver,
                "given": money(m.given),
                "received": money(m.received),
                "assembly": m.origin,
                "number": m.number,
            }
            for m in state.mismatches
        ],
    }


# -- for pages and the API ------------------------------------------------------------------------

#: Fork evidence shown at most, newest first as stored.
FORKS_SHOWN = 50


def cosigned_checkpoints(ledger: Ledger, after: int, limit: int) -> list[Checkpoint]:
    """Up to ``limit`` checkpoints of this node's ledger, larger than ``after``, that witnesses cosigned."""
    sizes = (
        Cosignature.objects.filter(origin=ledger.origin, checkpoint__isnull=False, size__gt=after)
        .order_by("size")
        .values_list("size", flat=True)
        .distinct()[:limit]
    )
    return list(Checkpoint.objects.filter(ledger=ledger, size__in=list(sizes)).order_by("size"))


def observed_heads() -> dict[str, str]:
    """The latest checkpoint note this node verified of every ledger it follows, by origin."""
    return {r.origin: r.note for r in RemoteLedger.objects.exclude(note="")}


def assemblies_of(user: User | AnonymousUser) -> list[Assembly]:
    """The assemblies a signed-in person is a current member of (none for a visitor)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return []
    return list(Assembly.objects.filter(members__user=user, members__left_at__isnull=True).distinct())


def member_names(assembly: Assembly) -> list[str]:
    """The public names of an assembly's current members."""
    return list(assembly.members.filter(left_at__isnull=True).values_list("public_name", flat=True))


def peer_count() -> int:
    """How many nodes this node follows."""
    return Peer.objects.count()


def fork_count() -> int:
    """How many forks this node holds evidence of."""
    return ForkEvidence.objects.count()


def peers() -> list[Peer]:
    """Every node this node follows."""
    return list(Peer.objects.all())


def peer_at(url: str) -> Peer | None:
    """The peer this node follows at this address, if any."""
    return Peer.objects.filter(url=url.strip().rstrip("/")).first()


def remote_ledgers() -> QuerySet[RemoteLedger]:
    """Every ledger this node follows, by origin, with its peer."""
    return RemoteLedger.objects.select_related("peer").order_by("origin")


def forks() -> QuerySet[ForkEvidence]:
    """The fork evidence this node holds (at most ``FORKS_SHOWN``)."""
    return ForkEvidence.objects.all()[:FORKS_SHOWN]


def ledger_link(origin: str) -> str:
    """Where a person reads the ledger with this origin: its page here, or its node's URL ("" if unknown)."""
    local = Ledger.objects.filter(origin=origin).first()
    if local is not None:
        return reverse("ledgers:page", args=[local.slug])
    remote = RemoteLedger.objects.filter(origin=origin).first()
    return remote.url if remote is not None else ""


def federation_json(fed: Federation) -> dict[str, Any]:
    """A federation as JSON: its charter, founder, members (with titles) and those who left."""
    return {
        "id": fed.id,
        "charter": fed.state.charter.to_json(),
        "founded_by": fed.state.founded_by,
        "members": [{"origin": o, "title": fed.title(o)} for o, _ in fed.state.members],
        "left": [o for o, _ in fed.state.left],
        "url": reverse("federation", args=[fed.id]),
    }


def council_summary(item: Council, moment: datetime) -> dict[str, Any]:
    """A council in brief, as of ``moment``: objective, status, times, seconds left and members."""
    charter = item.state.charter
    return {
        "id": item.id,
        "objective": charter.objective,
        "status": item.state.status,
        "starts_at": format_time(charter.starts_at),
        "ends_at": format_time(charter.ends_at),
        "seconds_left": max(int((charter.ends_at - moment).total_seconds()), 0),
        "members": item.state.members(),
        "url": reverse("council", args=[item.federation.id, item.id]),
    }


def peer_json(peer: Peer, details: bool = False) -> dict[str, Any]:
    """A peer as JSON: its state in a word ("in sync", "unreachable", "unreadable") and when it last answered;
    with ``details`` (for the operator only), what went wrong, as the node logged it."""
    out: dict[str, Any] = {
        "url": peer.url,
        "name": peer.name,
        "state": peer.trouble or "in sync",
        "last_seen_at": peer.last_seen_at,
        "last_attempt_at": peer.last_attempt_at,
    }
    if details:
        out["detail"] = peer.last_error
    return out


def peers_json(details: bool = False) -> dict[str, Any]:
    """Peers, the ledgers followed, and fork evidence: the page's JSON and the API's (``details`` for the operator)."""
    return {
        "node": here(),
        "peers": [peer_json(p, details) for p in Peer.objects.all()],
        "followed": [
            {"origin": r.origin, "size": r.size, "forked": r.forked, "pinned": r.pinned}
            for r in RemoteLedger.objects.order_by("origin")
        ],
        "forks": [
            {
                "origin": f.origin,
                "reason": f.reason,
                "earlier": f.earlier,
                "later": f.later,
                "detected_at": f.detected_at,
                "source": f.source,
            }
            for f in forks()
        ],
    }
