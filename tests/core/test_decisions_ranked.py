"""Ranked methods (instant runoff, Schulze) and the deterministic tiebreak draw."""

import hashlib

import pytest

from confederal.decisions import Ballot, DecisionError, Method, Rules, Status, break_tie, tally
from confederal.ledger import canonical_json

TIEBREAK = b"checkpoint root after the close"

# Wikipedia, "Schulze method", section "Example" (45 voters, candidates A–E), as also given in
# Markus Schulze's own worked examples: counts of voters per ranking, the pairwise preference
# matrix d and the strongest-path matrix p. The Schulze winner is E (ranking E > A > C > B > D).
WIKIPEDIA_SCHULZE_BALLOTS = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]
WIKIPEDIA_D = {
    "A": {"B": 20, "C": 26, "D": 30, "E": 22},
    "B": {"A": 25, "C": 16, "D": 33, "E": 18},
    "C": {"A": 19, "B": 29, "D": 17, "E": 24},
    "D": {"A": 15, "B": 12, "C": 28, "E": 14},
    "E": {"A": 23, "B": 27, "C": 21, "D": 31},
}
WIKIPEDIA_P = {
    "A": {"B": 28, "C": 28, "D": 30, "E": 24},
    "B": {"A": 25, "C": 28, "D": 33, "E": 24},
    "C": {"A": 25, "B": 29, "D": 29, "E": 24},
    "D": {"A": 25, "B": 28, "C": 28, "E": 24},
    "E": {"A": 25, "B": 28, "C": 28, "D": 31},
}

# Wikipedia, "Instant-runoff voting", the Tennessee capital example: 100 voters, each city's voters
# ranking the cities by distance. Memphis leads on first preferences but Knoxville wins.
TENNESSEE = ["memphis", "nashville", "chattanooga", "knoxville"]
TENNESSEE_BALLOTS = [
    (42, ["memphis", "nashville", "chattanooga", "knoxville"]),
    (26, ["nashville", "chattanooga", "knoxville", "memphis"]),
    (15, ["chattanooga", "knoxville", "nashville", "memphis"]),
    (17, ["knoxville", "chattanooga", "nashville", "memphis"]),
]


def weighted(groups):
    choices = [list(ranking) for count, ranking in groups for _ in range(count)]
    return [Ballot(f"voter-{i}", choice) for i, choice in enumerate(choices)]


def irv(options, groups, tiebreak=None):
    ballots = weighted(groups)
    return tally(Rules(Method.INSTANT_RUNOFF), options, ballots, len(ballots), tiebreak)


def schulze(options, groups, tiebreak=None):
    ballots = weighted(groups)
    return tally(Rules(Method.SCHULZE), options, ballots, len(ballots), tiebreak)


# --- Instant runoff ----------------------------------------------------------------------------------


def test_the_plurality_leader_can_lose_an_instant_runoff():
    outcome = irv(TENNESSEE, TENNESSEE_BALLOTS)
    assert (outcome.status, outcome.winners) == (Status.CHOSEN, ("knoxville",))
    rounds = outcome.counts["rounds"]
    assert [r["counts"] for r in rounds] == [
        {"memphis": 42, "nashville": 26, "chattanooga": 15, "knoxville": 17},
        {"memphis": 42, "nashville": 26, "knoxville": 32},
        {"memphis": 42, "knoxville": 58},
    ]
    assert [r["eliminated"] for r in rounds] == [["chattanooga"], ["nashville"], []]
    assert rounds[-1]["elected"] == "knoxville"
    assert outcome.explanation == (
        "Chosen: knoxville won in round 3 with 58 of 100 continuing votes (100 of 100 took part; 50 needed)."
    )


def test_a_first_round_majority_wins_at_once():
    outcome = irv(["a", "b", "c"], [(3, ["a"]), (1, ["b", "a"]), (1, ["c"])])
    assert outcome.winners == ("a",)
    assert len(outcome.counts["rounds"]) == 1


def test_exhausted_ballots_leave_the_count_and_shrink_the_majority_needed():
    outcome = irv(["a", "b", "c"], [(4, ["a"]), (3, ["b"]), (2, ["c"])])
    rounds = outcome.counts["rounds"]
    assert rounds[0] == {
        "round": 1,
        "counts": {"a": 4, "b": 3, "c": 2},
        "exhausted": 0,
        "eliminated": ["c"],
    }
    assert rounds[1]["exhausted"] == 2
    # 4 of 7 continuing ballots is a majority, though not of the 9 cast.
    assert outcome.winners == ("a",)
    assert outcome.explanation.startswith("Chosen: a won in round 2 with 4 of 7 continuing votes; 2 ballots exhausted")


