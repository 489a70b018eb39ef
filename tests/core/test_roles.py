"""Rotating roles: term limits, cool-downs, the rota, the lottery and the chore rota."""

import hashlib
import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confederal.ledger import canonical_json, parse_canonical_json
from confederal.roles import (
    LOTTERY_ALGORITHM,
    Eligibility,
    Exclusion,
    RoleRules,
    Rotation,
    RotationError,
    Term,
    chore_rota,
    draw_by_lot,
    eligibility,
    next_by_rota,
    next_term,
    rerun_draw,
    term_is_over,
)

DAY_ONE = date(2026, 1, 5)
SEED = hashlib.sha256(b"confederal roles test").digest()
#: Seeds for the random absences (and draws) of a simulated run.
RANDOMNESS = st.integers(0, 2**32)


def _members(n):
    return [f"m{i}" for i in range(n)]


def _away_at_random(members, chance, rng, rounds):
    """Who is away in each of ``rounds`` rounds: each of ``members`` with a ``chance`` in a hundred."""
    return [{m for m in members if rng.randrange(100) < chance} for _ in range(rounds)]


def terms(*holders, start=DAY_ONE):
    """Contiguous 30-day terms held by ``holders`` in turn, oldest first."""
    history = []
    for holder in holders:
        begin, end = next_term(history, RoleRules(), start)
        history.append(Term(holder, begin, end))
    return history


def seed(*parts):
    return hashlib.sha256(repr(parts).encode()).digest()


def runs(history):
    """(holder, first position, last position) for each run of consecutive terms."""
    found = []
    for position, term in enumerate(history):
        if found and found[-1][0] == term.holder:
            found[-1][2] = position
        else:
            found.append([term.holder, position, position])
    return found


def simulate(members, rules, rounds, absent_in, pick):
    """Run ``rounds`` rounds; a round with no holder leaves the role empty. Yields (history, pick) per round."""
    history = []
    today = DAY_ONE
    for round_ in range(rounds):
        absent = absent_in(round_)
        chosen = pick(members, history, rules, absent, round_)
        if chosen.holder is not None:
            assert chosen.holder not in absent
            history.append(Term(chosen.holder, *next_term(history, rules, today)))
        today += timedelta(days=rules.term_days)
        yield history, chosen


def service(history, members):
    return {m: sum(1 for t in history if t.holder == m) for m in members}


# Rules and terms


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("term_days", 0),
        ("term_days", 367),
        ("max_consecutive_terms", 0),
        ("max_consecutive_terms", 13),
        ("cooldown_terms", -1),
        ("cooldown_terms", 13),
        ("term_days", True),
        ("term_days", "30"),
    ],
)
def test_rules_refuse_values_out_of_range(field, value):
    with pytest.raises(RotationError) as caught:
        RoleRules(**{field: value})
    assert caught.value.code == "bad_rule"
    assert caught.value.params["name"] == field


def test_rotation_may_be_given_as_its_text_and_unknown_ones_are_refused():
    assert RoleRules(rotation="lottery").rotation is Rotation.LOTTERY
    with pytest.raises(RotationError) as caught:
        RoleRules(rotation="coin toss")
    assert caught.value.code == "unknown_rotation"


def test_a_term_must_end_after_it_starts():
    with pytest.raises(RotationError) as caught:
        Term("amara", DAY_ONE, DAY_ONE)
    assert caught.value.code == "bad_term"
    assert caught.value.params == {"holder": "amara", "start": "2026-01-05", "end": "2026-01-05"}


def test_the_first_term_starts_today():
    assert next_term([], RoleRules(term_days=14), DAY_ONE) == (DAY_ONE, DAY_ONE + timedelta(days=14))


def test_the_next_term_starts_when_the_last_one_ends_even_before_it_has():
    history = terms("amara")
    assert next_term(history, RoleRules(), DAY_ONE + timedelta(days=3)) == (
        history[-1].end,
        history[-1].end + timedelta(days=30),
    )


