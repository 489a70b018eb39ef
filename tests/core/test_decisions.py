"""Decisions: rules, options, choices, the yes/no-style methods, approval, score, time polls and quorum."""

import ast
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import pytest

import confederal.decisions
from confederal.decisions import (
    METHOD_OPTIONS,
    Ballot,
    DecisionError,
    Method,
    Outcome,
    Rules,
    Status,
    break_tie,
    check_choice,
    check_options,
    tally,
)
from confederal.ledger import canonical_json, parse_canonical_json

TIEBREAK = b"checkpoint root after the close"


def ballots(*choices):
    return [Ballot(f"voter-{i}", choice) for i, choice in enumerate(choices)]


def many(**counts):
    """Yes/no-style ballots from answer counts, e.g. many(for_=6, against=2)."""
    return ballots(*[answer.rstrip("_") for answer, n in counts.items() for _ in range(n)])


def decide(method, choices, options=(), eligible=None, tiebreak=None, **rules):
    eligible = len(choices) if eligible is None else eligible
    return tally(Rules(method, **rules), options, ballots(*choices), eligible, tiebreak)


@contextmanager
def raises_code(code):
    with pytest.raises(DecisionError) as err:
        yield err
    assert err.value.code == code, err.value


# --- The package's shape -------------------------------------------------------------------------

CORE_DIR = Path(confederal.decisions.__file__).parent
# Imports, clocks, randomness and __all__ are checked for every core package in tests/test_architecture.py.


def test_the_decisions_core_never_writes_a_float():
    for path in CORE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text())
        floats = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)]
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "float"]
        assert not floats, path
        assert not calls, path


# --- Rules -------------------------------------------------------------------------------------------


def test_rules_default_to_a_half_quorum_and_a_two_thirds_threshold():
    rules = Rules(Method.SUPER_MAJORITY)
    assert (rules.quorum, rules.threshold, rules.max_score, rules.max_stand_aside) == (
        Fraction(1, 2),
        Fraction(2, 3),
        5,
        Fraction(1, 3),
    )


def test_rules_accept_whole_numbers_and_a_method_name_and_store_fractions_and_the_enum():
    rules = Rules("consent", quorum=1, max_stand_aside=0)
    assert rules.method is Method.CONSENT
    assert type(rules.quorum) is Fraction
    assert rules.quorum == 1
    assert rules.max_stand_aside == 0


def test_rules_serialise_their_fractions_as_numerator_and_denominator():
    rules = Rules(Method.SCORE, quorum=Fraction(2, 4), max_score=10)
    assert rules.to_json() == {
        "method": "score",
        "quorum": {"num": 1, "den": 2},
        "threshold": {"num": 2, "den": 3},
        "max_score": 10,
        "max_stand_aside": {"num": 1, "den": 3},
    }
    canonical_json(rules.to_json())


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"method": "plurality"}, "bad_method"),
        ({"method": Method.APPROVAL, "quorum": Fraction(3, 2)}, "bad_quorum"),
        ({"method": Method.APPROVAL, "quorum": Fraction(-1, 2)}, "bad_quorum"),
        ({"method": Method.APPROVAL, "quorum": 0.5}, "bad_quorum"),
        ({"method": Method.APPROVAL, "quorum": True}, "bad_quorum"),
        ({"method": Method.SUPER_MAJORITY, "threshold": Fraction(1, 3)}, "bad_threshold"),
        ({"method": Method.SUPER_MAJORITY, "threshold": Fraction(4, 3)}, "bad_threshold"),
        ({"method": Method.SCORE, "max_score": 0}, "bad_max_score"),
        ({"method": Method.SCORE, "max_score": 101}, "bad_max_score"),
        ({"method": Method.SCORE, "max_score": 5.0}, "bad_max_score"),
        ({"method": Method.CONSENT, "max_stand_aside": Fraction(5, 4)}, "bad_max_stand_aside"),
    ],
)
def test_rules_out_of_range_are_refused_with_their_reason(kwargs, code):
    with raises_code(code):
        Rules(**kwargs)