def test_an_elimination_tie_is_broken_by_the_nearest_earlier_round_where_the_options_differ():
    groups = [(6, ["a"]), (4, ["b"]), (3, ["c", "b"]), (1, ["d", "c", "b"])]
    outcome = irv(["a", "b", "c", "d"], groups)
    rounds = outcome.counts["rounds"]
    # Round 2: b and c both have 4; in round 1 c had 3 to b's 4, so c goes.
    assert rounds[1]["counts"] == {"a": 6, "b": 4, "c": 4}
    assert rounds[1]["tiebreak"] == {"among": ["b", "c"], "chose": "c", "by": "earlier_rounds"}
    assert rounds[1]["eliminated"] == ["c"]
    assert outcome.winners == ("b",)


def test_backwards_tie_breaking_looks_at_the_latest_earlier_round_first():
    groups = [(6, ["a"]), (3, ["b"]), (4, ["c", "b"]), (2, ["x", "b"]), (1, ["y", "c"]), (2, ["y"])]
    outcome = irv(["a", "b", "c", "x", "y"], groups)
    rounds = outcome.counts["rounds"]
    assert [r["counts"] for r in rounds] == [
        {"a": 6, "b": 3, "c": 4, "x": 2, "y": 3},
        {"a": 6, "b": 5, "c": 4, "y": 3},
        {"a": 6, "b": 5, "c": 5},
        {"a": 6, "b": 9},
    ]
    # b and c tie in round 3. Round 2, the latest earlier round, has c lower, so c goes,
    # although in round 1 b was the lower of the two.
    assert rounds[2]["tiebreak"] == {"among": ["b", "c"], "chose": "c", "by": "earlier_rounds"}
    assert [r["exhausted"] for r in rounds] == [0, 0, 2, 3]
    assert outcome.winners == ("b",)


def test_options_tied_in_every_round_are_eliminated_together_without_a_tiebreak():
    groups = [(10, ["a"]), (3, ["b"]), (4, ["c"]), (2, ["d", "b"]), (1, ["e", "b"]), (2, ["f", "c"])]
    rounds = irv(["a", "b", "c", "d", "e", "f"], groups).counts["rounds"]
    assert rounds[1]["counts"] == {"a": 10, "b": 4, "c": 4, "d": 2, "f": 2}
    assert rounds[1]["eliminated"] == ["d", "f"]
    assert "tiebreak" not in rounds[1]


def test_an_elimination_tie_the_rounds_cannot_break_is_drawn_by_lot_when_a_tiebreak_is_given():
    outcome = irv(["a", "b", "c"], [(3, ["a"]), (2, ["b", "a"]), (2, ["c", "a"])], TIEBREAK)
    first = outcome.counts["rounds"][0]
    drawn = break_tie(TIEBREAK, 1, ["b", "c"])
    assert first["tiebreak"] == {"among": ["b", "c"], "chose": drawn, "by": "lots"}
    assert first["eliminated"] == [drawn]
    assert outcome.winners == ("a",)


def test_without_a_tiebreak_all_options_tied_lowest_are_eliminated_together():
    outcome = irv(["a", "b", "c"], [(3, ["a"]), (2, ["b"]), (2, ["c"])])
    assert outcome.counts["rounds"][0]["eliminated"] == ["b", "c"]
    assert "tiebreak" not in outcome.counts["rounds"][0]
    assert outcome.winners == ("a",)


def test_options_level_to_the_end_without_a_tiebreak_are_a_tie():
    outcome = irv(["a", "b", "c"], [(1, ["a"]), (1, ["b"]), (1, ["c"])])
    assert (outcome.status, outcome.winners) == (Status.TIE, ("a", "b", "c"))
    assert outcome.counts["rounds"][-1]["tied"] == ["a", "b", "c"]
    assert outcome.explanation.startswith("Tie: a, b and c are level in round 1 with 1 vote each")


def test_with_a_tiebreak_an_instant_runoff_always_ends_with_one_winner():
    outcome = irv(["a", "b"], [(2, ["a"]), (2, ["b"])], TIEBREAK)
    assert outcome.status == Status.CHOSEN
    loser = break_tie(TIEBREAK, 1, ["a", "b"])
    assert outcome.winners == ("b" if loser == "a" else "a",)


