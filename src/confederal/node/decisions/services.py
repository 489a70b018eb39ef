"""Writes for proposals: propose, vote, change a vote, withdraw, close, act on the outcome, review.

When a vote closes, the tally (computed by :mod:`confederal.decisions`), the
options, the window and — if the charter says votes are open — each member's
choice go into the assembly's ledger in the same transaction that closes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from confederal.books import Amount, BooksError, Currency
from confederal.charter import Ballots, CharterError, describe_rule
from confederal.decisions import (
    MAX_REASON,
    METHOD_OPTIONS,
    DecisionError,
    Method,
    Outcome,
    Rules,
    check_budget,
    check_choice,
    check_reason,
    objection_of,
    survives_amendment,
    tally,
    window_after_amendment,
)
from confederal.decisions import (
    Ballot as CoreBallot,
)
from confederal.ledger import N_, JSONObject, Phrase
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.assemblies.services import (
    charter_of,
    check_assembly_name,
    lock,
    record_charter,
    split_in_transaction,
    split_problem,
    take_number,
)
from confederal.node.errors import Refused
from confederal.node.ledgers.models import Blob
from confederal.node.ledgers.services import Record, append_in_transaction, check_fits, publish
from confederal.node.notices.selectors import OBJECTION_RAISED
from confederal.node.notices.services import do_notify
from confederal.node.text import check_line, clean, clean_json
from confederal.node.words import moment, say
from confederal.node.zones import check_zone
from confederal.records import (
    CharterAdopted,
    Decision,
    DecisionReviewed,
    ProposalAmended,
    PublishedBallot,
    StatedReason,
)

from .models import Ballot, Proposal, ProposalVersion

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_OPTIONS",
    "AmendmentDraft",
    "ProposalDraft",
    "assembly_currency",
    "budget_sum",
    "check_amend_proposal",
    "check_amendment",
    "check_change_vote",
    "check_election",
    "check_federation_proposal",
    "check_propose",
    "check_vote",
    "do_amend_proposal",
    "do_change_vote",
    "do_close",
    "do_close_due",
    "do_close_if_due",
    "do_keep_outcome",
    "do_propose",
    "do_vote",
    "do_withdraw",
    "option_labels",
    "proposal_currency",
    "rules_of",
    "split_costed",
    "stated_reasons",
    "store_blob",
    "vote_reason",
]

MAX_OPTIONS = 20
# Longer texts go into a blob referenced by digest, so the entry stays well under 64 KiB.
INLINE_TEXT_BYTES = 4000

_FIXED_LABELS = {
    "consent": "Consent",
    "object": "Object",
    "stand_aside": "Stand aside",
    "agree": "Agree",
    "block": "Block",
    "for": "For",
    "against": "Against",
    "abstain": "Abstain",
}


def option_labels(method: Method) -> list[dict[str, str]]:
    """The fixed options of a yes/no style method, with labels for people."""
    fixed = METHOD_OPTIONS[method] or ()
    return [{"id": key, "label": _(_FIXED_LABELS.get(key, key))} for key in fixed]


def rules_of(proposal: Proposal) -> Rules:
    return Rules.from_json(proposal.rules)


def assembly_currency(assembly: Assembly) -> Currency:
    """The currency the assembly counts money in: its books', else euros (it may budget before keeping books)."""
    books = charter_of(assembly).books
    return books.value.currency if books is not None else Currency.iso("EUR")


def proposal_currency(proposal: Proposal) -> Currency:
    """The currency a participatory budget's pot and costs were written in when it was proposed."""
    try:
        return Currency.from_json(proposal.payload.get("currency"))
    except BooksError:
        return assembly_currency(proposal.assembly)