# --- Options -----------------------------------------------------------------------------------------


def test_yes_no_methods_have_fixed_options_and_the_others_none():
    assert METHOD_OPTIONS[Method.CONSENT] == ("consent", "object", "stand_aside")
    assert METHOD_OPTIONS[Method.CONSENSUS] == ("agree", "stand_aside", "block")
    assert METHOD_OPTIONS[Method.SIMPLE_MAJORITY] == ("for", "against", "abstain")
    assert METHOD_OPTIONS[Method.SUPER_MAJORITY] == ("for", "against", "abstain")
    assert {m for m in Method if METHOD_OPTIONS[m] is None} == {
        Method.APPROVAL,
        Method.SCORE,
        Method.INSTANT_RUNOFF,
        Method.SCHULZE,
        Method.TIME_POLL,
        Method.PARTICIPATORY_BUDGET,
    }


def test_fixed_options_may_be_omitted_or_given_in_any_order():
    assert check_options(Method.SIMPLE_MAJORITY, []) == ("for", "against", "abstain")
    assert check_options(Method.SIMPLE_MAJORITY, ["abstain", "for", "against"]) == ("for", "against", "abstain")


@pytest.mark.parametrize(
    ("method", "options", "code"),
    [
        (Method.SIMPLE_MAJORITY, ["for", "against"], "fixed_options"),
        (Method.CONSENT, ["for", "against", "abstain"], "fixed_options"),
        (Method.APPROVAL, [], "no_options"),
        (Method.APPROVAL, "abc", "bad_options"),
        (Method.APPROVAL, ["a", "a"], "duplicate_option"),
        (Method.APPROVAL, ["a b"], "bad_option_id"),
        (Method.APPROVAL, ["é"], "bad_option_id"),
        (Method.APPROVAL, [""], "bad_option_id"),
        (Method.APPROVAL, ["x" * 129], "bad_option_id"),
        (Method.APPROVAL, [1], "bad_option_id"),
        (Method.APPROVAL, [f"o{i}" for i in range(101)], "too_many_options"),
    ],
)
def test_bad_option_lists_are_refused(method, options, code):
    with raises_code(code):
        check_options(method, options)


# --- Choices -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "options", "choice", "normalised"),
    [
        (Method.CONSENT, [], "stand_aside", "stand_aside"),
        (Method.CONSENSUS, [], "block", "block"),
        (Method.SIMPLE_MAJORITY, [], "abstain", "abstain"),
        (Method.APPROVAL, ["a", "b", "c"], ["c", "a"], ["a", "c"]),
        (Method.APPROVAL, ["a", "b", "c"], [], []),
        (Method.APPROVAL, ["a", "b", "c"], ("b",), ["b"]),
        (Method.SCORE, ["a", "b"], {"b": 5, "a": 0}, {"a": 0, "b": 5}),
        (Method.INSTANT_RUNOFF, ["a", "b", "c"], ["c", "a"], ["c", "a"]),
        (Method.SCHULZE, ["a", "b", "c"], [], []),
        (Method.TIME_POLL, ["mon", "tue"], {"tue": "maybe", "mon": "no"}, {"mon": "no", "tue": "maybe"}),
    ],
)
def test_valid_choices_come_back_normalised(method, options, choice, normalised):
    assert check_choice(method, options, choice, Rules(method)) == normalised