def test_after_the_role_stood_empty_the_next_term_starts_today():
    history = terms("amara")
    later = history[-1].end + timedelta(days=9)
    assert next_term(history, RoleRules(term_days=7), later) == (later, later + timedelta(days=7))


def test_a_term_is_over_from_its_end_date():
    term = Term("amara", DAY_ONE, DAY_ONE + timedelta(days=30))
    assert not term_is_over(term, DAY_ONE + timedelta(days=29))
    assert term_is_over(term, DAY_ONE + timedelta(days=30))


# Eligibility, by hand


def test_a_member_at_the_term_limit_sits_out():
    result = eligibility(["amara", "jonas"], terms("jonas", "jonas"), RoleRules(max_consecutive_terms=2))
    assert result == Eligibility(("amara",), (Exclusion("jonas", "term_limit"),))


def test_a_member_under_the_term_limit_may_continue():
    result = eligibility(["amara", "jonas"], terms("jonas"), RoleRules(max_consecutive_terms=2))
    assert result.eligible == ("amara", "jonas")


def test_after_a_run_the_member_cools_down_for_the_set_number_of_terms():
    rules = RoleRules(max_consecutive_terms=3, cooldown_terms=2)
    members = ["amara", "jonas", "lucia"]
    assert eligibility(members, terms("amara", "jonas"), rules).excluded == (Exclusion("amara", "cooldown"),)
    assert eligibility(members, terms("amara", "jonas", "lucia"), rules).excluded == (Exclusion("jonas", "cooldown"),)


def test_without_a_cooldown_the_term_limit_still_forces_one_term_out():
    rules = RoleRules(max_consecutive_terms=2, cooldown_terms=0)
    assert eligibility(["amara", "jonas"], terms("amara", "amara"), rules).eligible == ("jonas",)
    assert eligibility(["amara", "jonas"], terms("amara", "amara", "jonas"), rules).eligible == ("amara", "jonas")


def test_someone_else_holding_the_role_in_between_breaks_a_run():
    rules = RoleRules(max_consecutive_terms=2, cooldown_terms=1)
    assert eligibility(["amara", "jonas"], terms("amara", "jonas", "amara"), rules).eligible == ("amara", "jonas")


def test_a_gap_in_the_calendar_does_not_break_a_run():
    first = Term("amara", DAY_ONE, DAY_ONE + timedelta(days=30))
    second = Term("amara", DAY_ONE + timedelta(days=200), DAY_ONE + timedelta(days=230))
    result = eligibility(["amara", "jonas"], [first, second], RoleRules(max_consecutive_terms=2))
    assert result.excluded == (Exclusion("amara", "term_limit"),)


def test_absent_members_sit_out_and_rule_reasons_come_first():
    result = eligibility(
        ["amara", "jonas", "lucia"], terms("jonas", "jonas"), RoleRules(), absent={"jonas", "lucia", "visitor"}
    )
    assert result == Eligibility(("amara",), (Exclusion("jonas", "term_limit"), Exclusion("lucia", "absent")))


def test_an_incumbent_who_left_is_listed_as_no_longer_a_member():
    result = eligibility(["amara", "jonas"], terms("amara", "ruth"), RoleRules())
    assert result == Eligibility(("amara", "jonas"), (Exclusion("ruth", "not_member"),))


@pytest.mark.parametrize(
    ("members", "history", "code"),
    [
        (["amara", "amara"], [], "duplicate_member"),
        (["amara", ""], [], "bad_members"),
        ("amara", [], "bad_members"),
        (["amara"], list(reversed(terms("amara", "jonas"))), "history_out_of_order"),
        (["amara"], ["amara"], "bad_history"),
    ],
)
def test_malformed_members_or_history_are_refused(members, history, code):
    with pytest.raises(RotationError) as caught:
        eligibility(members, history, RoleRules())
    assert caught.value.code == code


