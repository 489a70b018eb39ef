"""Participatory budgets: members share a pot among options with costs (greedy approval, Decidim's threshold rule)."""

from contextlib import contextmanager
from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confederal.decisions import (
    Ballot,
    DecisionError,
    Method,
    Rules,
    Status,
    break_tie,
    check_choice,
    tally,
)
from confederal.ledger import canonical_json, parse_canonical_json
from confederal.records import Decision

from .test_decisions_properties import budget_choices, budget_rules

PB = Method.PARTICIPATORY_BUDGET
TIEBREAK = b"checkpoint root after the close"


def budget(pot, min_share=0, **costs):
    return Rules(PB, pot=pot, costs=tuple(costs.items()), min_share=min_share)


def count(rules, *choices, eligible=None, tiebreak=TIEBREAK):
    ballots = [Ballot(f"voter-{i}", list(c)) for i, c in enumerate(choices)]
    options = [option for option, _cost in rules.costs]
    return tally(rules, options, ballots, len(ballots) if eligible is None else eligible, tiebreak)


@contextmanager
def raises_code(code):
    with pytest.raises(DecisionError) as err:
        yield err
    assert err.value.code == code, err.value


def results(outcome):
    return {option: entry["result"] for option, entry in outcome.counts["options"].items()}


# --- Worked by hand ------------------------------------------------------------------------------


def test_level_approvals_fund_the_cheaper_first_and_skip_what_no_longer_fits():
    # a, b and c have two approvals each, so the cheaper go first: c (200) leaves 300, b (250)
    # leaves 50, and a (300) no longer fits.
    outcome = count(budget(500, a=300, b=250, c=200), "ac", "a", "bc", "b")
    assert (outcome.status, outcome.winners) == (Status.CHOSEN, ("c", "b"))
    assert (outcome.counts["spent"], outcome.counts["left"]) == (450, 50)
    assert outcome.counts["order"] == ["c", "b", "a"]
    assert outcome.counts["options"]["a"] == {"approvals": 2, "cost": 300, "result": "did_not_fit", "left": 50}
    assert outcome.explanation == (
        "Funded: c and b, spending 450 of 500 with 50 left; a did not fit (4 of 4 took part; 2 needed)."
    )


def test_an_option_that_does_not_fit_is_skipped_and_the_next_still_funded():
    # a (3 approvals, 8) leaves 2; b (2 approvals, 5) does not fit; c (1 approval, 2) still does.
    outcome = count(budget(10, a=8, b=5, c=2), "a", "ac", "a", "b", "b")
    assert outcome.winners == ("a", "c")
    assert results(outcome) == {"a": "funded", "b": "did_not_fit", "c": "funded"}
    assert (outcome.counts["spent"], outcome.counts["left"]) == (10, 0)


def test_an_option_nobody_chose_is_not_funded_even_if_it_fits():
    outcome = count(budget(10, a=3, b=3), "a", "")
    assert outcome.winners == ("a",)
    assert results(outcome) == {"a": "funded", "b": "no_approvals"}
    assert "ties" not in outcome.counts


def test_nobody_choosing_anything_funds_nothing():
    outcome = count(budget(10, a=3, b=3), "", "")
    assert (outcome.status, outcome.winners) == (Status.REJECTED, ())
    assert outcome.explanation.startswith("Rejected: nobody chose any option")
    assert (outcome.counts["spent"], outcome.counts["left"]) == (0, 10)


def test_options_level_on_approvals_and_cost_are_ordered_by_lots():
    # Both cost 6 of a pot of 10: only one can be funded, and the draw says which.
    outcome = count(budget(10, a=6, b=6), "a", "b")
    first = break_tie(TIEBREAK, 0, ["a", "b"])
    assert outcome.winners == (first,)
    assert outcome.counts["ties"] == [{"among": ["a", "b"], "order": [first, "ba"[first == "b"]], "by": "lots"}]


def test_without_a_tiebreak_level_options_go_in_id_order():
    outcome = count(budget(10, b=6, a=6), "a", "b", tiebreak=None)
    assert outcome.winners == ("a",)
    assert outcome.counts["ties"] == [{"among": ["a", "b"], "order": ["a", "b"], "by": "id_order"}]