@pytest.mark.parametrize(
    ("method", "options", "choice", "code"),
    [
        (Method.CONSENT, [], "agree", "bad_choice"),
        (Method.CONSENSUS, [], "object", "bad_choice"),
        (Method.SIMPLE_MAJORITY, [], None, "bad_choice"),
        (Method.SUPER_MAJORITY, [], ["for"], "bad_choice"),
        (Method.APPROVAL, ["a", "b"], "a", "bad_choice"),
        (Method.APPROVAL, ["a", "b"], ["z"], "unknown_option"),
        (Method.APPROVAL, ["a", "b"], ["a", "a"], "duplicate_approval"),
        (Method.APPROVAL, ["a", "b"], [1], "bad_choice"),
        (Method.SCORE, ["a", "b"], {"a": 1}, "missing_score"),
        (Method.SCORE, ["a", "b"], {"a": 1, "b": 6}, "score_out_of_range"),
        (Method.SCORE, ["a", "b"], {"a": -1, "b": 0}, "score_out_of_range"),
        (Method.SCORE, ["a", "b"], {"a": 1, "b": 2, "c": 3}, "unknown_option"),
        (Method.SCORE, ["a", "b"], {"a": 1, "b": 2.0}, "bad_choice"),
        (Method.SCORE, ["a", "b"], {"a": 1, "b": True}, "bad_choice"),
        (Method.SCORE, ["a", "b"], [1, 2], "bad_choice"),
        (Method.INSTANT_RUNOFF, ["a", "b"], ["a", "b", "a"], "duplicate_rank"),
        (Method.INSTANT_RUNOFF, ["a", "b"], ["c"], "unknown_option"),
        (Method.INSTANT_RUNOFF, ["a", "b"], {"a": 1}, "bad_choice"),
        (Method.SCHULZE, ["a", "b"], ["b", "b"], "duplicate_rank"),
        (Method.TIME_POLL, ["mon", "tue"], {"mon": "yes"}, "missing_slot"),
        (Method.TIME_POLL, ["mon", "tue"], {"mon": "yes", "tue": "perhaps"}, "bad_choice"),
        (Method.TIME_POLL, ["mon", "tue"], {"mon": "yes", "tue": "no", "wed": "no"}, "unknown_option"),
        (Method.TIME_POLL, ["mon", "tue"], ["mon"], "bad_choice"),
    ],
)
def test_invalid_choices_raise_with_the_right_code(method, options, choice, code):
    with raises_code(code) as err:
        check_choice(method, options, choice, Rules(method))
    assert err.value.message == str(err.value)


def test_scores_are_checked_against_the_rules_highest_score():
    assert check_choice(Method.SCORE, ["a"], {"a": 10}, Rules(Method.SCORE, max_score=10)) == {"a": 10}
    with raises_code("score_out_of_range") as err:
        check_choice(Method.SCORE, ["a"], {"a": 11}, Rules(Method.SCORE, max_score=10))
    assert err.value.params == {"option": "a", "score": 11, "max_score": 10}


def test_a_choice_checked_under_another_methods_rules_is_refused():
    with raises_code("method_mismatch"):
        check_choice(Method.APPROVAL, ["a"], ["a"], Rules(Method.SCORE))


# --- Consent and consensus ------------------------------------------------------------------------


def test_consent_is_adopted_when_nobody_objects():
    outcome = tally(Rules(Method.CONSENT), [], many(consent=8, stand_aside=1), 12)
    assert outcome.status == Status.ADOPTED
    assert outcome.winners == ()
    assert outcome.counts == {
        "consent": 8,
        "object": 0,
        "stand_aside": 1,
        "stand_aside_share": {"num": 1, "den": 9},
        "max_stand_aside": {"num": 1, "den": 3},
    }
    assert outcome.explanation == "Adopted: 8 consented, 1 stood aside, no objections (9 of 12 took part; 6 needed)."


def test_a_single_objection_blocks_consent():
    outcome = tally(Rules(Method.CONSENT), [], many(consent=10, object=1), 11)
    assert outcome.status == Status.BLOCKED
    assert outcome.explanation.startswith("Blocked: 1 objection; 10 consented")


def test_the_explanation_counts_several_objections():
    outcome = tally(Rules(Method.CONSENT), [], many(consent=3, object=2), 5)
    assert outcome.explanation.startswith("Blocked: 2 objections;")


