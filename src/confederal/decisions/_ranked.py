"""Ranked-ballot methods: instant runoff and Schulze."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from confederal.ledger import JSONObject, JSONValue

from ._methods import Ballot, ranking_choice
from ._outcome import Status, break_tie
from ._result import MethodResult, join_ids, parse_all, plural, resolve_top, top_headline

__all__ = ["instant_runoff", "schulze"]


def instant_runoff(options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None) -> MethodResult:
    """Count an instant-runoff decision round by round (see the package documentation for the rules)."""
    rankings = Counter(parse_all(ballots, lambda choice: ranking_choice(options, choice)))
    continuing = list(options)
    history: list[dict[str, int]] = []
    rounds: list[JSONValue] = []
    counts: JSONObject = {"rounds": rounds}
    while True:
        number = len(history) + 1
        votes = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ranking, weight in rankings.items():
            top = next((option for option in ranking if option in votes), None)
            if top is None:
                exhausted += weight
            else:
                votes[top] += weight
        history.append(votes)
        active = len(ballots) - exhausted
        eliminated: list[JSONValue] = []
        record: JSONObject = {"round": number, "counts": dict(votes), "exhausted": exhausted, "eliminated": eliminated}
        rounds.append(record)
        if active == 0:
            # Only possible in round 1: the options left after an elimination
            # have at least as many votes as those eliminated, and keep them.
            return MethodResult(Status.REJECTED, (), counts, "Rejected: nobody ranked any option")
        leader = max(continuing, key=lambda option: votes[option])
        if 2 * votes[leader] > active:
            record["elected"] = leader
            return MethodResult(
                Status.CHOSEN, (leader,), counts, _irv_headline(leader, number, votes, active, exhausted)
            )
        fewest = min(votes.values())
        tied = sorted(option for option in continuing if votes[option] == fewest)
        lowest = _backwards(tied, history)
        if len(lowest) == 1:
            if len(tied) > 1:
                record["tiebreak"] = {"among": list(tied), "chose": lowest[0], "by": "earlier_rounds"}
            doomed = lowest
        elif tiebreak is not None:
            chosen = break_tie(tiebreak, number, lowest)
            record["tiebreak"] = {"among": list(lowest), "chose": chosen, "by": "lots"}
            doomed = [chosen]
        elif len(lowest) < len(continuing):
            doomed = lowest
        else:
            record["tied"] = list(lowest)
            headline = (
                f"Tie: {join_ids(lowest)} are level in round {number} "
                f"with {plural(fewest, 'vote')} each and cannot be separated"
            )
            return MethodResult(Status.TIE, tuple(lowest), counts, headline)
        eliminated.extend(doomed)
        continuing = [option for option in continuing if option not in doomed]


def _backwards(tied: list[str], history: list[dict[str, int]]) -> list[str]:
    # Backwards tie-breaking: step back one round at a time and keep only the
    # tied options that had the fewest votes there, until one is left or the
    # first round is reached. Every tied option was continuing in every
    # earlier round, so each has a count there.
    lowest = tied
    for earlier in reversed(history[:-1]):
        fewest = min(earlier[option] for option in lowest)
        lowest = [option for option in lowest if earlier[option] == fewest]
        if len(lowest) == 1:
            break
    return lowest


def _irv_headline(winner: str, number: int, votes: dict[str, int], active: int, exhausted: int) -> str:
    text = f"Chosen: {winner} won in round {number} with {votes[winner]} of {plural(active, 'continuing vote')}"
    if exhausted:
        text += f"; {plural(exhausted, 'ballot')} exhausted"
    return text


def schulze(options: tuple[str, ...], ballots: Sequence[Ballot], tiebreak: bytes | None) -> MethodResult:
    """Count a Schulze decision with winning votes (see the package documentation for the rules)."""
    rankings = Counter(parse_all(ballots, lambda choice: ranking_choice(options, choice)))
    # d[a][b]: how many voters prefer a to b. A ranked option beats every
    # option ranked after it and every unranked one; unranked options tie.
    d = {a: {b: 0 for b in options if b != a} for a in options}
    for ranking, weight in rankings.items():
        unranked = [option for option in options if option not in ranking]
        for position, a in enumerate(ranking):
            for b in ranking[position + 1 :]:
                d[a][b] += weight
            for b in unranked:
                d[a][b] += weight
    # p[a][b]: the strength of the strongest path from a to b, a path's
    # strength being its weakest link and a link a→b existing only when a
    # beats b head to head (counted in winning votes, d[a][b]).
    p = {a: {b: d[a][b] if d[a][b] > d[b][a] else 0 for b in options if b != a} for a in options}
    for via in options:
        for a in options:
            if a == via:
                continue
            for b in options:
                if b not in (a, via):
                    p[a][b] = max(p[a][b], min(p[a][via], p[via][b]))
    counts: JSONObject = {"d": _matrix(d), "p": _matrix(p)}
    if not any(rankings.keys()):
        return MethodResult(Status.REJECTED, (), counts, "Rejected: nobody ranked any option")
    unbeaten = [a for a in options if all(p[a][b] >= p[b][a] for b in options if b != a)]
    status, winners, draw = resolve_top(unbeaten, tiebreak)
    if draw is not None:
        counts["tiebreak"] = draw
    headline = top_headline(
        unbeaten, status, winners, draw,
        tied="as unbeaten on strongest paths",
        tie="are all unbeaten on strongest paths",
        chosen=", unbeaten by any other option on strongest paths",
    )  # fmt: skip
    return MethodResult(status, winners, counts, headline)


def _matrix(rows: dict[str, dict[str, int]]) -> JSONObject:
    # Rebuilt with JSON value types, which the ledger's encoder expects.
    return {a: {b: value for b, value in row.items()} for a, row in rows.items()}