def test_an_instant_runoff_where_nobody_ranked_anything_chooses_nothing():
    outcome = irv(["a", "b"], [(3, [])])
    assert (outcome.status, outcome.winners) == (Status.REJECTED, ())
    assert outcome.counts["rounds"][0]["exhausted"] == 3


def test_options_nobody_ranked_first_are_counted_with_zero_and_eliminated_first():
    outcome = irv(["a", "b", "z"], [(2, ["a", "b"]), (2, ["b", "a"]), (1, ["a"])])
    assert outcome.counts["rounds"][0]["counts"] == {"a": 3, "b": 2, "z": 0}
    assert outcome.winners == ("a",)


# --- Schulze -----------------------------------------------------------------------------------------


def test_the_wikipedia_schulze_example_elects_e_with_the_published_matrices():
    outcome = schulze(list("ABCDE"), [(count, list(ranking)) for count, ranking in WIKIPEDIA_SCHULZE_BALLOTS])
    assert sum(count for count, _ in WIKIPEDIA_SCHULZE_BALLOTS) == 45
    assert outcome.counts["d"] == WIKIPEDIA_D
    assert outcome.counts["p"] == WIKIPEDIA_P
    assert (outcome.status, outcome.winners) == (Status.CHOSEN, ("E",))
    canonical_json(outcome.to_json())


def test_schulze_elects_the_condorcet_winner_of_the_tennessee_example():
    outcome = schulze(TENNESSEE, TENNESSEE_BALLOTS)
    assert outcome.winners == ("nashville",)


def test_unranked_options_tie_below_every_ranked_option():
    outcome = schulze(["a", "b", "c"], [(2, ["a"]), (1, ["b", "c"])])
    assert outcome.counts["d"] == {
        "a": {"b": 2, "c": 2},
        "b": {"a": 1, "c": 1},
        "c": {"a": 1, "b": 0},
    }
    assert outcome.winners == ("a",)


def test_a_perfect_cycle_is_a_schulze_tie():
    outcome = schulze(["a", "b", "c"], [(1, ["a", "b", "c"]), (1, ["b", "c", "a"]), (1, ["c", "a", "b"])])
    assert (outcome.status, outcome.winners) == (Status.TIE, ("a", "b", "c"))
    assert outcome.explanation.startswith("Tie: a, b and c are all unbeaten on strongest paths")


def test_a_schulze_tie_is_drawn_by_lot_when_a_tiebreak_is_given():
    outcome = schulze(["a", "b"], [(1, ["a"]), (1, ["b"])], TIEBREAK)
    chosen = break_tie(TIEBREAK, 0, ["a", "b"])
    assert (outcome.status, outcome.winners) == (Status.CHOSEN, (chosen,))
    assert outcome.counts["tiebreak"] == {"among": ["a", "b"], "chose": chosen, "by": "lots"}


def test_schulze_where_nobody_ranked_anything_chooses_nothing():
    outcome = schulze(["a", "b"], [(2, [])], TIEBREAK)
    assert (outcome.status, outcome.winners) == (Status.REJECTED, ())
    assert outcome.counts["p"] == {"a": {"b": 0}, "b": {"a": 0}}


# --- The tiebreak draw -------------------------------------------------------------------------------


def test_the_draw_is_exactly_the_documented_sha256_rule():
    among = ["pear", "apple", "fig"]
    ordered = sorted(among)
    digest = hashlib.sha256(TIEBREAK + (7).to_bytes(4, "big") + b"apple\nfig\npear").digest()
    assert break_tie(TIEBREAK, 7, among) == ordered[int.from_bytes(digest, "big") % 3]


def test_the_draw_ignores_the_order_the_tied_options_come_in():
    assert break_tie(TIEBREAK, 0, ["a", "b", "c", "d"]) == break_tie(TIEBREAK, 0, ["d", "c", "b", "a"])


def test_different_tiebreak_values_can_draw_different_options():
    drawn = {break_tie(bytes([i]), 0, ["a", "b", "c"]) for i in range(64)}
    assert drawn == {"a", "b", "c"}


@pytest.mark.parametrize(("round_number", "among"), [(0, []), (-1, ["a"]), (2**32, ["a"])])
def test_a_draw_needs_candidates_and_a_four_byte_round(round_number, among):
    with pytest.raises(DecisionError) as err:
        break_tie(TIEBREAK, round_number, among)
    assert err.value.code == "bad_tiebreak"