def test_errors_carry_a_stable_code_params_and_an_english_message():
    error = RotationError("draw_mismatch", "The seed selects {holder}.", holder="amara")
    assert isinstance(error, ValueError)
    assert (error.code, error.params, str(error)) == ("draw_mismatch", {"holder": "amara"}, "The seed selects amara.")


# The rota


def test_the_rota_prefers_whoever_has_served_fewest_terms():
    pick = next_by_rota(["amara", "jonas", "lucia"], terms("amara", "jonas", "amara"), RoleRules())
    assert pick.holder == "lucia"
    assert dict(pick.service) == {"amara": 2, "jonas": 1, "lucia": 0}


def test_fewest_terms_served_outweighs_longest_since_serving():
    rules = RoleRules(max_consecutive_terms=3)
    assert next_by_rota(["amara", "jonas"], terms("amara", "amara", "jonas"), rules).holder == "jonas"


def test_a_member_back_from_absence_catches_up_on_service():
    members = ["amara", "jonas", "lucia"]
    history = terms("amara", "jonas", "amara", "jonas")
    assert next_by_rota(members, history, RoleRules()).holder == "lucia"
    assert next_by_rota(members, [*history, *terms("lucia", start=history[-1].end)], RoleRules()).holder == "lucia"


def test_the_rota_breaks_ties_by_longest_since_serving_then_by_members_order():
    members = ["amara", "jonas", "lucia", "zed"]
    assert next_by_rota(members, terms("lucia", "jonas"), RoleRules()).holder == "amara"
    assert next_by_rota(members, terms("lucia", "jonas", "amara", "zed"), RoleRules()).holder == "lucia"


def test_the_rota_explains_its_choice_in_plain_english():
    others = [f"b{i}" for i in range(1, 9)]
    members = ["Amara", "Jonas", "Lucía", *others]
    history = terms(*others, "Lucía", "Jonas", "Jonas")
    pick = next_by_rota(members, history, RoleRules(cooldown_terms=3))
    assert pick.explanation == (
        "Amara takes the role: fewest terms served (0) among 9 eligible members; "
        "Jonas and Lucía sit out (term limit, cool-down)."
    )


def test_when_nobody_is_eligible_the_rota_picks_nobody_and_says_why():
    pick = next_by_rota(["amara"], terms("amara", "amara"), RoleRules())
    assert pick.holder is None
    assert pick.explanation == "Nobody takes the role: no member is eligible; amara sits out (term limit)."


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 12), limit=st.integers(1, 12), data=st.data())
def test_without_absences_rota_service_counts_never_differ_by_more_than_one(n, limit, data):
    # Round-robin reaches each member again after n - 1 terms by others, so a cool-down below n never binds.
    rules = RoleRules(max_consecutive_terms=limit, cooldown_terms=data.draw(st.integers(0, min(n - 1, 12))))
    members = _members(n)
    for history, pick in simulate(members, rules, 200, lambda _: (), lambda m, h, r, a, _: next_by_rota(m, h, r, a)):
        assert pick.holder is not None
        counts = service(history, members).values()
        assert max(counts) - min(counts) <= 1


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 10),
    limit=st.integers(1, 4),
    cooldown=st.integers(0, 1),
    always=st.integers(1, 10),
    chance=st.sampled_from([10, 30, 50]),
    randomness=RANDOMNESS,
)
@pytest.mark.slow
def test_with_random_absences_members_present_every_round_stay_within_one_term(
    n, limit, cooldown, always, chance, randomness
):
    members = _members(n)
    steady = members[: min(always, n)]
    absences = _away_at_random(members[len(steady) :], chance, random.Random(randomness), 200)
    rules = RoleRules(max_consecutive_terms=limit, cooldown_terms=cooldown)
    rota = simulate(members, rules, 200, absences.__getitem__, lambda m, h, r, a, _: next_by_rota(m, h, r, a))
    for history, _ in rota:
        counts = [service(history, steady)[m] for m in steady]
        assert max(counts) - min(counts) <= 1


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 8),
    limit=st.integers(1, 4),
    cooldown=st.integers(0, 4),
    chance=st.sampled_from([0, 20, 50]),
    randomness=RANDOMNESS,
)
def test_term_limits_and_cooldowns_are_never_violated_in_simulation(n, limit, cooldown, chance, randomness):
    members = _members(n)
    rng = random.Random(randomness)
    absences = _away_at_random(members, chance, rng, 120)
    methods = [rng.choice([Rotation.ROTA, Rotation.LOTTERY]) for _ in range(120)]
    rules = RoleRules(max_consecutive_terms=limit, cooldown_terms=cooldown)

    def pick(m, h, r, a, round_):
        if methods[round_] is Rotation.ROTA:
            return next_by_rota(m, h, r, a)
        return draw_by_lot(m, h, r, seed(randomness, round_), a)

    *_, (history, _) = simulate(members, rules, 120, absences.__getitem__, pick)
    last_end = {}
    for holder, first, last in runs(history):
        assert last - first + 1 <= limit
        if holder in last_end:
            assert first - last_end[holder] - 1 >= cooldown
        last_end[holder] = last


