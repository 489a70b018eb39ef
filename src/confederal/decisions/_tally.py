"""Tallying a decision: ``tally(rules, options, ballots, eligible, tiebreak)`` → ``Outcome``.

The tally is a pure function: the same rules, options, ballots and tiebreak
give the same outcome, whatever order the ballots come in. Option order matters
only where a time poll falls back to it; tied winners are listed sorted.

Input
    Every ballot is checked again as ``check_choice`` would (a stored ballot is
    not trusted), voters must be distinct non-empty strings
    (``duplicate_voter``, ``bad_voter``), ``eligible`` a whole number no
    smaller than the number of ballots (``bad_eligible``,
    ``too_many_ballots``), ``rules`` a ``Rules`` value (``bad_rules``) and
    ``tiebreak`` bytes or ``None`` (``bad_tiebreak``). Any problem raises
    ``DecisionError``.

Participation and quorum
    ``participants`` is the number of ballots: every valid ballot takes part,
    including an abstention, a stand-aside, an empty approval list or an empty
    ranking. ``quorum_needed = ceil(rules.quorum × eligible)``.

    * No ballots at all (which includes ``eligible == 0``): ``no_votes``,
      whatever the quorum.
    * Some ballots, but fewer than ``quorum_needed``: ``no_quorum``. The counts
      are still reported, computed without the tiebreak value, so no lots are
      drawn for a decision that did not count.
    * Otherwise the method decides, as below.

Consent (``consent`` / ``object`` / ``stand_aside``) and consensus (``agree`` / ``stand_aside`` / ``block``)
    Any objection (block) → ``blocked``. Otherwise, if stand-asides ÷
    participants > ``rules.max_stand_aside`` → ``no_consensus``; otherwise, if
    nobody consented (agreed) → ``no_consensus``; otherwise ``adopted``.
    Counts: each answer, ``stand_aside_share`` and ``max_stand_aside`` (as
    ``{"num", "den"}``).

Simple majority (``for`` / ``against`` / ``abstain``)
    More for than against → ``adopted``; otherwise ``rejected``, a tie
    (including 0–0) being a rejection. Abstentions count towards the quorum
    only. Counts: each answer and ``verdict``: ``for_ahead``, ``tied`` or
    ``against_ahead``.

Super majority
    for ÷ (for + against) ≥ ``rules.threshold`` → ``adopted``; otherwise, or
    if nobody voted for or against, ``rejected``. Counts: each answer,
    ``threshold`` and, when defined, ``share``.

Approval and score
    The most approvals (the highest total score) wins → ``chosen``. Several
    level at the top → ``tie`` with all of them as winners, or, given a
    tiebreak, ``chosen`` by ``break_tie(tiebreak, 0, tied)``. If nobody
    approved anything (approval) or there are no ballots (score) →
    ``rejected``. Counts: ``approvals`` or ``totals`` per option.

Instant runoff
    Each round counts every ballot for its highest-ranked continuing option;
    a ballot with none left is exhausted. An option with more than half of
    the non-exhausted ballots wins → ``chosen``. Otherwise the option with the
    fewest votes is eliminated. If several share the fewest, look back one
    round at a time (backwards tie-breaking), keeping those with the fewest
    votes in that round, until one remains. If still several: given a
    tiebreak, eliminate ``break_tie(tiebreak, round, still_tied)``; without
    one, eliminate them all together if that leaves at least one option, else
    the result is a ``tie`` between them. If no ballot ranks anything →
    ``rejected``. Counts: ``rounds``, a list of ``{"round", "counts",
    "exhausted", "eliminated": [...]}`` with ``elected`` in the winning round,
    ``tied`` in a final tie and ``tiebreak`` (``{"among", "chose", "by":
    "earlier_rounds" | "lots"}``, ``chose`` being the option eliminated) in a
    round whose elimination tie was broken.

Schulze
    ``d[a][b]`` is how many ballots rank a above b (a ranked option is above
    every unranked one; unranked options tie). A link a→b has strength
    ``d[a][b]`` if ``d[a][b] > d[b][a]``, else 0 (winning votes); ``p[a][b]``
    is the strongest path's weakest link (Floyd–Warshall widest path). The
    winners are the options a with ``p[a][b] ≥ p[b][a]`` for every b: one →
    ``chosen``; several → ``tie``, or ``chosen`` by ``break_tie(tiebreak, 0,
    tied)``. If no ballot ranks anything → ``rejected``. Counts: ``d`` and
    ``p`` as ``{a: {b: n}}`` without the diagonal.

Time poll (``yes`` / ``maybe`` / ``no`` for every slot)
    The slot with the most ``yes`` → ``chosen``; level slots are split by the
    most ``yes`` + ``maybe``, then by the earliest in the options' order.
    If no slot got a single ``yes`` or ``maybe`` → ``rejected``. Counts:
    ``slots`` (``{"yes", "maybe", "no"}`` per slot) and ``decided_by``:
    ``yes``, ``yes_and_maybe`` or ``order``.

Participatory budget (a list of chosen option ids, costing at most the pot)
    Each option's approvals are counted. Options are put in funding order:
    most approvals first, then the cheaper first; options level on both are
    ordered by lots, ``break_tie(tiebreak, k, still_level)`` picking the k-th
    (k = 0, 1, …), or, without a tiebreak, by their ids (code point order), so
    the options' order never matters. In that
    order each option with at least one approval is funded if its cost fits
    what is left of the pot; one that does not fit is skipped and the next is
    tried (greedy approval). At least one funded → ``chosen``, the funded
    options being the winners in funding order; nobody chose anything →
    ``rejected``. Counts: ``pot``, ``spent``, ``left``, ``order`` (the
    funding order), ``options`` (``{"approvals", "cost", "result"}`` per
    option, ``result`` being ``funded``, ``did_not_fit`` — with ``left``, what
    was left of the pot at its turn — or ``no_approvals``) and, where options
    were level, ``ties`` (``{"among", "order", "by": "lots" | "id_order"}``).

Wherever lots were drawn for a final tie, ``counts["tiebreak"]`` is
``{"among": [...], "chose": winner, "by": "lots"}``. ``break_tie`` documents
the draw exactly, so anyone can redo it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction

from confederal.ledger import JSONObject, JSONValue

from ._errors import DecisionError
from ._methods import (
    METHOD_OPTIONS,
    TIME_POLL_ANSWERS,
    Ballot,
    Method,
    Rules,
    answer_choice,
    approval_choice,
    budget_choice,
    check_budget,
    check_options,
    fraction_json,
    score_choice,
    time_poll_choice,
)
from ._outcome import Outcome, Status, break_tie
from ._ranked import instant_runoff, schulze
from ._result import MethodResult, join_ids, parse_all, plural, resolve_top, top_headline

__all__ = ["tally"]

# Every method counts from the same arguments, so the tally can dispatch on the method alone.
_Counter = Callable[[Rules, tuple[str, ...], Sequence[Ballot], bytes | None], MethodResult]


def tally(
    rules: Rules,
    options: Sequence[str],
    ballots: Sequence[Ballot],
    eligible: int,
    tiebreak: bytes | None = None,
) -> Outcome:
    """Count ``ballots`` under ``rules`` and return the outcome.

    ``options`` are the proposal's option ids (empty, or the fixed ones, for
    yes/no-style methods); ``eligible`` is how many members could take part;
    ``tiebreak``, if given, is a public value fixed after voting closed, used
    to draw lots for ties that the method itself cannot break. The rules for
    every method are in this module's documentation.

    Raises:
        DecisionError: bad rules, options, ballots, eligible count or
            tiebreak; an invalid ballot's error keeps its code and names the voter.
    """
    if not isinstance(rules, Rules):
        raise DecisionError("bad_rules", "The rules must be a Rules value.")
    method = rules.method
    ids = check_options(method, options)
    check_budget(rules, ids)
    if isinstance(eligible, bool) or not isinstance(eligible, int) or eligible < 0:
        raise DecisionError(
            "bad_eligible", "The number of eligible members must be a whole number ≥ 0, not {got}.", got=repr(eligible)
        )
    if tiebreak is not None and not isinstance(tiebreak, bytes):
        raise DecisionError("bad_tiebreak", "The tiebreak value must be bytes.")
    if isinstance(ballots, str | bytes) or not isinstance(ballots, Sequence):
        raise DecisionError("bad_ballot", "The ballots must be a list of Ballot values.")
    _check_voters(ballots)
    participants = len(ballots)
    if participants > eligible:
        raise DecisionError(
            "too_many_ballots",
            "There are {participants} ballots but only {eligible} eligible members.",
            participants=participants,
            eligible=eligible,
        )
    needed = math.ceil(rules.quorum * eligible)
    quorate = participants >= needed
    result = _COUNTERS[method](rules, ids, ballots, tiebreak if quorate else None)
    status: Status
    winners: tuple[str, ...]
    if participants == 0:
        status, winners = Status.NO_VOTES, ()
        explanation = f"No votes: nobody took part ({eligible} eligible; {needed} needed)."
    elif not quorate:
        status, winners = Status.NO_QUORUM, ()
        explanation = f"No quorum: {participants} of {eligible} took part; {needed} needed."
    else:
        status, winners = result.status, result.winners
        explanation = f"{result.headline} ({participants} of {eligible} took part; {needed} needed)."
    return Outcome(
        method=method,
        status=status,
        winners=winners,
        eligible=eligible,
        participants=participants,
        quorum_needed=needed,
        counts=result.counts,
        explanation=explanation,
    )


def _check_voters(ballots: Sequence[Ballot]) -> None:
    seen: set[str] = set()
    for ballot in ballots:
        if not isinstance(ballot, Ballot):
            raise DecisionError(
                "bad_ballot", "Each ballot must be a Ballot value, not {got}.", got=type(ballot).__name__
            )
        if not isinstance(ballot.voter, str) or not ballot.voter:
            raise DecisionError("bad_voter", "Each ballot needs a voter id, a non-empty string.")
        if ballot.voter in seen:
            raise DecisionError("duplicate_voter", "The voter {voter} has more than one ballot.", voter=ballot.voter)
        seen.add(ballot.voter)


def _answers(method: Method, ballots: Sequence[Ballot]) -> dict[str, int]:
    counts = dict.fromkeys(METHOD_OPTIONS[method] or (), 0)
    for answer in parse_all(ballots, lambda choice: answer_choice(method, choice)):
        counts[answer] += 1
    return counts


def _consent_like(
    rules: Rules, ballots: Sequence[Ballot], *, yes: str, veto: str, veto_noun: str, yes_verb: str
) -> MethodResult:
    counts = _answers(rules.method, ballots)
    yeses, vetoes, asides = counts[yes], counts[veto], counts["stand_aside"]
    body: JSONObject = dict(counts)
    body["max_stand_aside"] = fraction_json(rules.max_stand_aside)
    if ballots:
        body["stand_aside_share"] = fraction_json(Fraction(asides, len(ballots)))
    if vetoes:
        headline = f"Blocked: {plural(vetoes, veto_noun)}; {yeses} {yes_verb}, {asides} stood aside"
        return MethodResult(Status.BLOCKED, (), body, headline)
    if asides > rules.max_stand_aside * len(ballots):
        headline = (
            f"No consensus: {asides} of {len(ballots)} stood aside, more than the "
            f"{_fraction_text(rules.max_stand_aside)} allowed; {yeses} {yes_verb}"
        )
        return MethodResult(Status.NO_CONSENSUS, (), body, headline)
    if not yeses:
        return MethodResult(Status.NO_CONSENSUS, (), body, f"No consensus: nobody {yes_verb}; {asides} stood aside")
    headline = f"Adopted: {yeses} {yes_verb}, {asides} stood aside, no {veto_noun}s"
    return MethodResult(Status.ADOPTED, (), body, headline)


def _consent(rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None) -> MethodResult:
    return _consent_like(rules, ballots, yes="consent", veto="object", veto_noun="objection", yes_verb="consented")


def _consensus(
    rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None
) -> MethodResult:
    return _consent_like(rules, ballots, yes="agree", veto="block", veto_noun="block", yes_verb="agreed")


def _for_against(method: Method, ballots: Sequence[Ballot]) -> tuple[int, int, int, JSONObject]:
    """How many voted for, against and abstained, and a result body that starts with those counts."""
    counts = _answers(method, ballots)
    return counts["for"], counts["against"], counts["abstain"], dict(counts)


def _votes_text(votes_for: int, against: int, abstain: int) -> str:
    return f"{votes_for} for, {against} against, {abstain} abstained"


def _simple_majority(
    rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None
) -> MethodResult:
    votes_for, against, abstain, body = _for_against(rules.method, ballots)
    if votes_for > against:
        body["verdict"] = "for_ahead"
        return MethodResult(Status.ADOPTED, (), body, f"Adopted: {_votes_text(votes_for, against, abstain)}")
    if votes_for < against:
        body["verdict"] = "against_ahead"
        return MethodResult(Status.REJECTED, (), body, f"Rejected: {_votes_text(votes_for, against, abstain)}")
    body["verdict"] = "tied"
    if not votes_for:
        return MethodResult(Status.REJECTED, (), body, f"Rejected: nobody voted for or against, {abstain} abstained")
    return MethodResult(Status.REJECTED, (), body, f"Rejected: tied, {_votes_text(votes_for, against, abstain)}")


def _super_majority(
    rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None
) -> MethodResult:
    votes_for, against, abstain, body = _for_against(rules.method, ballots)
    body["threshold"] = fraction_json(rules.threshold)
    needed = f"at least {_fraction_text(rules.threshold)} needed"
    if not votes_for + against:
        return MethodResult(
            Status.REJECTED, (), body, f"Rejected: nobody voted for or against, {abstain} abstained; {needed}"
        )
    share = Fraction(votes_for, votes_for + against)
    body["share"] = fraction_json(share)
    status = Status.ADOPTED if share >= rules.threshold else Status.REJECTED
    headline = (
        f"{status.value.capitalize()}: {_votes_text(votes_for, against, abstain)} — "
        f"{_fraction_text(share)} in favour, {needed}"
    )
    return MethodResult(status, (), body, headline)


def _best_total(
    totals: dict[str, int], tiebreak: bytes | None, describe: Callable[[int], str]
) -> tuple[MethodResult, JSONObject | None]:
    best = max(totals.values())
    top = [option for option, total in totals.items() if total == best]
    status, winners, draw = resolve_top(top, tiebreak)
    rest = [total for option, total in totals.items() if option != winners[0]]
    headline = top_headline(
        top, status, winners, draw,
        tied=f"at {describe(best)} each",
        tie=f"with {describe(best)} each",
        chosen=f" with {describe(best)}" + (f"; the next best had {max(rest)}" if rest else ""),
    )  # fmt: skip
    return MethodResult(status, winners, {}, headline), draw


def _approval(
    rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None
) -> MethodResult:
    totals = dict.fromkeys(options, 0)
    for approved in parse_all(ballots, lambda choice: approval_choice(options, choice)):
        for option in approved:
            totals[option] += 1
    body: JSONObject = {"approvals": dict(totals)}
    if not any(totals.values()):
        return MethodResult(Status.REJECTED, (), body, "Rejected: nobody approved any option")
    result, draw = _best_total(totals, tiebreak, lambda n: plural(n, "approval"))
    if draw is not None:
        body["tiebreak"] = draw
    return MethodResult(result.status, result.winners, body, result.headline)


def _score(rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None) -> MethodResult:
    totals = dict.fromkeys(options, 0)
    for scores in parse_all(ballots, lambda choice: score_choice(options, choice, rules.max_score)):
        for option, score in scores.items():
            totals[option] += score
    body: JSONObject = {"totals": dict(totals)}
    if not ballots:
        return MethodResult(Status.REJECTED, (), body, "Rejected: nobody scored the options")
    result, draw = _best_total(totals, tiebreak, lambda n: f"a total score of {n}")
    if draw is not None:
        body["tiebreak"] = draw
    return MethodResult(result.status, result.winners, body, result.headline)


def _instant_runoff(
    rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None
) -> MethodResult:
    return instant_runoff(options, ballots, tiebreak)


def _schulze(rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None) -> MethodResult:
    return schulze(options, ballots, tiebreak)


def _time_poll(
    rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None
) -> MethodResult:
    slots = {slot: dict.fromkeys(TIME_POLL_ANSWERS, 0) for slot in options}
    for answers in parse_all(ballots, lambda choice: time_poll_choice(options, choice)):
        for slot, answer in answers.items():
            slots[slot][answer] += 1
    slots_json: JSONObject = {slot: dict(tallies) for slot, tallies in slots.items()}
    body: JSONObject = {"slots": slots_json}
    if not any(tallies["yes"] + tallies["maybe"] for tallies in slots.values()):
        return MethodResult(Status.REJECTED, (), body, "Rejected: no slot got a yes or a maybe")
    most_yes = max(tallies["yes"] for tallies in slots.values())
    level = [slot for slot in options if slots[slot]["yes"] == most_yes]
    decided_by, why = "yes", "most yes"
    if len(level) > 1:
        most_either = max(slots[slot]["yes"] + slots[slot]["maybe"] for slot in level)
        level = [slot for slot in level if slots[slot]["yes"] + slots[slot]["maybe"] == most_either]
        decided_by, why = "yes_and_maybe", "level on yes, most yes or maybe"
        if len(level) > 1:
            decided_by, why = "order", "level on yes and on maybe, listed first"
    body["decided_by"] = decided_by
    chosen = level[0]
    tallies = slots[chosen]
    headline = f"Chosen: {chosen} with {tallies['yes']} yes, {tallies['maybe']} maybe, {tallies['no']} no — {why}"
    return MethodResult(Status.CHOSEN, (chosen,), body, headline)


def _participatory_budget(
    rules: Rules, options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None
) -> MethodResult:
    pot = rules.pot or 0  # check_budget has made sure there is one
    approvals = dict.fromkeys(options, 0)
    for chosen in parse_all(ballots, lambda choice: budget_choice(options, choice, rules)):
        for option in chosen:
            approvals[option] += 1
    order, ties = _funding_order(options, approvals, rules, tiebreak)
    left = pot
    funded: list[str] = []
    skipped: list[str] = []
    per_option: JSONObject = {}
    for option in order:
        cost = rules.cost_of(option)
        entry: JSONObject = {"approvals": approvals[option], "cost": cost}
        if not approvals[option]:
            entry["result"] = "no_approvals"
        elif cost <= left:
            entry["result"] = "funded"
            funded.append(option)
            left -= cost
        else:
            entry.update(result="did_not_fit", left=left)
            skipped.append(option)
        per_option[option] = entry
    body: JSONObject = {"pot": pot, "spent": pot - left, "left": left, "order": list(order), "options": per_option}
    if ties:
        body["ties"] = ties
    if not funded:
        return MethodResult(Status.REJECTED, (), body, "Rejected: nobody chose any option")
    headline = f"Funded: {join_ids(funded)}, spending {pot - left} of {pot} with {left} left"
    if skipped:
        headline += f"; {join_ids(skipped)} did not fit"
    return MethodResult(Status.CHOSEN, tuple(funded), body, headline)


def _funding_order(
    options: tuple[str, ...], approvals: dict[str, int], rules: Rules, tiebreak: bytes | None
) -> tuple[list[str], list[JSONValue]]:
    """The options most approved first, then cheapest first, level ones by lots; and the record of each draw."""
    levels: dict[tuple[int, int], list[str]] = {}
    for option in options:
        levels.setdefault((-approvals[option], rules.cost_of(option)), []).append(option)
    order: list[str] = []
    ties: list[JSONValue] = []
    for key in sorted(levels):
        level = sorted(levels[key])
        if len(level) > 1 and tiebreak is not None:
            remaining, drawn = list(level), list[str]()
            while remaining:
                pick = break_tie(tiebreak, len(drawn), remaining)
                drawn.append(pick)
                remaining.remove(pick)
            level = drawn
        # Only a level some ballot chose can change what is funded; the rest is left out of the record.
        if len(level) > 1 and key[0] < 0:
            among: list[JSONValue] = list(sorted(level))
            drawn_order: list[JSONValue] = list(level)
            ties.append({"among": among, "order": drawn_order, "by": "id_order" if tiebreak is None else "lots"})
        order.extend(level)
    return order, ties


def _fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


_COUNTERS: dict[Method, _Counter] = {
    Method.CONSENT: _consent,
    Method.CONSENSUS: _consensus,
    Method.SIMPLE_MAJORITY: _simple_majority,
    Method.SUPER_MAJORITY: _super_majority,
    Method.APPROVAL: _approval,
    Method.SCORE: _score,
    Method.INSTANT_RUNOFF: _instant_runoff,
    Method.SCHULZE: _schulze,
    Method.TIME_POLL: _time_poll,
    Method.PARTICIPATORY_BUDGET: _participatory_budget,
}