def test_too_many_stand_asides_mean_no_consent():
    outcome = tally(Rules(Method.CONSENT), [], many(consent=5, stand_aside=4), 9)
    assert outcome.status == Status.NO_CONSENSUS
    assert "4 of 9 stood aside, more than the 1/3 allowed" in outcome.explanation


def test_stand_asides_exactly_at_the_limit_still_allow_consent():
    outcome = tally(Rules(Method.CONSENT), [], many(consent=6, stand_aside=3), 9)
    assert outcome.status == Status.ADOPTED


def test_consent_needs_at_least_one_person_consenting():
    outcome = tally(Rules(Method.CONSENT, max_stand_aside=1), [], many(stand_aside=4), 4)
    assert outcome.status == Status.NO_CONSENSUS
    assert outcome.explanation.startswith("No consensus: nobody consented")


def test_a_single_block_blocks_consensus_even_with_everyone_else_agreeing():
    outcome = tally(Rules(Method.CONSENSUS), [], many(agree=20, block=1), 21)
    assert outcome.status == Status.BLOCKED
    assert outcome.explanation.startswith("Blocked: 1 block; 20 agreed, 0 stood aside")


def test_consensus_is_adopted_with_agreement_and_few_stand_asides():
    outcome = tally(Rules(Method.CONSENSUS), [], many(agree=3, stand_aside=1), 4)
    assert outcome.status == Status.ADOPTED
    assert outcome.counts["agree"] == 3


def test_a_block_outranks_too_many_stand_asides():
    outcome = tally(Rules(Method.CONSENSUS), [], many(agree=1, stand_aside=5, block=1), 7)
    assert outcome.status == Status.BLOCKED


def test_consensus_with_stand_asides_over_the_limit_is_no_consensus():
    outcome = tally(Rules(Method.CONSENSUS, max_stand_aside=0), [], many(agree=9, stand_aside=1), 10)
    assert outcome.status == Status.NO_CONSENSUS


# --- Majorities ---------------------------------------------------------------------------------------


def test_a_simple_majority_adopts_and_abstentions_only_count_for_quorum():
    outcome = tally(Rules(Method.SIMPLE_MAJORITY), [], many(for_=6, against=2, abstain=1), 12)
    assert outcome.status == Status.ADOPTED
    assert outcome.counts == {"for": 6, "against": 2, "abstain": 1, "verdict": "for_ahead"}
    assert outcome.explanation == "Adopted: 6 for, 2 against, 1 abstained (9 of 12 took part; 6 needed)."


def test_a_tied_simple_majority_is_rejected_and_says_it_was_tied():
    outcome = tally(Rules(Method.SIMPLE_MAJORITY), [], many(for_=3, against=3, abstain=5), 11)
    assert outcome.status == Status.REJECTED
    assert outcome.counts["verdict"] == "tied"
    assert outcome.explanation.startswith("Rejected: tied, 3 for, 3 against, 5 abstained")


def test_more_against_rejects_a_simple_majority():
    outcome = tally(Rules(Method.SIMPLE_MAJORITY), [], many(for_=2, against=3), 5)
    assert outcome.status == Status.REJECTED
    assert outcome.counts["verdict"] == "against_ahead"


def test_everyone_abstaining_rejects_a_simple_majority():
    outcome = tally(Rules(Method.SIMPLE_MAJORITY), [], many(abstain=4), 4)
    assert outcome.status == Status.REJECTED
    assert outcome.explanation.startswith("Rejected: nobody voted for or against, 4 abstained")


def test_a_super_majority_reaching_the_threshold_exactly_is_adopted():
    outcome = tally(Rules(Method.SUPER_MAJORITY), [], many(for_=6, against=3, abstain=2), 11)
    assert outcome.status == Status.ADOPTED
    assert outcome.counts["share"] == {"num": 2, "den": 3}
    assert outcome.counts["threshold"] == {"num": 2, "den": 3}
    assert "2/3 in favour, at least 2/3 needed" in outcome.explanation