# The lottery


def test_the_same_seed_draws_the_same_holder():
    members = _members(9)
    picks = {draw_by_lot(members, [], RoleRules(), SEED).holder for _ in range(3)}
    assert len(picks) == 1


@settings(max_examples=100)
@given(
    members=st.lists(st.from_regex(r"[a-zA-Z0-9]{1,8}", fullmatch=True), min_size=1, max_size=15, unique=True),
    seed_bytes=st.binary(min_size=16, max_size=64),
)
def test_a_recorded_draw_reruns_to_the_same_holder(members, seed_bytes):
    pick = draw_by_lot(members, [], RoleRules(), seed_bytes)
    assert pick.draw is not None
    assert pick.draw["candidates"] == sorted(members)
    assert pick.seed_hex == seed_bytes.hex()
    assert rerun_draw(pick.draw) == pick.holder


def test_the_draw_follows_the_documented_algorithm():
    # An independent reading of the docstring: SHA-256(seed || 8-byte big-endian counter), reject >= limit.
    members = ["zoe", "Amara", "jonas", "lucía", "10", "9"]
    for i in range(200):
        seed_bytes = seed("algorithm", i)
        candidates = sorted(members, key=lambda m: m.encode("utf-8"))
        n = len(candidates)
        limit = 2**256 - 2**256 % n
        counter = 0
        while (x := int.from_bytes(hashlib.sha256(seed_bytes + counter.to_bytes(8, "big")).digest(), "big")) >= limit:
            counter += 1
        pick = draw_by_lot(members, [], RoleRules(), seed_bytes)
        assert pick.draw == {
            "algorithm": LOTTERY_ALGORITHM,
            "seed": seed_bytes.hex(),
            "candidates": candidates,
            "index": x % n,
            "holder": candidates[x % n],
        }