def test_too_few_ballots_fund_nothing_but_are_still_counted():
    outcome = count(budget(10, a=3), "a", eligible=5)
    assert (outcome.status, outcome.winners) == (Status.NO_QUORUM, ())
    assert outcome.counts["options"]["a"]["approvals"] == 1


# --- Ballots -------------------------------------------------------------------------------------


def test_a_ballot_over_the_pot_is_refused_naming_its_total_and_the_pot():
    rules = budget(500, a=300, b=250)
    with raises_code("over_pot") as err:
        check_choice(PB, ["a", "b"], ["a", "b"], rules)
    assert err.value.message == "The options chosen cost 550 in all, more than the pot of 500."
    assert err.value.params == {"total": 550, "pot": 500}


def test_a_ballot_comes_back_in_the_options_order():
    assert check_choice(PB, ["a", "b"], ["b", "a"], budget(10, a=3, b=3)) == ["a", "b"]


def test_a_least_share_refuses_a_ballot_that_spends_too_little_but_not_an_empty_one():
    rules = budget(100, Fraction(1, 2), a=40, b=10, c=60)
    with raises_code("under_min_share") as err:
        check_choice(PB, ["a", "b", "c"], ["a"], rules)
    assert err.value.params == {"total": 40, "least": 50, "pot": 100}
    assert check_choice(PB, ["a", "b", "c"], ["a", "b"], rules) == ["a", "b"]
    assert check_choice(PB, ["a", "b", "c"], [], rules) == []


def test_a_stored_ballot_over_the_pot_is_refused_by_the_tally_too():
    with raises_code("over_pot") as err:
        count(budget(5, a=3, b=3), "ab")
    assert "voter-0" in err.value.message


# --- Rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("pot", [0, -5, True, 2.5, "100", 10**15])
def test_a_pot_must_be_whole_minor_units_above_zero(pot):
    with raises_code("bad_pot"):
        Rules(PB, pot=pot)


@pytest.mark.parametrize("cost", [0, -1, False, 1.0, None])
def test_a_cost_must_be_whole_minor_units_above_zero(cost):
    with raises_code("bad_cost"):
        Rules(PB, pot=10, costs=(("a", cost),))


def test_an_option_priced_twice_is_refused():
    with raises_code("duplicate_option"):
        Rules(PB, pot=10, costs=(("a", 1), ("a", 2)))


@pytest.mark.parametrize("extra", [{"pot": 10}, {"costs": (("a", 1),)}, {"min_share": Fraction(1, 2)}])
def test_only_a_budget_has_a_pot_costs_or_a_least_share(extra):
    with raises_code("not_a_budget"):
        Rules(Method.APPROVAL, **extra)


@pytest.mark.parametrize(
    ("rules", "options", "code"),
    [
        (Rules(PB), ["a"], "no_pot"),
        (budget(10, a=3), ["a", "b"], "missing_cost"),
        (budget(10, a=3, z=3), ["a"], "unknown_option"),
        (budget(10, a=3, b=11), ["a", "b"], "cost_over_pot"),
    ],
)
def test_a_budget_that_does_not_fit_its_options_is_refused_before_any_ballot(rules, options, code):
    with raises_code(code):
        check_choice(PB, options, [], rules)
    with raises_code(code):
        tally(rules, options, [], 3)


def test_old_rules_read_back_byte_for_byte_with_their_five_fields():
    old = {
        "method": "approval",
        "quorum": {"num": 1, "den": 2},
        "threshold": {"num": 2, "den": 3},
        "max_score": 5,
        "max_stand_aside": {"num": 1, "den": 3},
    }
    assert canonical_json(Rules.from_json(old).to_json()) == canonical_json(old)


def test_a_budget_s_rules_read_back_exactly():
    rules = budget(50_000, Fraction(7, 10), seeds=12_050, tools=30_000)
    data = rules.to_json()
    assert data["pot"] == 50_000
    assert data["costs"] == {"seeds": 12_050, "tools": 30_000}
    assert data["min_share"] == {"num": 7, "den": 10}
    assert Rules.from_json(data) == rules
    assert canonical_json(Rules.from_json(data).to_json()) == canonical_json(data)


