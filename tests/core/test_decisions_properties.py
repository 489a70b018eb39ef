"""Properties every tally keeps, checked on generated ballots."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confederal.decisions import (
    METHOD_OPTIONS,
    TIME_POLL_ANSWERS,
    Ballot,
    Method,
    Rules,
    Status,
    check_choice,
    tally,
)
from confederal.ledger import canonical_json, parse_canonical_json

OPTION_IDS = ["a", "b", "c", "d", "e"]
QUORUMS = st.sampled_from([Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(1)])
TIEBREAKS = st.none() | st.binary(min_size=1, max_size=8)


def choices_for(method, options, max_score=5):
    fixed = METHOD_OPTIONS[method]
    if fixed is not None:
        return st.sampled_from(fixed)
    if method is Method.APPROVAL:
        return st.lists(st.sampled_from(options), unique=True)
    if method is Method.SCORE:
        return st.fixed_dictionaries({o: st.integers(0, max_score) for o in options})
    if method is Method.TIME_POLL:
        return st.fixed_dictionaries({o: st.sampled_from(TIME_POLL_ANSWERS) for o in options})
    return st.lists(st.sampled_from(options), unique=True)


@st.composite
def budget_choices(draw, options, rules):
    """Approvals that fit the pot: a random pick, trimmed from the end until it does."""
    chosen = draw(st.lists(st.sampled_from(options), unique=True))
    while sum(rules.cost_of(o) for o in chosen) > rules.pot:
        chosen.pop()
    return chosen


@st.composite
def budget_rules(draw, options, quorum=Fraction(1, 2)):
    """A pot and a cost for every option, none above the pot; small costs so that ties in cost happen."""
    pot = draw(st.integers(1, 40))
    costs = tuple((o, draw(st.integers(1, pot))) for o in options)
    return Rules(Method.PARTICIPATORY_BUDGET, quorum=quorum, pot=pot, costs=costs)


@st.composite
def elections(draw, methods=tuple(Method), max_ballots=12):
    method = draw(st.sampled_from(methods))
    options = [] if METHOD_OPTIONS[method] else draw(st.lists(st.sampled_from(OPTION_IDS), min_size=1, unique=True))
    if method is Method.PARTICIPATORY_BUDGET:
        rules = draw(budget_rules(options, draw(QUORUMS)))
        choices = draw(st.lists(budget_choices(options, rules), max_size=max_ballots))
    else:
        rules = Rules(method, quorum=draw(QUORUMS))
        choices = draw(st.lists(choices_for(method, options), max_size=max_ballots))
    ballots = [Ballot(f"voter-{i}", choice) for i, choice in enumerate(choices)]
    eligible = len(ballots) + draw(st.integers(0, 4))
    return rules, options, ballots, eligible, draw(TIEBREAKS)


def ranked(options):
    return st.lists(st.sampled_from(options), unique=True)


@settings(max_examples=300)
@given(elections(), st.data())
def test_the_tally_is_invariant_to_ballot_order(election, data):
    rules, options, ballots, eligible, tiebreak = election
    shuffled = data.draw(st.permutations(ballots))
    assert tally(rules, options, shuffled, eligible, tiebreak) == tally(rules, options, ballots, eligible, tiebreak)


@settings(max_examples=300)
@given(elections(methods=tuple(m for m in Method if m is not Method.TIME_POLL)), st.data())
def test_option_order_changes_nothing_except_in_a_time_poll(election, data):
    rules, options, ballots, eligible, tiebreak = election
    reordered = data.draw(st.permutations(options))
    assert tally(rules, reordered, ballots, eligible, tiebreak) == tally(rules, options, ballots, eligible, tiebreak)


@settings(max_examples=300)
@given(elections())
def test_every_outcome_is_inside_the_canonical_ledger_profile(election):
    outcome = tally(*election)
    data = outcome.to_json()
    assert parse_canonical_json(canonical_json(data)) == data
    assert outcome.participants == len(election[2])
    assert outcome.quorum_needed >= 0


@settings(max_examples=200)
@given(elections())
def test_winners_are_options_and_only_ties_have_several(election):
    rules, options, ballots, eligible, tiebreak = election
    outcome = tally(rules, options, ballots, eligible, tiebreak)
    assert set(outcome.winners) <= set(options)
    assert list(outcome.winners) == sorted(outcome.winners) or outcome.status is Status.CHOSEN
    if rules.method is Method.PARTICIPATORY_BUDGET:
        # Every funded option wins; a budget never ends in a tie.
        assert bool(outcome.winners) == (outcome.status is Status.CHOSEN)
        return
    assert (len(outcome.winners) > 1) == (outcome.status is Status.TIE)
    if outcome.status is Status.CHOSEN:
        assert len(outcome.winners) == 1
    if tiebreak is not None and rules.method in (Method.APPROVAL, Method.SCORE, Method.SCHULZE, Method.INSTANT_RUNOFF):
        assert outcome.status is not Status.TIE


@pytest.mark.slow
@settings(max_examples=200)
@given(elections())
def test_checking_a_choice_twice_changes_nothing(election):
    rules, options, ballots, _, _ = election
    for ballot in ballots:
        once = check_choice(rules.method, options, ballot.choice, rules)
        assert check_choice(rules.method, options, once, rules) == once


@pytest.mark.slow
@settings(max_examples=300)
@given(elections(methods=(Method.APPROVAL,)))
def test_approving_only_the_approval_winner_never_makes_it_lose(election):
    rules, options, ballots, eligible, tiebreak = election
    before = tally(rules, options, ballots, eligible, tiebreak)
    if before.status is not Status.CHOSEN:
        return
    (winner,) = before.winners
    after = tally(rules, options, [*ballots, Ballot("newcomer", [winner])], eligible + 1, tiebreak)
    assert (after.status, after.winners) == (Status.CHOSEN, (winner,))


def _condorcet_winner(options, rankings):
    def prefers(ranking, x, y):
        return x in ranking and (y not in ranking or ranking.index(x) < ranking.index(y))

    for x in options:
        if all(
            sum(prefers(r, x, y) for r in rankings) > sum(prefers(r, y, x) for r in rankings) for y in options if y != x
        ):
            return x
    return None


@settings(max_examples=400)
@given(
    st.lists(st.sampled_from(OPTION_IDS), min_size=2, unique=True).flatmap(
        lambda options: st.tuples(st.just(options), st.lists(ranked(options), max_size=15))
    )
)
@pytest.mark.slow
def test_schulze_elects_the_condorcet_winner_whenever_there_is_one(case):
    options, rankings = case
    winner = _condorcet_winner(options, rankings)
    if winner is None:
        return
    ballots = [Ballot(f"voter-{i}", r) for i, r in enumerate(rankings)]
    outcome = tally(Rules(Method.SCHULZE, quorum=0), options, ballots, len(ballots))
    assert (outcome.status, outcome.winners) == (Status.CHOSEN, (winner,))


@settings(max_examples=300)
@given(st.lists(st.sampled_from([["a"], ["b"], ["a", "b"], ["b", "a"], []]), max_size=15))
def test_instant_runoff_between_two_options_is_a_simple_majority(rankings):
    ballots = [Ballot(f"voter-{i}", r) for i, r in enumerate(rankings)]
    runoff = tally(Rules(Method.INSTANT_RUNOFF, quorum=0), ["a", "b"], ballots, len(ballots))
    as_votes = [Ballot(b.voter, {"a": "for", "b": "against"}.get(next(iter(b.choice), ""), "abstain")) for b in ballots]
    majority = tally(Rules(Method.SIMPLE_MAJORITY, quorum=0), [], as_votes, len(ballots))
    if majority.status is Status.NO_VOTES:
        assert runoff.status is Status.NO_VOTES
    elif majority.status is Status.ADOPTED:
        assert runoff.winners == ("a",)
    elif majority.counts["verdict"] == "against_ahead":
        assert runoff.winners == ("b",)
    else:
        # Level, or nobody voted either way: a yes/no tie rejects; the runoff finds no winner.
        assert runoff.status in (Status.TIE, Status.REJECTED)
        assert runoff.winners in ((), ("a", "b"))


@pytest.mark.slow
@settings(max_examples=200)
@given(elections(methods=(Method.INSTANT_RUNOFF,)))
def test_an_instant_runoff_winner_holds_a_majority_of_the_last_rounds_continuing_votes(election):
    outcome = tally(*election)
    if not outcome.winners or outcome.status is not Status.CHOSEN:
        return
    last = outcome.counts["rounds"][-1]
    continuing = sum(last["counts"].values())
    assert 2 * last["counts"][outcome.winners[0]] > continuing
    assert last["elected"] == outcome.winners[0]
    # Every ballot is counted or exhausted in every round.
    for record in outcome.counts["rounds"]:
        assert sum(record["counts"].values()) + record["exhausted"] == outcome.participants