@pytest.mark.parametrize("n", [2, 3, 7, 13])
def test_the_lottery_is_roughly_uniform_over_many_seeds(n):
    members = [f"m{i:02d}" for i in range(n)]
    draws = 20_000
    chosen = dict.fromkeys(members, 0)
    for i in range(draws):
        chosen[draw_by_lot(members, [], RoleRules(), seed("uniform", n, i)).holder] += 1
    for count in chosen.values():
        # Between 0.5/n and 1.5/n of the draws, in whole numbers.
        assert draws < 2 * n * count < 3 * draws


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 8),
    past=st.lists(st.integers(0, 7), max_size=12),
    away=st.sets(st.integers(0, 7)),
    limit=st.integers(1, 3),
    cooldown=st.integers(0, 3),
    seed_bytes=st.binary(min_size=16, max_size=32),
)
def test_excluded_members_are_never_drawn(n, past, away, limit, cooldown, seed_bytes):
    members = _members(n)
    history = terms(*(f"m{i % n}" for i in past))
    rules = RoleRules(max_consecutive_terms=limit, cooldown_terms=cooldown, rotation=Rotation.LOTTERY)
    absent = {f"m{i}" for i in away}
    pick = draw_by_lot(members, history, rules, seed_bytes, absent)
    assert pick.eligible == eligibility(members, history, rules, absent).eligible
    if pick.eligible:
        assert pick.holder in pick.eligible
        assert pick.holder not in {e.member for e in pick.excluded}
    else:
        assert pick.holder is None
        assert pick.draw is None


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (lambda d: {**d, "index": (d["index"] + 1) % 5}, "draw_mismatch"),
        (lambda d: {**d, "holder": next(c for c in d["candidates"] if c != d["holder"])}, "draw_mismatch"),
        (lambda d: {**d, "candidates": list(reversed(d["candidates"]))}, "bad_draw"),
        (lambda d: {**d, "candidates": [*d["candidates"], d["candidates"][-1]]}, "bad_draw"),
        (lambda d: {**d, "seed": d["seed"].upper()}, "bad_draw"),
        (lambda d: {**d, "seed": "00"}, "bad_draw"),
        (lambda d: {k: v for k, v in d.items() if k != "index"}, "bad_draw"),
        (lambda d: {**d, "algorithm": "sha256-modulo/v0"}, "unknown_algorithm"),
    ],
)
def test_rerun_draw_refuses_a_tampered_record(tamper, code):
    draw = draw_by_lot(_members(5), [], RoleRules(), SEED).draw
    assert draw is not None
    with pytest.raises(RotationError) as caught:
        rerun_draw(tamper(draw))
    assert caught.value.code == code


def test_rerun_draw_notices_a_different_seed():
    members = _members(5)
    draw = draw_by_lot(members, [], RoleRules(), SEED).draw
    assert draw is not None
    # Find a seed that selects someone else and record it with the original outcome.
    for i in range(100):
        candidate = seed("other", i)
        if draw_by_lot(members, [], RoleRules(), candidate).holder != draw["holder"]:
            with pytest.raises(RotationError) as caught:
                rerun_draw({**draw, "seed": candidate.hex()})
            assert caught.value.code == "draw_mismatch"
            return
    raise AssertionError("no seed selected anyone else")


@pytest.mark.parametrize("bad_seed", [b"short", b"x" * 257, "not bytes but text!"])
def test_a_lottery_seed_must_be_bytes_of_a_sensible_length(bad_seed):
    with pytest.raises(RotationError) as caught:
        draw_by_lot(["amara"], [], RoleRules(), bad_seed)
    assert caught.value.code == "bad_seed"


def test_with_nobody_eligible_the_lottery_records_its_seed_but_draws_nobody():
    pick = draw_by_lot(["amara"], [], RoleRules(), SEED, absent={"amara"})
    assert (pick.holder, pick.draw, pick.seed_hex) == (None, None, SEED.hex())
    assert pick.explanation == "Nobody takes the role: no member is eligible; amara sits out (absent)."


# The public record


@pytest.mark.parametrize(
    "make",
    [
        lambda m, h: next_by_rota(m, h, RoleRules()),
        lambda m, h: draw_by_lot(m, h, RoleRules(), SEED),
        lambda m, h: next_by_rota(m, h, RoleRules(), absent=set(m)),
        lambda m, h: draw_by_lot([], h, RoleRules(), SEED),
    ],
)
def test_a_pick_is_canonical_json_for_the_ledger(make):
    pick = make(["Amara", "Jonas", "Lucía", "did:key:z6Mk"], terms("Jonas", "Jonas", "Ruth"))
    value = pick.to_json()
    assert parse_canonical_json(canonical_json(value)) == value
    assert value["method"] == pick.method.value
    assert [s["member"] for s in value["service"]] == list(pick.service)