def test_a_super_majority_just_short_of_the_threshold_is_rejected():
    outcome = tally(Rules(Method.SUPER_MAJORITY), [], many(for_=5, against=3), 8)
    assert outcome.status == Status.REJECTED
    assert "5/8 in favour" in outcome.explanation


def test_a_super_majority_with_only_abstentions_is_rejected_without_a_share():
    outcome = tally(Rules(Method.SUPER_MAJORITY), [], many(abstain=3), 3)
    assert outcome.status == Status.REJECTED
    assert "share" not in outcome.counts


def test_a_unanimous_threshold_needs_every_for_or_against_vote_in_favour():
    rules = Rules(Method.SUPER_MAJORITY, threshold=1)
    assert tally(rules, [], many(for_=9, abstain=3), 12).status == Status.ADOPTED
    assert tally(rules, [], many(for_=9, against=1), 12).status == Status.REJECTED


# --- Approval and score ------------------------------------------------------------------------------


def test_the_option_with_most_approvals_is_chosen():
    outcome = decide(Method.APPROVAL, [["a", "b"], ["b"], ["b", "c"], []], options=["a", "b", "c"])
    assert (outcome.status, outcome.winners) == (Status.CHOSEN, ("b",))
    assert outcome.counts == {"approvals": {"a": 1, "b": 3, "c": 1}}
    assert outcome.explanation == "Chosen: b with 3 approvals; the next best had 1 (4 of 4 took part; 2 needed)."


def test_equal_top_approvals_are_a_tie_between_all_of_them():
    outcome = decide(Method.APPROVAL, [["c", "a"], ["a"], ["c"]], options=["c", "b", "a"])
    assert (outcome.status, outcome.winners) == (Status.TIE, ("a", "c"))
    assert outcome.explanation.startswith("Tie: a and c with 2 approvals each")


def test_a_tiebreak_value_settles_an_approval_tie_and_the_counts_say_how():
    outcome = decide(Method.APPROVAL, [["a"], ["b"], ["c"], ["c"], ["a"]], options=["a", "b", "c"], tiebreak=TIEBREAK)
    chosen = break_tie(TIEBREAK, 0, ["a", "c"])
    assert (outcome.status, outcome.winners) == (Status.CHOSEN, (chosen,))
    assert outcome.counts["tiebreak"] == {"among": ["a", "c"], "chose": chosen, "by": "lots"}
    assert outcome.explanation.startswith(f"Chosen by lot: {chosen}, tied with ")


def test_nobody_approving_anything_rejects_every_option():
    outcome = decide(Method.APPROVAL, [[], []], options=["a", "b"], tiebreak=TIEBREAK)
    assert (outcome.status, outcome.winners) == (Status.REJECTED, ())
    assert "tiebreak" not in outcome.counts


def test_the_highest_total_score_wins():
    outcome = decide(Method.SCORE, [{"a": 5, "b": 0}, {"a": 0, "b": 4}, {"a": 1, "b": 3}], options=["a", "b"])
    assert (outcome.status, outcome.winners) == (Status.CHOSEN, ("b",))
    assert outcome.counts == {"totals": {"a": 6, "b": 7}}
    assert outcome.explanation.startswith("Chosen: b with a total score of 7; the next best had 6")


def test_equal_score_totals_tie_unless_lots_are_drawn():
    choices = [{"a": 2, "b": 3, "c": 0}, {"a": 3, "b": 2, "c": 5}]
    assert decide(Method.SCORE, choices, options=["a", "b", "c"]).winners == ("a", "b", "c")
    drawn = decide(Method.SCORE, choices, options=["a", "b", "c"], tiebreak=TIEBREAK)
    assert drawn.status == Status.CHOSEN
    assert drawn.counts["tiebreak"]["among"] == ["a", "b", "c"]