def split_costed(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """Labels and costs from lines written "Seed library — 120.50" (an em or en dash, or a spaced hyphen).

    Raises:
        Refused: a line has no cost after a dash.
    """
    labels: list[str] = []
    costs: list[str] = []
    for line in (raw.strip() for raw in lines):
        if not line:
            continue
        cut = max(line.rfind(dash) for dash in ("—", "–", " - "))
        if cut <= 0:
            raise Refused(
                "missing_cost",
                _("Write each option with its cost after a dash, such as “Seed library — 120.50”: %(line)s")
                % {"line": line[:80]},
            )
        labels.append(line[:cut].strip())
        costs.append(line[cut:].lstrip("—– -").strip())
    return labels, costs


def _amount(text: str, currency: Currency, what: str) -> int:
    try:
        amount = Amount.parse(text.strip(), currency)
    except BooksError:
        amount = None
    if amount is None or amount.minor <= 0:
        raise Refused(
            "bad_amount",
            _("%(what)s is not an amount above zero in %(currency)s; write it like 120.50.")
            % {"what": what, "currency": currency.code},
        )
    return amount.minor


def _money(minor: int, currency: Currency) -> str:
    return str(Amount(minor, currency))


def _budget_rules(
    rules: Rules, options: list[dict[str, str]], pot: str, costs: Sequence[str], min_share_percent: int, cur: Currency
) -> Rules:
    """The charter's rules for a participatory budget, with this proposal's pot, costs and least share."""
    if len(costs) != len(options):
        raise Refused("missing_cost", _("Give every option a cost, and only the options."))
    if not 0 <= min_share_percent <= 100:
        raise Refused("bad_min_share", _("The least share of the pot a ballot spends is 0 to 100 percent."))
    pot_minor = _amount(pot, cur, _("The pot"))
    priced = tuple(
        (o["id"], _amount(text, cur, _("The cost of “%(option)s”") % {"option": o["label"]}))
        for o, text in zip(options, costs, strict=True)
    )
    budget = dataclasses.replace(rules, pot=pot_minor, costs=priced, min_share=Fraction(min_share_percent, 100))
    try:
        check_budget(budget, [o["id"] for o in options])
    except DecisionError as exc:
        labels = {o["id"]: o["label"] for o in options}
        raise _budget_refusal(exc, cur, labels) from exc
    return budget


def _budget_refusal(exc: DecisionError, cur: Currency, labels: dict[str, str]) -> Refused:
    """A budget's refusal from the core, its minor units written as money and its options by their labels."""
    p = exc.params
    if exc.code == "cost_over_pot":
        message = _("“%(option)s” costs %(cost)s, more than the whole pot of %(pot)s; it could never be funded.") % {
            "option": labels.get(p["option"], p["option"]),
            "cost": _money(p["cost"], cur),
            "pot": _money(p["pot"], cur),
        }
    elif exc.code == "over_pot":
        message = _(
            "The options you chose cost %(total)s in all, more than the pot of %(pot)s; "
            "choose fewer or cheaper ones. Your vote was not counted."
        ) % {"total": _money(p["total"], cur), "pot": _money(p["pot"], cur)}
    elif exc.code == "under_min_share":
        message = _(
            "The options you chose cost %(total)s in all; a ballot spends at least %(least)s of the pot of %(pot)s, "
            "or chooses nothing. Your vote was not counted."
        ) % {"total": _money(p["total"], cur), "least": _money(p["least"], cur), "pot": _money(p["pot"], cur)}
    else:
        message = exc.message
    return Refused(exc.code, message)


def budget_sum(proposal: Proposal, chosen: Sequence[str]) -> tuple[str, str, str, bool]:
    """What the chosen options of a budget cost, the pot, and what is left (or missing), as money; and if it fits.

    Options that are not the proposal's are left out: this only adds up, the vote checks.
    """
    rules, cur = rules_of(proposal), proposal_currency(proposal)
    costs = dict(rules.costs)
    total = sum(costs[o] for o in set(chosen) if o in costs)
    pot = rules.pot or 0
    return _money(total, cur), _money(pot, cur), _money(abs(pot - total), cur), total <= pot


@dataclass(frozen=True)
class ProposalDraft:
    assembly: Assembly
    author: Member
    kind: str
    title: str
    text: str
    method: Method
    options: list[dict[str, str]]
    rules: Rules
    secret: bool
    voting_days: int
    payload: JSONObject


def check_propose(
    author: Member,
    *,
    title: str,
    text: str = "",
    method: str | None = None,
    options: Sequence[str] = (),
    voting_days: int | None = None,
    kind: str = Proposal.Kind.DECISION,
    payload: JSONObject | None = None,
    pot: str = "",
    costs: Sequence[str] = (),
    min_share_percent: int = 0,
) -> ProposalDraft:
    """Validate a proposal; ``method`` and ``voting_days`` default to the charter's.

    ``options`` are labels for methods where the proposal defines its own
    (approval, score, ranked choice, time poll, participatory budget); yes/no methods have fixed options.
    A participatory budget also takes its ``pot`` and each option's cost (``costs``, in the options'
    order), written as amounts in the assembly's currency ("120.50"), and the least share of the pot
    a ballot must spend, in percent; the currency goes into the payload, so the record says what the
    amounts count.

    Raises:
        Refused: the title, text, method, options or window do not fit.
    """
    assembly = author.assembly
    charter = charter_of(assembly)
    title = check_line(title, 3, 200, "bad_title", _("Give the proposal a title of 3 to 200 characters."))
    text = clean(text)
    if len(text) > 20_000:
        raise Refused("text_too_long", _("Keep the proposal under 20,000 characters; link to longer documents."))
    try:
        chosen = Method(method) if method else charter.method.value
    except ValueError:
        raise Refused("bad_method", _("%(method)s is not a decision method.") % {"method": method}) from None
    if METHOD_OPTIONS[chosen] is None:
        too_long = _("Keep each option under 200 characters.")
        labels = [check_line(o, 1, 200, "bad_options", too_long) for o in options if o.strip()]
        if not 2 <= len(labels) <= MAX_OPTIONS:
            raise Refused(
                "bad_options", _("This method needs between 2 and %(n)d options, one per line.") % {"n": MAX_OPTIONS}
            )
        if len(set(labels)) != len(labels):
            raise Refused("bad_options", _("Two options have the same wording."))
        option_list = [{"id": str(i), "label": label} for i, label in enumerate(labels, 1)]
    else:
        option_list = option_labels(chosen)
    days = charter.voting_days.value if voting_days is None else voting_days
    if not 1 <= days <= 90:
        raise Refused("bad_window", _("A vote stays open between 1 and 90 days."))
    payload = clean_json(payload or {})
    rules = charter.decision_rules(chosen)
    if chosen is Method.PARTICIPATORY_BUDGET:
        currency = assembly_currency(assembly)
        rules = _budget_rules(rules, option_list, pot, costs, min_share_percent, currency)
        payload["currency"] = currency.to_json()
    elif pot.strip() or any(c.strip() for c in costs) or min_share_percent:
        raise Refused("not_a_budget", _("A pot and costs belong only to a participatory budget."))
    _check_fits(title, text, option_list, payload)
    return ProposalDraft(
        assembly=assembly,
        author=author,
        kind=kind,
        title=title,
        text=text,
        method=chosen,
        options=option_list,
        rules=rules,
        secret=charter.ballots.value is Ballots.SECRET,
        voting_days=days,
        payload=payload,
    )


# Room left in a decision entry for the tally and the ballots once the vote closes.
_OUTCOME_ROOM = 16_000


def _check_fits(title: str, text: str, options: list[dict[str, str]], payload: JSONObject) -> None:
    """Refuse now a proposal whose decision record could not be written when it closes."""
    inline = {"text": text} if len(text.encode()) <= INLINE_TEXT_BYTES else {"text_digest": "sha256:" + "0" * 64}
    probe: JSONObject = {"title": title, **inline, "options": options, "payload": payload, "room": "x" * _OUTCOME_ROOM}  # type: ignore[dict-item]
    check_fits(Decision.kind, probe)


def check_amendment(
    author: Member, changes: dict[str, object], review_on: date | None, text: str, now: datetime
) -> ProposalDraft:
    """Validate a charter amendment now (so an invalid one never reaches a vote) and draft its proposal.

    Raises:
        Refused: an unknown rule, an invalid value, or a review date not in the future.
    """
    charter = charter_of(author.assembly)
    review = review_on or now.date() + timedelta(days=365)
    if review <= now.date():
        raise Refused("bad_date", _("The review date of a rule must be in the future."))
    if "time_zone" in changes:
        changes = {**changes, "time_zone": check_zone(str(changes["time_zone"]))}
    if isinstance(changes.get("name"), str):
        changes = {**changes, "name": check_assembly_name(str(changes["name"]))}
    try:
        amended = charter.amended(changes, review)
    except CharterError as exc:
        raise Refused(exc.code, exc.message) from exc
    check_fits(CharterAdopted.kind, record_charter(amended).json())
    # The title is what people read in lists: each change as its sentence, never its JSON value.
    summary = "; ".join(say(describe_rule(rule, value)) for rule, value in changes.items())  # type: ignore[arg-type]
    return check_propose(
        author,
        title=(_("Amend the charter: %(summary)s") % {"summary": summary})[:200],
        text=text,
        kind=Proposal.Kind.AMENDMENT,
        payload={"changes": changes, "review_on": review.isoformat()},  # type: ignore[dict-item]
    )


def check_election(author: Member, role: str, today: date) -> ProposalDraft:
    """Draft an election to a role: the options are the members eligible under the role's limits.

    Raises:
        Refused: no such role, the role is held, or fewer than two members are eligible.
    """
    from confederal.node.roles.services import current_terms, past_terms
    from confederal.roles import eligibility

    assembly = author.assembly
    rule = charter_of(assembly).roles.get(role)
    if rule is None:
        raise Refused("unknown_role", _("This assembly's charter has no role called “%(role)s”.") % {"role": role}, 404)
    running = current_terms(assembly, today).get(role)
    if running is not None:
        raise Refused(
            "term_not_over",
            _("%(holder)s holds this role until %(end)s.") % {"holder": running.member.public_name, "end": running.end},
            409,
        )
    if assembly.proposals.filter(kind=Proposal.Kind.ELECTION, status=Proposal.Status.OPEN, payload__role=role).exists():
        raise Refused("election_open", _("An election to this role is already open: vote in it."), 409)
    members = list(assembly.members.filter(left_at__isnull=True).order_by("public_name"))
    past = past_terms(assembly, role)
    away = [m.public_name for m in members if m.away_until is not None and m.away_until >= today]
    allowed = set(eligibility([m.public_name for m in members], past, rule.value, away).eligible)
    candidates = [m for m in members if m.public_name in allowed]
    if len(candidates) < 2:
        raise Refused(
            "too_few_candidates", _("Fewer than two members can take this role now; use the rota instead."), 409
        )
    draft = check_propose(
        author,
        title=_("Elect the %(role)s") % {"role": role},
        method=Method.INSTANT_RUNOFF.value,
        options=[m.public_name for m in candidates],
        kind=Proposal.Kind.ELECTION,
        payload={"role": role},
    )
    # Options carry member ids, so the winner is unambiguous even if names change later.
    options = [{"id": str(m.pk), "label": m.public_name} for m in candidates]
    return ProposalDraft(**{**draft.__dict__, "options": options})


def check_federation_proposal(author: Member, payload: dict[str, Any], text: str, now: datetime) -> ProposalDraft:
    """Draft a proposal that founds, joins or leaves a federation, or acts on a council, by the assembly's decision.

    Raises:
        Refused: the action is unknown or cannot happen now.
    """
    from confederal.node.federation.services import check_federation_action

    title, clean_payload = check_federation_action(author.assembly, payload, now)
    # A yes-or-no question: the charter's method if it is one, else a simple majority.
    method = charter_of(author.assembly).method.value
    chosen = method.value if METHOD_OPTIONS[method] is not None else Method.SIMPLE_MAJORITY.value
    return check_propose(
        author, title=title[:200], text=text, method=chosen, kind=Proposal.Kind.FEDERATION, payload=clean_payload
    )


def do_propose(draft: ProposalDraft, now: datetime) -> Proposal:
    """Open the proposal for votes until the end of its window."""
    with transaction.atomic(durable=True):
        assembly, number = take_number(draft.assembly, "next_proposal_number")
        return Proposal.objects.create(
            assembly=assembly,
            number=number,
            author=draft.author,
            kind=draft.kind,
            title=draft.title,
            text=draft.text,
            method=draft.method.value,
            options=draft.options,
            rules=draft.rules.to_json(),
            secret=draft.secret,
            payload=draft.payload,
            opens_at=now,
            closes_at=now + timedelta(days=draft.voting_days),
        )


def _is_open(proposal: Proposal, now: datetime) -> bool:
    return proposal.status == Proposal.Status.OPEN and now < proposal.closes_at


def _refuse_closed(proposal: Proposal) -> Refused:
    if proposal.status == Proposal.Status.WITHDRAWN:
        return Refused("withdrawn", _("This proposal was withdrawn; there is nothing to vote on."), 409)
    when = moment(proposal.closes_at)
    return Refused("vote_closed", _("Voting closed on %(when)s; your vote was not counted.") % {"when": when}, 409)


def _lock_open(proposal: Proposal, now: datetime) -> Proposal:
    """The proposal read again and locked, in the caller's transaction, if its vote is still open; else the refusal.

    A ballot is checked before the transaction, so the vote may have closed since.
    """
    fresh = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not _is_open(fresh, now):
        raise _refuse_closed(fresh)
    return fresh


def _choice(proposal: Proposal, choice: object) -> Any:
    try:
        return check_choice(Method(proposal.method), [o["id"] for o in proposal.options], choice, rules_of(proposal))
    except DecisionError as exc:
        if proposal.method == Method.PARTICIPATORY_BUDGET:
            labels = {o["id"]: o["label"] for o in proposal.options}
            raise _budget_refusal(exc, proposal_currency(proposal), labels) from exc
        raise Refused(exc.code, exc.message) from exc


def _check_open_to(member: Member, proposal: Proposal, now: datetime) -> None:
    """Refuse a vote (cast or changed) by someone not a member of the proposal's assembly, or once it is closed."""
    if proposal.assembly_id != member.assembly_id or not member.active:
        raise Refused("members_only", _("Only members of this assembly can vote."), 403)
    if not _is_open(proposal, now):
        raise _refuse_closed(proposal)


def vote_reason(proposal: Proposal, choice: object, reason: str) -> str:
    """The reason for this answer as kept, if it fits: an objection, a block or a stand-aside must have one.

    Raises:
        Refused: no reason where one is needed, or a reason too long.
    """
    try:
        return check_reason(Method(proposal.method), choice, clean(reason))
    except DecisionError as exc:
        if exc.code == "reason_too_long":
            message = _("Keep the reason under %(limit)s characters.") % {"limit": f"{MAX_REASON:,}"}
        elif choice == "stand_aside":
            message = _("Say why you stand aside: your reason is published with the decision.")
        else:
            message = _(
                "Say how the proposal would cause harm: an objection needs a reason the proposer can answer. "
                "It is published with the decision."
            )
        raise Refused(exc.code, message) from exc


def check_vote(member: Member, proposal: Proposal, choice: object, now: datetime, reason: str = "") -> Any:
    """Return the normalised choice if this member may cast it now, with ``reason`` if it needs one.

    Raises:
        Refused: the vote is closed, the member already voted, the choice is not valid, or an objection,
            a block or a stand-aside comes without a reason.
    """
    _check_open_to(member, proposal, now)
    if proposal.ballots.filter(member=member).exists():
        raise Refused(
            "already_voted",
            _("You have already voted on this proposal. You can change your vote until it closes."),
            409,
        )
    normal = _choice(proposal, choice)
    vote_reason(proposal, normal, reason)
    return normal


def do_vote(member: Member, proposal: Proposal, choice: Any, now: datetime, reason: str = "") -> Ballot:
    """Cast the ballot; when it is the last member's, the vote closes at once (nothing is left to wait for)
    unless an objection stands, which keeps it open to be resolved until its window ends."""
    why = vote_reason(proposal, choice, reason)
    with transaction.atomic(durable=True):
        fresh = _lock_open(proposal, now)
        if fresh.ballots.filter(member=member).exists():
            raise Refused("already_voted", _("You have already voted on this proposal."), 409)
        ballot = Ballot.objects.create(
            proposal=fresh, member=member, choice=choice, reason=why, cast_at=now, changed_at=now
        )
        _tell_author_of_objection(fresh, member, choice, None, now)
        everyone = _everyone_agreed_to_close(fresh)
    if everyone:
        _close_early(fresh, now)
    return ballot


def _everyone_agreed_to_close(proposal: Proposal) -> bool:
    """Every current member has voted and no objection stands: nothing is left to wait for."""
    members = proposal.assembly.members.filter(left_at__isnull=True)
    if members.exclude(ballots__proposal=proposal).exists():
        return False
    objection = objection_of(Method(proposal.method))
    return objection is None or not proposal.ballots.filter(choice=objection, member__left_at__isnull=True).exists()


def _close_early(proposal: Proposal, now: datetime) -> None:
    try:
        do_close(proposal, now, early=True)
    except Exception:
        # The ballot is stored either way; the tick will close the vote.
        logger.exception("Could not close proposal %s early", proposal.pk)


def _tell_author_of_objection(
    proposal: Proposal, member: Member, choice: object, before: object, now: datetime
) -> None:
    """A new objection (or block) goes to the proposer's notices: it is theirs to answer; so does one withdrawn."""
    objection = objection_of(Method(proposal.method))
    if objection is None or (choice == objection) == (before == objection) or proposal.author_id == member.pk:
        return
    params: dict[str, Any] = {"number": proposal.number, "title": proposal.title, "name": member.public_name}
    if choice == objection:
        text = OBJECTION_RAISED
        params.pop("name")
    elif proposal.secret:
        text = N_("An objection to your proposal #%(number)s, %(title)s, is withdrawn.")
        params.pop("name")
    else:
        text = N_("%(name)s withdrew the objection to your proposal #%(number)s, %(title)s.")
    phrase = Phrase(text, params)
    do_notify(
        [proposal.author.user],
        kind="objection",
        phrase=phrase,
        url=_proposal_url(proposal),
        now=now,
        assembly=proposal.assembly,
    )


def _proposal_url(proposal: Proposal) -> str:
    return reverse("proposal", args=[proposal.assembly.slug, proposal.number])


def check_change_vote(member: Member, proposal: Proposal, choice: object, now: datetime, reason: str = "") -> Any:
    """Return the normalised new choice if the member has a vote to change and the vote is open."""
    _check_open_to(member, proposal, now)
    if not proposal.ballots.filter(member=member).exists():
        raise Refused("no_vote", _("You have not voted on this proposal yet."), 409)
    normal = _choice(proposal, choice)
    vote_reason(proposal, normal, reason)
    return normal


def do_change_vote(member: Member, proposal: Proposal, choice: Any, now: datetime, reason: str = "") -> Ballot:
    """Change the ballot (and its reason). An objector who consents or stands aside withdraws the objection: if
    everyone has voted and no objection is left, the vote closes at once."""
    why = vote_reason(proposal, choice, reason)
    with transaction.atomic(durable=True):
        fresh = _lock_open(proposal, now)
        ballot = Ballot.objects.select_for_update().get(proposal=fresh, member=member)
        before = ballot.choice
        ballot.choice, ballot.reason, ballot.changed_at = choice, why, now
        ballot.save(update_fields=["choice", "reason", "changed_at"])
        _tell_author_of_objection(fresh, member, choice, before, now)
        everyone = _everyone_agreed_to_close(fresh)
    if everyone:
        _close_early(fresh, now)
    return ballot


@dataclass(frozen=True)
class AmendmentDraft:
    proposal: Proposal
    author: Member
    title: str
    text: str
    note: str


def check_amend_proposal(
    member: Member, proposal: Proposal, *, text: str, note: str, now: datetime, title: str = ""
) -> AmendmentDraft:
    """Validate a new version of an open consent or consensus proposal, by its author.

    ``title`` may change only on a plain decision (the title of an amendment, election or split says what
    it does); left empty, it stays. ``note`` says what changed, for those asked to vote again.

    Raises:
        Refused: not the author, the vote is closed, the method has no resolution step, or the new version
            is empty, unchanged, too long, or comes without a note.
    """
    if proposal.assembly_id != member.assembly_id or proposal.author_id != member.pk or not member.active:
        raise Refused("author_only", _("Only the person who proposed it can amend it."), 403)
    if not _is_open(proposal, now):
        raise _refuse_closed(proposal)
    if objection_of(Method(proposal.method)) is None:
        raise Refused(
            "not_amendable",
            _("Only a consent or consensus proposal is amended while open; withdraw this one and propose again."),
            409,
        )
    new_title = proposal.title
    if title.strip() and proposal.kind == Proposal.Kind.DECISION:
        new_title = check_line(title, 3, 200, "bad_title", _("Give the proposal a title of 3 to 200 characters."))
    text = clean(text)
    if len(text) > 20_000:
        raise Refused("text_too_long", _("Keep the proposal under 20,000 characters; link to longer documents."))
    note = clean(note)
    if not note:
        raise Refused("note_required", _("Say what changed, so those asked to vote again see it at a glance."))
    if len(note) > MAX_REASON:
        raise Refused(
            "note_too_long", _("Keep the note of what changed under %(limit)s characters.") % {"limit": "2,000"}
        )
    if text == proposal.text and new_title == proposal.title:
        raise Refused("unchanged", _("The new version is the same as the current one; change the text first."))
    _check_fits(new_title, text, proposal.options, proposal.payload or {})
    return AmendmentDraft(proposal=proposal, author=member, title=new_title, text=text, note=note)


def _text_fields(text: str, now: datetime) -> dict[str, Any]:
    """A text for a record: inline when short, else kept as a blob and named by its digest and size."""
    raw = text.encode("utf-8")
    if len(raw) <= INLINE_TEXT_BYTES:
        return {"text": text, "text_digest": None, "text_bytes": None}
    return {"text": None, "text_digest": store_blob(raw, "text/plain; charset=utf-8", now), "text_bytes": len(raw)}


def do_amend_proposal(draft: AmendmentDraft, now: datetime) -> tuple[Proposal, int]:
    """Put the new version to the vote: consents and stand-asides are reset (objections stand until withdrawn),
    the window leaves a day to read it, the version goes into the ledger, and those whose vote was reset are told.

    Returns the proposal and how many votes were reset.
    """
    with transaction.atomic(durable=True):
        assembly = lock(draft.proposal.assembly)
        fresh = _lock_open(draft.proposal, now)
        if fresh.author_id != draft.author.pk:
            raise Refused("author_only", _("Only the person who proposed it can amend it."), 403)
        if not fresh.versions.exists():
            ProposalVersion.objects.create(
                proposal=fresh, version=1, title=fresh.title, text=fresh.text, by=fresh.author, at=fresh.opens_at
            )
        method = Method(fresh.method)
        ballots = list(fresh.ballots.select_related("member__user"))
        reset = [b for b in ballots if not survives_amendment(method, b.choice)]
        Ballot.objects.filter(pk__in=[b.pk for b in reset]).delete()
        fresh.version += 1
        fresh.title, fresh.text = draft.title, draft.text
        fresh.closes_at = window_after_amendment(fresh.closes_at, now)
        fresh.save(update_fields=["version", "title", "text", "closes_at"])
        body = ProposalAmended(
            number=fresh.number,
            version=fresh.version,
            title=fresh.title,
            by=draft.author.public_name,
            note=draft.note,
            closes=fresh.closes_at,
            **_text_fields(fresh.text, now),
        )
        (seq,) = append_in_transaction(assembly.ledger, [Record(body)], now)
        ProposalVersion.objects.create(
            proposal=fresh,
            version=fresh.version,
            title=fresh.title,
            text=fresh.text,
            note=draft.note,
            by=draft.author,
            at=now,
            ledger_seq=seq,
        )
        phrase = Phrase(
            N_("Proposal #%(number)s, %(title)s, has a new version; your vote was reset, so vote again: %(note)s"),
            {"number": fresh.number, "title": fresh.title, "note": draft.note[:150]},
        )
        voters = [b.member.user for b in reset if b.member.active and b.member_id != draft.author.pk]
        do_notify(voters, kind="amended", phrase=phrase, url=_proposal_url(fresh), now=now, assembly=assembly)
    publish(assembly.ledger, now)
    return fresh, len(reset)


def do_withdraw(member: Member, proposal: Proposal, now: datetime) -> None:
    """Let the author withdraw an open proposal; nothing was decided, so nothing is recorded."""
    with transaction.atomic(durable=True):
        fresh = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if fresh.author_id != member.pk:
            raise Refused("author_only", _("Only the person who proposed it can withdraw it."), 403)
        if not _is_open(fresh, now):
            raise _refuse_closed(fresh)
        fresh.status, fresh.closed_at = Proposal.Status.WITHDRAWN, now
        fresh.save(update_fields=["status", "closed_at"])


def store_blob(data: bytes, media_type: str, now: datetime) -> str:
    """Keep a document by its SHA-256 and return its digest reference (``sha256:…``)."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    Blob.objects.get_or_create(digest=digest, defaults={"data": data, "media_type": media_type, "created_at": now})
    return digest


def _record(
    proposal: Proposal, outcome: Outcome, ballots: Sequence[Ballot], now: datetime, effects: JSONObject
) -> Record:
    published = None
    if not proposal.secret:
        published = tuple(PublishedBallot(b.member_id, b.member.public_name, b.choice) for b in ballots)
    return Record(
        Decision(
            number=proposal.number,
            proposal_kind=proposal.kind,
            title=proposal.title,
            proposed_by=proposal.author.public_name,
            method=Method(proposal.method),
            options=tuple((o["id"], o["label"]) for o in proposal.options),
            rules=rules_of(proposal),
            opened=proposal.opens_at,
            closed=now,
            outcome=outcome,
            secret=proposal.secret,
            review_on=proposal.review_on,
            **_text_fields(proposal.text, now),
            ballots=published,
            payload=proposal.payload or {},
            effects=effects,
            reasons=stated_reasons(proposal, ballots),
            version=proposal.version if proposal.version > 1 else None,
        )
    )


def stated_reasons(proposal: Proposal, ballots: Sequence[Ballot]) -> tuple[StatedReason, ...]:
    """The reasons given with ``ballots``: by name if ballots are open; if secret, without names, in an order
    that says nothing of who gave them."""
    given = [b for b in ballots if b.reason]
    if proposal.secret:
        anonymous = [StatedReason(b.choice if isinstance(b.choice, str) else None, b.reason) for b in given]
        return tuple(sorted(anonymous, key=lambda r: (r.choice or "", r.reason)))
    return tuple(
        StatedReason(b.choice if isinstance(b.choice, str) else None, b.reason, b.member_id, b.member.public_name)
        for b in given
    )


def _adopted(outcome: Outcome) -> bool:
    return outcome.status in {"adopted", "chosen"}


def do_close(proposal: Proposal, now: datetime, early: bool = False) -> Proposal:
    """Close an open proposal whose window has ended: tally, record, and carry out what it decided.

    What an adopted proposal does (amend the charter, split, seat an elected
    member) is checked again here, under the assembly's lock; if it can no
    longer happen — members left, a name was taken, a role was removed — the
    decision is still recorded, with the effect marked as not carried out, so
    one proposal can never stop the others from closing.

    Ties a method cannot break are settled by lot from a seed derived from the
    ledger at closing time and the proposal's number. It is public and
    reproducible, but not unpredictable to someone who can compute it before
    casting the last ballot; a public randomness source will replace it.
    """
    new_assembly = None
    with transaction.atomic(durable=True):
        assembly = lock(proposal.assembly)
        fresh = Proposal.objects.select_for_update().select_related("author").get(pk=proposal.pk)
        if fresh.status != Proposal.Status.OPEN:
            return fresh
        if now < fresh.closes_at and not early:
            raise Refused("still_open", _("This vote is still open."), 409)
        # Only current members' ballots count, and only those are published.
        ballots = [b for b in fresh.ballots.select_related("member").order_by("member__public_name") if b.member.active]
        eligible = assembly.members.filter(left_at__isnull=True).count()
        counted = [CoreBallot(voter=str(b.member_id), choice=b.choice) for b in ballots]
        tiebreak = hashlib.sha256(bytes(assembly.ledger.frontier) + fresh.number.to_bytes(8, "big")).digest()
        outcome = tally(rules_of(fresh), [o["id"] for o in fresh.options], counted, eligible, tiebreak)
        fresh.status, fresh.closed_at, fresh.outcome, fresh.eligible = (
            Proposal.Status.CLOSED,
            now,
            outcome.to_json(),
            eligible,
        )
        adopted = _adopted(outcome)
        if adopted:
            fresh.review_on = now.date() + timedelta(days=charter_of(assembly).outcome_review_days.value)
        effects: JSONObject = {}
        extra: list[Record] = []
        seat: Member | None = None
        split_ok = False
        if adopted and fresh.kind == Proposal.Kind.AMENDMENT:
            effects, extra = _amend(assembly, fresh, now)
        elif adopted and fresh.kind == Proposal.Kind.ELECTION:
            seat, effects = _election_winner(assembly, fresh, outcome, now)
        elif adopted and fresh.kind == Proposal.Kind.FEDERATION:
            from confederal.node.federation.services import federation_effects

            effects, extra = federation_effects(assembly, fresh.payload, fresh.number, now)
        elif adopted and fresh.kind == Proposal.Kind.BUDGET:
            from confederal.node.books.services import budget_effects

            effects, extra = budget_effects(assembly, fresh.payload, fresh.number, fresh.title, now)
        elif adopted and fresh.kind == Proposal.Kind.SPENDING:
            from confederal.node.books.services import spending_effects

            effects, extra = spending_effects(assembly, fresh.payload, fresh.number, now)
        elif adopted and fresh.kind == Proposal.Kind.SPLIT:
            problem = split_problem(assembly, fresh.payload)
            split_ok = problem is None
            effects = {"split": "carried out" if split_ok else f"not carried out: {problem}"}
        fresh.save(update_fields=["status", "closed_at", "outcome", "eligible", "review_on"])
        written = [_record(fresh, outcome, ballots, now, effects), *extra]
        seqs = append_in_transaction(assembly.ledger, written, now)
        if fresh.kind == Proposal.Kind.FEDERATION:
            from confederal.node.federation.services import index_local

            index_local(assembly.ledger, seqs, written)
        fresh.ledger_seq = seqs[0]
        fresh.save(update_fields=["ledger_seq"])
        if adopted and fresh.kind == Proposal.Kind.BUDGET and extra:
            from confederal.node.books.services import mark_budget_seq

            mark_budget_seq(assembly, fresh.number, seqs[-1])
        if seat is not None:
            from confederal.node.roles.services import seat_in_transaction

            seat_in_transaction(assembly, str(fresh.payload["role"]), seat, fresh.number, now)
        if split_ok:
            new_assembly = split_in_transaction(assembly, fresh.payload, fresh.number, now)
    publish(assembly.ledger, now)
    if new_assembly is not None:
        publish(new_assembly.ledger, now)
    return fresh


def _amend(assembly: Assembly, proposal: Proposal, now: datetime) -> tuple[JSONObject, list[Record]]:
    changes = proposal.payload.get("changes", {})
    review_text = proposal.payload.get("review_on")
    review_on = date.fromisoformat(review_text) if review_text else now.date() + timedelta(days=365)
    try:
        amended = charter_of(assembly).amended(changes, review_on)
    except CharterError as exc:
        # Checked when proposed; another amendment adopted in between can still make it invalid.
        return {"charter": f"not applied: {exc.message}"}, []
    assembly.charter = amended.to_json()
    assembly.name, assembly.focus, assembly.principles = amended.name, amended.focus, amended.principles.value
    assembly.save(update_fields=["charter", "name", "focus", "principles"])
    note = f"Amended by proposal #{proposal.number}."
    return {"charter_version": amended.version}, [record_charter(amended, note)]


def _election_winner(
    assembly: Assembly, proposal: Proposal, outcome: Outcome, now: datetime
) -> tuple[Member | None, JSONObject]:
    from confederal.node.roles.services import election_problem

    role = str(proposal.payload.get("role", ""))
    if len(outcome.winners) != 1:
        return None, {"role": role, "seated": None, "why": "no single winner"}
    winner = assembly.members.filter(pk=int(outcome.winners[0]), left_at__isnull=True).first()
    problem = "the winner is no longer a member" if winner is None else election_problem(assembly, role, winner, now)
    if problem is not None or winner is None:
        return None, {"role": role, "seated": None, "why": problem}
    return winner, {"role": role, "seated": winner.public_name}


def do_close_due(now: datetime, assembly: Assembly | None = None) -> list[Proposal]:
    """Close every proposal whose window has ended, on the node or in one assembly.

    The node runs this every few seconds, and pages run it before showing an assembly so
    nobody sees a vote as open after its window ended. A proposal that fails to close is
    logged and skipped, so it cannot hold up the others or the page.
    """
    due = Proposal.objects.filter(status=Proposal.Status.OPEN, closes_at__lte=now).order_by("closes_at")
    if assembly is not None:
        due = due.filter(assembly=assembly)
    return [closed for proposal in due if (closed := do_close_if_due(proposal, now)).status != Proposal.Status.OPEN]


def do_close_if_due(proposal: Proposal, now: datetime) -> Proposal:
    """The proposal, closed first if its window has ended; on failure, logged and returned as it was."""
    if proposal.status != Proposal.Status.OPEN or proposal.closes_at > now:
        return proposal
    try:
        return do_close(proposal, now)
    except Exception:
        logger.exception("Could not close proposal %s of assembly %s", proposal.number, proposal.assembly_id)
        return proposal


def do_keep_outcome(member: Member, proposal: Proposal, now: datetime) -> date:
    """Record that the assembly looked again and keeps the decision; it comes back after another period."""
    with transaction.atomic(durable=True):
        assembly = lock(proposal.assembly)
        fresh = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if fresh.review_on is None or fresh.review_on > now.date() or fresh.reviewed_at is not None:
            raise Refused("not_due", _("This decision is not due for review."), 409)
        next_review = now.date() + timedelta(days=charter_of(assembly).outcome_review_days.value)
        record = Record(DecisionReviewed(fresh.number, member.public_name, next_review))
        append_in_transaction(assembly.ledger, [record], now)
        # Kept decisions come back again after another review period.
        fresh.review_on = next_review
        fresh.save(update_fields=["review_on"])
    publish(assembly.ledger, now)
    return next_review