def test_a_picks_service_record_cannot_be_changed_afterwards():
    pick = next_by_rota(["amara"], [], RoleRules())
    with pytest.raises(TypeError):
        pick.service["amara"] = 5  # type: ignore[index]


# Chores


def test_nobody_gets_a_second_chore_while_someone_present_has_none():
    members = ["amara", "jonas", "lucia"]
    assert chore_rota(members, ["dishes", "bins"], {}, absent={"amara"}) == {"dishes": "jonas", "bins": "lucia"}
    assert chore_rota(members, ["dishes", "bins", "floor", "toilets"], {}) == {
        "dishes": "amara",
        "bins": "jonas",
        "floor": "lucia",
        "toilets": "amara",
    }


def test_past_chores_of_every_kind_count_towards_the_next_assignment():
    history = {"dishes": terms("amara", "amara"), "retired chore": terms("jonas")}
    assert chore_rota(["amara", "jonas", "lucia"], ["dishes"], history) == {"dishes": "lucia"}
    assert chore_rota(["amara", "jonas"], ["dishes"], history) == {"dishes": "jonas"}


def test_among_equal_totals_a_chore_goes_to_whoever_did_it_least_then_longest_ago():
    history = {"dishes": terms("amara"), "bins": terms("jonas")}
    assert chore_rota(["amara", "jonas"], ["dishes"], history) == {"dishes": "jonas"}
    history = {"dishes": terms("amara", "jonas"), "bins": terms("jonas", "amara")}
    assert chore_rota(["jonas", "amara"], ["dishes"], history) == {"dishes": "amara"}


def test_with_nobody_present_chores_stay_unassigned():
    assert chore_rota(["amara"], ["dishes", "bins"], {}, absent={"amara"}) == {"dishes": None, "bins": None}


def test_a_chore_listed_twice_is_refused():
    with pytest.raises(RotationError) as caught:
        chore_rota(["amara"], ["dishes", "dishes"], {})
    assert caught.value.code == "duplicate_chore"


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(1, 10),
    chores=st.integers(1, 8),
    always=st.integers(1, 10),
    chance=st.sampled_from([0, 20, 50]),
    randomness=RANDOMNESS,
)
def test_chores_are_shared_evenly_over_many_periods(n, chores, always, chance, randomness):
    members = _members(n)
    steady = members[: min(always, n)]
    names = [f"chore{i}" for i in range(chores)]
    history = {name: [] for name in names}
    totals = dict.fromkeys(members, 0)
    absences = _away_at_random(members[len(steady) :], chance, random.Random(randomness), 100)
    for period, absent in enumerate(absences):
        present = [m for m in members if m not in absent]
        assignment = chore_rota(members, names, history, absent)
        assert list(assignment) == names
        given_out = [assignment[name] for name in names]
        assert all(m in present for m in given_out)
        per_member = [given_out.count(m) for m in present]
        # Nobody gets two chores while someone present has none, and extras wrap round evenly.
        assert max(per_member) - min(per_member) <= 1
        today = DAY_ONE + timedelta(days=7 * period)
        for name, member in assignment.items():
            history[name].append(Term(member, today, today + timedelta(days=7)))
            totals[member] += 1
        assert max(totals[m] for m in steady) - min(totals[m] for m in steady) <= 1


def test_a_member_holding_another_role_steps_aside_while_someone_else_can_serve():
    from confederal.roles import RoleRules, eligibility, next_by_rota

    rules = RoleRules()
    pick = next_by_rota(["ana", "ben", "cem"], [], rules, busy=["ana"])
    assert pick.holder == "ben"
    assert [(e.member, e.reason) for e in pick.excluded] == [("ana", "holds_another_role")]
    assert "ana sits out (holds another role)" in pick.explanation
    # When only the busy can serve, they still may: a role never stays empty for this reason.
    only = eligibility(["ana", "ben"], [], rules, absent=["ben"], busy=["ana"])
    assert only.eligible == ("ana",)