# --- Time polls --------------------------------------------------------------------------------------


def test_the_slot_most_can_make_is_chosen():
    choices = [
        {"mon": "yes", "tue": "yes", "wed": "no"},
        {"mon": "no", "tue": "yes", "wed": "yes"},
        {"mon": "maybe", "tue": "maybe", "wed": "yes"},
    ]
    outcome = decide(Method.TIME_POLL, choices, options=["mon", "tue", "wed"])
    # tue and wed have 2 yes each; tue also has a maybe.
    assert (outcome.status, outcome.winners) == (Status.CHOSEN, ("tue",))
    assert outcome.counts["slots"]["tue"] == {"yes": 2, "maybe": 1, "no": 0}
    assert outcome.counts["decided_by"] == "yes_and_maybe"


def test_a_time_poll_falls_back_to_the_earliest_listed_slot():
    choices = [{"mon": "yes", "tue": "no"}, {"mon": "no", "tue": "yes"}]
    assert decide(Method.TIME_POLL, choices, options=["tue", "mon"]).winners == ("tue",)
    outcome = decide(Method.TIME_POLL, choices, options=["mon", "tue"])
    assert outcome.winners == ("mon",)
    assert outcome.counts["decided_by"] == "order"


def test_a_clear_yes_leader_wins_the_time_poll_on_yes_alone():
    choices = [{"a": "yes", "b": "maybe"}, {"a": "yes", "b": "maybe"}, {"a": "no", "b": "yes"}]
    outcome = decide(Method.TIME_POLL, choices, options=["a", "b"])
    assert (outcome.winners, outcome.counts["decided_by"]) == (("a",), "yes")
    assert outcome.explanation.startswith("Chosen: a with 2 yes, 0 maybe, 1 no — most yes")


def test_a_time_poll_where_nobody_can_make_any_slot_chooses_none():
    outcome = decide(Method.TIME_POLL, [{"a": "no", "b": "no"}], options=["a", "b"])
    assert (outcome.status, outcome.winners) == (Status.REJECTED, ())


# --- Quorum and participation ------------------------------------------------------------------------


def test_without_quorum_nothing_is_decided_but_the_counts_are_reported():
    outcome = tally(Rules(Method.SIMPLE_MAJORITY), [], many(for_=5), 12)
    assert (outcome.status, outcome.quorum_needed, outcome.participants) == (Status.NO_QUORUM, 6, 5)
    assert outcome.counts["for"] == 5
    assert outcome.explanation == "No quorum: 5 of 12 took part; 6 needed."


def test_abstentions_and_stand_asides_count_towards_quorum():
    assert tally(Rules(Method.SIMPLE_MAJORITY), [], many(for_=1, abstain=5), 12).status == Status.ADOPTED
    assert tally(Rules(Method.CONSENT, max_stand_aside=1), [], many(consent=1, stand_aside=5), 12).status == (
        Status.ADOPTED
    )


def test_the_quorum_is_rounded_up():
    outcome = tally(Rules(Method.SIMPLE_MAJORITY, quorum=Fraction(1, 3)), [], many(for_=3), 10)
    assert outcome.quorum_needed == 4
    assert outcome.status == Status.NO_QUORUM


def test_no_lots_are_drawn_for_a_decision_without_quorum():
    outcome = decide(Method.APPROVAL, [["a"], ["b"]], options=["a", "b"], eligible=10, tiebreak=TIEBREAK)
    assert outcome.status == Status.NO_QUORUM
    assert "tiebreak" not in outcome.counts


@pytest.mark.parametrize("quorum", [Fraction(0), Fraction(1, 2)])
def test_no_ballots_at_all_means_no_votes_whatever_the_quorum(quorum):
    outcome = tally(Rules(Method.SIMPLE_MAJORITY, quorum=quorum), [], [], 12)
    assert (outcome.status, outcome.participants) == (Status.NO_VOTES, 0)
    assert outcome.explanation.startswith("No votes: nobody took part")


