"""The federation's fund, folded from the member assemblies' own ledgers: dues, holdings, grants and transfers.

There is no fund server. Each member pays its dues into an account of its own books that holds money for the
federation (``fund_account``); the fund is the sum of those holdings. A grant passes when a majority of the
current member assemblies vote for it (each vote an ``aid.vote`` its own decision wrote), and is paid by the
holders other than the requester, each its share in proportion to what it holds (:func:`shares`). Each share is
a transfer both sides record; :func:`fund_state` matches them and reports every mismatch. The result depends on
the records alone, not on the order they are read, so every node holding the same ledgers shows the same fund.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from confederal.books import AccountKind, AccountOpened, Amount, Currency, TransactionRecorded
from confederal.charter._records import CharterAdopted
from confederal.federation import Act, AidRule
from confederal.ledger import RecordBody, RecordError

from ._records import AidOffer, AidRequest, AidVote, request_ref

__all__ = [
    "FundState",
    "Holder",
    "Mismatch",
    "PeriodDues",
    "RequestState",
    "due",
    "fund_account",
    "fund_state",
    "period_of",
    "shares",
]

_B = TypeVar("_B", bound=RecordBody)
_FUND_PREFIX = "Mutual-aid fund (held for "


def fund_account(federation_name: str) -> str:
    """The asset account an assembly's books hold its dues for a federation in (at most 64 characters)."""
    name = federation_name if len(federation_name) <= 64 - len(_FUND_PREFIX) - 1 else federation_name[:34] + "…"
    return f"{_FUND_PREFIX}{name})"