@pytest.mark.parametrize(
    "change",
    [{"pot": None}, {"costs": {}}, {"costs": [["a", 1]]}, {"costs": {"a": 0}}, {"surplus": 1}],
)
def test_malformed_budget_rules_are_refused(change):
    data = {**budget(10, a=3).to_json(), **change}
    with pytest.raises(DecisionError):
        Rules.from_json(data)


def test_budget_fields_on_another_method_s_rules_are_refused():
    data = {**Rules(Method.APPROVAL).to_json(), "pot": 10}
    with raises_code("not_a_budget"):
        Rules.from_json(data)


# --- Properties ----------------------------------------------------------------------------------


@st.composite
def budgets(draw):
    options = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=1, unique=True))
    rules = draw(budget_rules(options, Fraction(0)))
    choices = draw(st.lists(budget_choices(options, rules), max_size=12))
    return rules, options, [Ballot(f"v{i}", c) for i, c in enumerate(choices)], draw(st.binary(max_size=8))


@settings(max_examples=300)
@given(budgets())
def test_what_is_funded_never_costs_more_than_the_pot(case):
    rules, options, ballots, tiebreak = case
    outcome = tally(rules, options, ballots, len(ballots), tiebreak)
    spent = sum(rules.cost_of(o) for o in outcome.winners)
    assert spent == outcome.counts["spent"] <= rules.pot
    assert outcome.counts["left"] == rules.pot - spent


@settings(max_examples=300)
@given(budgets())
def test_an_option_is_skipped_only_when_it_no_longer_fits(case):
    rules, options, ballots, tiebreak = case
    outcome = tally(rules, options, ballots, len(ballots), tiebreak)
    entries = outcome.counts["options"]
    funded = set(outcome.winners)
    for option, entry in entries.items():
        if entry["approvals"] and option not in funded:
            assert entry["result"] == "did_not_fit"
            # Nothing is ever given back, so what did not fit then does not fit at the end either.
            assert rules.cost_of(option) > entry["left"] >= outcome.counts["left"]
            # A less approved option costing as much or more is never funded in its place.
            for other in funded:
                assert not (
                    entries[other]["approvals"] < entry["approvals"] and rules.cost_of(other) >= rules.cost_of(option)
                )


@settings(max_examples=200)
@given(budgets(), st.data())
def test_the_budget_does_not_depend_on_the_order_of_ballots_or_options(case, data):
    rules, options, ballots, tiebreak = case
    outcome = tally(rules, options, ballots, len(ballots), tiebreak)
    shuffled = data.draw(st.permutations(ballots))
    reordered = data.draw(st.permutations(options))
    assert tally(rules, reordered, shuffled, len(ballots), tiebreak) == outcome


# --- In the ledger -------------------------------------------------------------------------------


def test_a_budget_decision_reads_back_exactly_and_names_what_was_funded():
    rules = budget(50_000, seeds=12_050, tools=30_000, oven=45_000)
    outcome = count(rules, ["seeds", "tools"], ["oven"], ["seeds"])
    record = Decision(
        number=4,
        proposal_kind="decision",
        title="Spring budget",
        proposed_by="Amara",
        method=PB,
        options=(("seeds", "Seed library"), ("tools", "Tool shed"), ("oven", "Bread oven")),
        rules=rules,
        opened=datetime(2027, 3, 1, tzinfo=UTC),
        closed=datetime(2027, 3, 8, tzinfo=UTC),
        outcome=outcome,
        secret=True,
        text="",
        payload={"currency": {"code": "EUR", "exponent": 2, "kind": "iso"}},
    )
    assert Decision.from_json(parse_canonical_json(canonical_json(record.to_json()))) == record
    phrase = record.describe()
    assert phrase.text == "Decision #%(number)s, %(title)s: %(outcome)s"
    funded = phrase.params["outcome"]
    assert (funded.text, funded.params) == ("%(options)s funded", {"options": ("Seed library", "Tool shed")})