@pytest.mark.parametrize("method", list(Method))
def test_an_empty_electorate_has_no_votes_for_every_method(method):
    options = [] if METHOD_OPTIONS[method] else ["a", "b"]
    budget = {"pot": 10, "costs": (("a", 4), ("b", 6))} if method is Method.PARTICIPATORY_BUDGET else {}
    outcome = tally(Rules(method, quorum=0, **budget), options, [], 0, TIEBREAK)
    assert (outcome.status, outcome.winners, outcome.quorum_needed) == (Status.NO_VOTES, (), 0)
    assert "tiebreak" not in canonical_json(outcome.to_json()).decode()


# --- Input the tally refuses -------------------------------------------------------------------------


def test_a_voter_with_two_ballots_is_refused():
    with raises_code("duplicate_voter") as err:
        tally(Rules(Method.SIMPLE_MAJORITY), [], [Ballot("ann", "for"), Ballot("ann", "against")], 5)
    assert err.value.params == {"voter": "ann"}


def test_more_ballots_than_eligible_members_are_refused():
    with raises_code("too_many_ballots"):
        tally(Rules(Method.SIMPLE_MAJORITY), [], many(for_=3), 2)


@pytest.mark.parametrize("eligible", [-1, True, "12"])
def test_a_bad_eligible_count_is_refused(eligible):
    with raises_code("bad_eligible"):
        tally(Rules(Method.SIMPLE_MAJORITY), [], [], eligible)


def test_the_tally_does_not_trust_stored_ballots():
    with raises_code("unknown_option") as err:
        tally(Rules(Method.APPROVAL), ["a", "b"], [Ballot("ann", ["a"]), Ballot("bob", ["z"])], 5)
    assert err.value.params["voter"] == "bob"
    assert "bob" in str(err.value)


@pytest.mark.parametrize(
    ("ballots_given", "code"),
    [
        ([Ballot("", "for")], "bad_voter"),
        ([("ann", "for")], "bad_ballot"),
        ("for", "bad_ballot"),
    ],
)
def test_malformed_ballots_are_refused(ballots_given, code):
    with raises_code(code):
        tally(Rules(Method.SIMPLE_MAJORITY), [], ballots_given, 5)


def test_a_tiebreak_must_be_bytes():
    with raises_code("bad_tiebreak"):
        tally(Rules(Method.APPROVAL), ["a"], [], 1, "not bytes")


# --- The recorded outcome ----------------------------------------------------------------------------


def test_an_outcome_serialises_every_field_inside_the_canonical_profile():
    outcome = tally(Rules(Method.SUPER_MAJORITY), [], many(for_=6, against=2, abstain=1), 12)
    data = outcome.to_json()
    assert data == {
        "method": "super_majority",
        "status": "adopted",
        "winners": [],
        "eligible": 12,
        "participants": 9,
        "quorum_needed": 6,
        "counts": {
            "for": 6,
            "against": 2,
            "abstain": 1,
            "threshold": {"num": 2, "den": 3},
            "share": {"num": 3, "den": 4},
        },
        "explanation": outcome.explanation,
    }
    assert parse_canonical_json(canonical_json(data)) == data
    assert type(data["method"]) is str
    assert type(data["status"]) is str


def test_editing_the_json_leaves_the_outcome_unchanged():
    outcome = decide(Method.APPROVAL, [["a"]], options=["a", "b"])
    data = outcome.to_json()
    data["counts"]["approvals"]["a"] = 99
    assert outcome.counts["approvals"]["a"] == 1


def test_status_compares_equal_to_its_string():
    outcome = decide(Method.APPROVAL, [["a"]], options=["a", "b"])
    assert outcome.status == "chosen"
    assert isinstance(outcome, Outcome)