def period_of(day: date, period: str) -> tuple[date, date]:
    """The first and last day of the month, quarter or year holding ``day``."""
    if period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    first_month = day.month if period == "month" else 3 * ((day.month - 1) // 3) + 1
    last_month = first_month + (0 if period == "month" else 2)
    start = date(day.year, first_month, 1)
    after = date(day.year + 1, 1, 1) if last_month == 12 else date(day.year, last_month + 1, 1)
    return start, date.fromordinal(after.toordinal() - 1)


def due(rule: AidRule, income: Amount) -> Amount:
    """What one period's dues come to: the share of the income credited in it (rounded down), or the fixed sum."""
    if rule.fixed is not None:
        return Amount(rule.fixed, income.currency)
    assert rule.share is not None
    return Amount(max(income.minor, 0) * rule.share // 10_000, income.currency)


def shares(amount: int, holdings: Mapping[str, int]) -> dict[str, int]:
    """Split ``amount`` among the holders in proportion to what each holds, in whole minor units.

    The shares add up to ``amount`` exactly when the holders hold that much between them (largest remainders
    get the odd units, ties broken by name), and no share exceeds its holding; when they hold less, each gives
    all it holds and the grant is short. Holders holding nothing give nothing.
    """
    held = {origin: value for origin, value in sorted(holdings.items()) if value > 0}
    total = sum(held.values())
    if total <= amount:
        return held
    split = {origin: amount * value // total for origin, value in held.items()}
    left = amount - sum(split.values())
    # Fewer odd units than holders, and each floor is below its holding, so one more unit always fits.
    for origin in sorted(held, key=lambda o: (-(amount * held[o] % total), o))[:left]:
        split[origin] += 1
    return {origin: value for origin, value in split.items() if value}


@dataclass(frozen=True)
class PeriodDues:
    start: date
    end: date
    income: Amount
    owed: Amount
    paid: Amount


@dataclass
class Holder:
    """One member assembly's part in the fund."""

    origin: str
    currency: Currency | None = None
    periods: list[PeriodDues] = field(default_factory=list)
    held: int = 0
    given: int = 0
    received: int = 0

    def amount(self, minor: int) -> Amount | None:
        return None if self.currency is None else Amount(minor, self.currency)

    @property
    def owed(self) -> int:
        return sum(p.owed.minor for p in self.periods)

    @property
    def paid(self) -> int:
        return sum(p.paid.minor for p in self.periods)


@dataclass
class RequestState:
    ref: str
    origin: str
    request: AidRequest
    votes: dict[str, str] = field(default_factory=dict)
    members: int = 0
    #: What each holder owes toward a granted request, and what each has given and the requester received.
    shares: dict[str, int] = field(default_factory=dict)
    given: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)

    def count(self, choice: str) -> int:
        return sum(1 for c in self.votes.values() if c == choice)

    @property
    def granted(self) -> bool:
        return self.request.is_money and self.count("for") * 2 > self.members

    @property
    def short(self) -> int:
        """How much of a granted request the holders could not cover."""
        assert self.request.amount is not None
        return self.request.amount.minor - sum(self.shares.values()) if self.granted else 0

    @property
    def paid_in_full(self) -> bool:
        return self.granted and all(self.received.get(o, 0) >= s for o, s in self.shares.items())


@dataclass(frozen=True)
class Mismatch:
    """Something the ledgers disagree on, shown to everyone: never hidden, never settled by one node.

    ``why`` is "unmatched" (giver and receiver recorded different sums), "not_granted" (money moved for a
    request that has not passed), "not_requester" (a grant paid to someone other than the asking assembly),
    or "not_in_fund" (a transaction marked as dues that moves nothing into the fund holding).
    """

    why: str
    origin: str
    request: str = ""
    giver: str = ""
    receiver: str = ""
    given: Amount | None = None
    received: Amount | None = None
    number: int = 0


@dataclass
class FundState:
    federation: str
    rule: AidRule
    holders: list[Holder]
    requests: list[RequestState]
    offers: list[tuple[str, AidOffer]]
    mismatches: list[Mismatch]

    def totals(self) -> list[Amount]:
        """The fund: what the holders hold, per currency."""
        sums: dict[Currency, int] = {}
        for holder in self.holders:
            if holder.currency is not None:
                sums[holder.currency] = sums.get(holder.currency, 0) + holder.held
        return [Amount(v, c) for c, v in sorted(sums.items(), key=lambda cv: cv[0].code)]

    def holder(self, origin: str) -> Holder | None:
        return next((h for h in self.holders if h.origin == origin), None)

    def request(self, ref: str) -> RequestState | None:
        return next((r for r in self.requests if r.ref == ref), None)


def _read(act: Act, body: type[_B]) -> _B | None:
    try:
        return body.from_json(dict(act.body))  # type: ignore[arg-type]  # the index keeps bodies as read from JSON
    except RecordError:
        return None  # a malformed record moves nothing; the ledger page shows it for what it is


def fund_state(
    federation: str, federation_name: str, rule: AidRule, members: Sequence[str], acts: Sequence[Act], today: date
) -> FundState:
    """Fold the fund from the member ledgers' records (``acts`` of any kinds; others are passed over)."""
    account = fund_account(federation_name)
    ordered = sorted((a for a in acts if a.origin in members), key=lambda a: (a.origin, a.seq))
    holders = {origin: Holder(origin) for origin in sorted(members)}
    kinds: dict[str, dict[str, AccountKind]] = {o: {} for o in holders}
    txns: dict[str, list[TransactionRecorded]] = {o: [] for o in holders}
    currencies: dict[str, Currency] = {}
    requests: dict[str, RequestState] = {}
    offers: list[tuple[str, AidOffer]] = []
    votes: list[tuple[str, AidVote]] = []
    for act in ordered:
        if act.kind == CharterAdopted.kind:
            adopted = _read(act, CharterAdopted)
            if adopted is not None and adopted.charter.books is not None:
                currencies[act.origin] = adopted.charter.books.value.currency
        elif act.kind == AccountOpened.kind:
            opened = _read(act, AccountOpened)
            if opened is not None:
                kinds[act.origin][opened.account.name] = opened.account.kind
        elif act.kind == TransactionRecorded.kind:
            recorded = _read(act, TransactionRecorded)
            if recorded is not None:
                txns[act.origin].append(recorded)
        elif act.kind in (AidRequest.kind, AidOffer.kind, AidVote.kind) and act.body.get("federation") == federation:
            if act.kind == AidRequest.kind and (asked := _read(act, AidRequest)) is not None:
                ref = request_ref(act.origin, asked.number)
                requests.setdefault(ref, RequestState(ref, act.origin, asked, members=len(holders)))
            elif act.kind == AidOffer.kind and (offered := _read(act, AidOffer)) is not None:
                offers.append((act.origin, offered))
            elif act.kind == AidVote.kind and (voted := _read(act, AidVote)) is not None:
                votes.append((act.origin, voted))
    for origin, vote in votes:  # in each ledger's order, so an assembly's later decision replaces its earlier
        if vote.request in requests:
            requests[vote.request].votes[origin] = vote.choice
    mismatches: list[Mismatch] = []
    transfers: list[tuple[str, TransactionRecorded, int]] = []
    for origin, holder in holders.items():
        holder.currency = currencies.get(origin)
        _books(rule, federation, account, holder, kinds[origin], txns[origin], today, mismatches, transfers)
    _grants(requests, holders, transfers, mismatches)
    return FundState(
        federation,
        rule,
        list(holders.values()),
        sorted(requests.values(), key=lambda r: (r.request.by, r.ref)),
        sorted(offers, key=lambda o: (o[1].by, o[0], o[1].number)),
        mismatches,
    )


def _books(
    rule: AidRule,
    federation: str,
    account: str,
    holder: Holder,
    kinds: dict[str, AccountKind],
    txns: list[TransactionRecorded],
    today: date,
    mismatches: list[Mismatch],
    transfers: list[tuple[str, TransactionRecorded, int]],
) -> None:
    """One assembly's dues per period, holding and grant transfers, from its own books.

    Its periods run from the first its books show anything in (or today's, for books still empty) to today's.
    """
    if holder.currency is None and txns:
        holder.currency = txns[0].transaction.postings[0].amount.currency
    currency = holder.currency
    if currency is None:
        return  # no books opened: nothing is owed, nothing held
    income: dict[date, int] = {}
    paid: dict[date, int] = {}
    for recorded in txns:
        txn, aid = recorded.transaction, recorded.aid
        mine = aid is not None and aid.federation == federation
        start = period_of(txn.date, rule.period)[0]
        into_fund = sum(p.amount.minor for p in txn.postings if p.account == account and p.amount.currency == currency)
        holder.held += into_fund
        if aid is None or aid.purpose != "grant":
            credited = sum(-p.amount.minor for p in txn.postings if kinds.get(p.account) is AccountKind.INCOME)
            income[start] = income.get(start, 0) + credited
        if not mine:
            continue
        assert aid is not None
        if aid.purpose == "dues":
            if into_fund <= 0:
                mismatches.append(Mismatch("not_in_fund", holder.origin, number=recorded.number))
            paid[start] = paid.get(start, 0) + into_fund
        elif into_fund < 0:
            holder.given -= into_fund
            transfers.append((holder.origin, recorded, into_fund))
        else:
            moved = sum(p.amount.minor for p in txn.postings if p.amount.minor > 0 and p.amount.currency == currency)
            holder.received += moved
            transfers.append((holder.origin, recorded, moved))
    current = period_of(today, rule.period)[0]
    first = min(income.keys() | paid.keys() | {current})
    day = first
    while day <= max(current, first):
        start, end = period_of(day, rule.period)
        earned = Amount(income.get(start, 0), currency)
        holder.periods.append(PeriodDues(start, end, earned, due(rule, earned), Amount(paid.get(start, 0), currency)))
        day = date.fromordinal(end.toordinal() + 1)


def _grants(
    requests: dict[str, RequestState],
    holders: dict[str, Holder],
    transfers: list[tuple[str, TransactionRecorded, int]],
    mismatches: list[Mismatch],
) -> None:
    """Votes into grants, grants into shares, and each share's two records matched."""
    pairs: dict[tuple[str, str, str], list[int]] = {}
    for origin, recorded, moved in transfers:
        aid = recorded.aid
        assert aid is not None
        assert aid.request is not None
        assert aid.counterparty is not None
        giver, receiver = (origin, aid.counterparty) if moved < 0 else (aid.counterparty, origin)
        sides = pairs.setdefault((aid.request, giver, receiver), [0, 0])
        sides[0 if moved < 0 else 1] += abs(moved)
    for request in requests.values():
        amount = request.request.amount
        if not request.granted or amount is None:
            continue
        back = {giver: given for (ref, giver, _r), (given, _x) in pairs.items() if ref == request.ref}
        request.shares = shares(
            amount.minor,
            {
                h.origin: h.held + back.get(h.origin, 0)
                for h in holders.values()
                if h.origin != request.origin and h.currency == amount.currency
            },
        )
    for (ref, giver, receiver), (given, received) in sorted(pairs.items()):
        answered = requests.get(ref)
        currency = holders[giver].currency if giver in holders else None
        currency = currency or (holders[receiver].currency if receiver in holders else None)
        said = (None, None) if currency is None else (Amount(given, currency), Amount(received, currency))
        if answered is None or not answered.granted:
            mismatches.append(Mismatch("not_granted", giver, ref, giver, receiver, *said))
            continue
        if receiver != answered.origin:
            mismatches.append(Mismatch("not_requester", giver, ref, giver, receiver, *said))
            continue
        answered.given[giver] = given
        answered.received[giver] = received
        if given != received:
            mismatches.append(Mismatch("unmatched", giver, ref, giver, receiver, *said))
