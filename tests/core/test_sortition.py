"""Fair lotteries: known answers by hand, optimality against brute force, rotation, draws and their audit."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from pathlib import Path

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from confederal import sortition
from confederal.ledger import canonical_json

POOLS = Path(__file__).resolve().parents[1] / "data" / "sortition"
H = "ab" * 32  # a 32-byte hex value for announcement hashes and beacons


def public_pool(name: str, size: int) -> sortition.Pool:
    """One of the public pools in ``tests/data/sortition``, for a panel of ``size``."""
    quotas = sortition.read_features_csv((POOLS / name / "features.csv").read_text())
    return sortition.build_pool(
        sortition.read_people_csv((POOLS / name / "people.csv").read_text(), quotas), quotas, size
    )


def people(spec: str, served: dict[str, int] | None = None) -> list[sortition.Person]:
    """'a:f,x b:m,y' → people a and b with g = f/m and h = x/y."""
    out = []
    for item in spec.split():
        name, values = item.split(":")
        g, h = values.split(",")
        out.append(sortition.Person(name, {"g": g, "h": h}, (served or {}).get(name, 0)))
    return out


def q(feature: str, value: str, low: int, high: int) -> sortition.Quota:
    return sortition.Quota(feature, value, low, high)


# -- known answers, solved by hand ---------------------------------------------------------------


def test_it_gives_everyone_an_equal_chance_when_the_quotas_are_balanced():
    pool = sortition.build_pool(people("a:f,x b:f,y c:m,x d:m,y"), [q("g", "f", 1, 1), q("g", "m", 1, 1)], 2)
    lottery = sortition.select(pool)
    assert lottery.probabilities() == pytest.approx(dict.fromkeys("abcd", 0.5), abs=1e-9)
    assert lottery.minimum == pytest.approx(0.5, abs=1e-9)
    assert lottery.certificate == pytest.approx(0.5, abs=1e-6)


def test_it_gives_a_scarce_group_more_and_shares_the_rest_equally():
    # One seat each for f and m: d is the only m, so d always serves; a, b, c share the f seat.
    pool = sortition.build_pool(people("a:f,x b:f,x c:f,y d:m,y"), [q("g", "f", 1, 1), q("g", "m", 1, 1)], 2)
    for method in ("leximin", "maximin"):
        lottery = sortition.select(pool, method)
        chances = lottery.probabilities()
        assert chances["d"] == pytest.approx(1.0, abs=1e-6)
        assert lottery.minimum == pytest.approx(1 / 3, abs=1e-6)
        assert lottery.certificate == pytest.approx(1 / 3, abs=1e-6)
    leximin = sortition.select(pool).probabilities()
    assert [leximin[p] for p in "abc"] == pytest.approx([1 / 3] * 3, abs=1e-6)


def test_it_raises_the_second_lowest_chance_as_far_as_it_can_under_leximin():
    # Panel of 2 with at most one y: the y people (c, d, e) share at most one seat: 1/3 each at best.
    # The x people (a, b) then fill the rest: leximin gives them 1 - ... = everything left, 2 - 1 = 1 seat
    # between two people when one y seat is always used: a and b 1/2 each.
    pool = sortition.build_pool(people("a:f,x b:m,x c:f,y d:m,y e:f,y"), [q("h", "x", 0, 2), q("h", "y", 0, 1)], 2)
    chances = sortition.select(pool).probabilities()
    assert [chances[p] for p in "cde"] == pytest.approx([1 / 3] * 3, abs=1e-6)
    assert [chances[p] for p in "ab"] == pytest.approx([1 / 2] * 2, abs=1e-6)


def test_it_favours_those_who_served_less_in_a_rotation():
    pool = sortition.build_pool(people("a:f,x b:f,x c:f,x", served={"a": 1}), [q("g", "f", 0, 1)], 1)
    chances = sortition.select(pool).probabilities()
    assert chances == pytest.approx({"a": 0.0, "b": 0.5, "c": 0.5}, abs=1e-6)


def test_it_leaves_out_of_the_minimum_those_a_zero_quota_excludes():
    pool = sortition.build_pool(people("a:f,x b:f,y c:m,x"), [q("g", "f", 0, 2), q("g", "m", 0, 0)], 1)
    lottery = sortition.select(pool)
    assert lottery.never == ("c",)
    assert lottery.probabilities()["c"] == 0
    assert lottery.minimum == pytest.approx(0.5, abs=1e-6)


@pytest.mark.slow
def test_it_finds_the_published_optimum_on_the_public_pools():
    # The README of ../shared/data/sortition gives the best possible minimum of each pool.
    cases = [("example_small_20", 20, 0.10), ("sa_fixture_22", 22, 0.0909), ("example_large_200", 200, 0.10)]
    for name, size, best in cases:
        pool = public_pool(name, size)
        lottery = sortition.select(pool, "maximin")
        assert lottery.minimum == pytest.approx(best, abs=5e-4), name
        assert lottery.certificate - lottery.minimum <= 5e-4
        assert sum(lottery.probabilities().values()) == pytest.approx(size, abs=1e-6)


# -- optimality against brute force ---------------------------------------------------------------


def _feasible_panels(
    pool_people: list[sortition.Person], quotas: list[sortition.Quota], size: int
) -> list[tuple[int, ...]]:
    """Every panel of ``size`` that meets the quotas, listed explicitly."""
    found = []
    for panel in itertools.combinations(range(len(pool_people)), size):
        counts = Counter(
            (qq.feature, qq.value)
            for i in panel
            for qq in quotas
            if pool_people[i].features.get(qq.feature) == qq.value
        )
        if all(qq.min <= counts[(qq.feature, qq.value)] <= qq.max for qq in quotas):
            found.append(panel)
    return found


def brute_force_maximin(pool_people: list[sortition.Person], quotas: list[sortition.Quota], size: int) -> float | None:
    """The maximin optimum over every feasible panel listed explicitly (an independent LP)."""
    ids = [p.id for p in pool_people]
    rows = _feasible_panels(pool_people, quotas, size)
    if not rows:
        return None
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    m = len(rows)
    h.addVars(m + 1, np.zeros(m + 1), np.array([highspy.kHighsInf] * m + [1.0]))
    h.changeColCost(m, 1.0)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addRow(1.0, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
    for person in range(len(ids)):
        members = [c for c, panel in enumerate(rows) if person in panel]
        if not members:
            continue  # on no feasible panel at all: left out of the minimum, as the lottery reports
        idx = np.array([*members, m], dtype=np.int32)
        h.addRow(0.0, highspy.kHighsInf, len(idx), idx, np.array([1.0] * len(members) + [-1.0]))
    h.run()
    return float(h.getInfo().objective_function_value)


pools = st.tuples(
    st.lists(st.tuples(st.sampled_from("fm"), st.sampled_from("xyz")), min_size=3, max_size=9),
    st.integers(1, 4),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4)), min_size=5, max_size=5),
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools)
def test_it_reaches_the_brute_force_optimum_and_every_panel_meets_the_quotas(case):
    rows, size, bounds = case
    size = min(size, len(rows))
    crowd = [sortition.Person(f"p{i}", {"g": g, "h": h}) for i, (g, h) in enumerate(rows)]
    values = [("g", "f"), ("g", "m"), ("h", "x"), ("h", "y"), ("h", "z")]
    quotas = [q(f, v, min(lo, hi), max(lo, hi)) for (f, v), (lo, hi) in zip(values, bounds, strict=True)]
    pool = sortition.build_pool(crowd, quotas, size)
    best = brute_force_maximin(crowd, quotas, size)
    if best is None:
        with pytest.raises(sortition.SortitionError) as raised:
            sortition.select(pool)
        assert raised.value.code == "quotas_infeasible"
        assert raised.value.details["relaxation"], "an infeasible draw names a relaxation"
        return
    for method in ("leximin", "maximin"):
        lottery = sortition.select(pool, method)
        assert all(pool.meets_quotas(p) for p in lottery.panels)
        assert sum(lottery.weights) == sortition.WEIGHT_TOTAL
        assert sum(lottery.probabilities().values()) == pytest.approx(size, abs=1e-6)
        assert lottery.certificate >= lottery.minimum
        assert lottery.certificate == pytest.approx(best, abs=1e-5)
        assert lottery.minimum == pytest.approx(best, abs=1e-5)


def brute_force_leximin(pool_people: list[sortition.Person], quotas: list[sortition.Quota], size: int) -> list[float]:
    """Each person's leximin chance, sorted, from every feasible panel listed explicitly.

    Level by level: maximise the smallest chance of the people not yet settled, then
    settle everyone whose chance cannot rise above that level (one programme each).
    """
    panels = _feasible_panels(pool_people, quotas, size)
    m, n = len(panels), len(pool_people)
    on = np.zeros((n, m))
    for c, panel in enumerate(panels):
        on[list(panel), c] = 1.0
    reachable = on.sum(axis=1) > 0
    settled: dict[int, float] = {}

    def solve(objective_person: int | None, level: float | None) -> float:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.addVars(m + 1, np.zeros(m + 1), np.full(m + 1, highspy.kHighsInf))
        h.changeColBounds(m, -highspy.kHighsInf, highspy.kHighsInf)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        h.addRow(1.0, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
        for i in range(n):
            if not reachable[i]:
                continue
            if i in settled:
                h.addRow(settled[i] - 1e-9, highspy.kHighsInf, m, np.arange(m, dtype=np.int32), on[i])
            elif level is None:
                h.addRow(0.0, highspy.kHighsInf, m + 1, np.arange(m + 1, dtype=np.int32), np.append(on[i], -1.0))
            else:
                h.addRow(level - 1e-9, highspy.kHighsInf, m, np.arange(m, dtype=np.int32), on[i])
        if objective_person is None:
            h.changeColCost(m, 1.0)
        else:
            h.changeColsCost(m, np.arange(m, dtype=np.int32), on[objective_person])
        h.run()
        return float(h.getInfo().objective_function_value)

    while len(settled) < int(reachable.sum()):
        level = solve(None, None)
        open_people = [i for i in range(n) if reachable[i] and i not in settled]
        tight = [i for i in open_people if solve(i, level) <= level + 1e-7]
        for i in tight or open_people:
            settled[i] = level
    return sorted(settled.values())


three_feature_pools = st.tuples(
    st.lists(st.tuples(*[st.sampled_from("xy")] * 3), min_size=3, max_size=8),
    st.integers(1, 4),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=6, max_size=6),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(three_feature_pools)
# Found by this test: p4 fits no panel, yet the levels' slack left it a count of 1e-9, so it was
# counted as selectable at 0 % instead of as never selectable.
@example(
    (
        [("x", "x", "x"), ("x", "x", "y"), ("x", "y", "x"), ("x", "y", "x"), ("y", "x", "x")],
        1,
        [(0, 2), (0, 1), (0, 1), (1, 2), (0, 2), (0, 0)],
    )
)
def test_it_reaches_the_brute_force_leximin_profile_with_three_features(case):
    # With three features the fractional quota polytope can have corners no panel sits on, so
    # this covers both ways the lottery is built: mixing the fractional levels, and level by level.
    rows, size, bounds = case
    size = min(size, len(rows))
    crowd = [sortition.Person(f"p{i}", dict(zip("abc", values, strict=True))) for i, values in enumerate(rows)]
    values = [(f, v) for f in "abc" for v in "xy"]
    quotas = [q(f, v, min(lo, hi), max(lo, hi)) for (f, v), (lo, hi) in zip(values, bounds, strict=True)]
    pool = sortition.build_pool(crowd, quotas, size)
    if not _feasible_panels(crowd, quotas, size):
        with pytest.raises(sortition.SortitionError):
            sortition.select(pool)
        return
    expected = brute_force_leximin(crowd, quotas, size)
    lottery = sortition.select(pool)
    assert lottery.complete
    assert all(pool.meets_quotas(p) for p in lottery.panels)
    chances = lottery.probabilities()
    got = sorted(chances[p.id] for p in crowd if p.id not in lottery.never)
    assert got == pytest.approx(expected, abs=1e-5)
    assert lottery.certificate >= lottery.minimum
    assert lottery.certificate == pytest.approx(expected[0], abs=1e-5)
    # Maximin only promises the smallest chance, over the same people.
    maximin = sortition.select(pool, "maximin")
    assert maximin.never == lottery.never
    assert all(pool.meets_quotas(p) for p in maximin.panels)
    assert maximin.minimum == pytest.approx(expected[0], abs=1e-5)


def test_it_builds_level_by_level_when_the_fractional_levels_are_no_mixture_of_panels():
    # Panels of 3 with exactly two b = y, two c = x, one c = y and one or two a = x. Only two kinds of
    # panel exist: {p0, p6, p4 or p5} and {p1 or p3, p2, p6}. So p6 always serves; half and half
    # gives p0 and p2 1/2 each and p1, p3, p4, p5 1/4 each, the leximin lottery. With fractional
    # counts p6 could serve only 3/4 of the time, a point no mixture of real panels reaches.
    spec = {"p0": "yyy", "p1": "xxy", "p2": "yyx", "p3": "xxy", "p4": "yxx", "p5": "yxx", "p6": "xyx"}
    crowd = [sortition.Person(name, dict(zip("abc", v, strict=True))) for name, v in spec.items()]
    quotas = [q("a", "x", 1, 2), q("a", "y", 1, 3), q("b", "x", 0, 3), q("b", "y", 2, 2)]
    quotas += [q("c", "x", 2, 2), q("c", "y", 1, 1)]
    lottery = sortition.select(sortition.build_pool(crowd, quotas, 3))
    assert lottery.complete
    chances = lottery.probabilities()
    assert chances == pytest.approx({"p0": 0.5, "p2": 0.5, "p6": 1.0, **dict.fromkeys(["p1", "p3", "p4", "p5"], 0.25)})
    assert lottery.certificate == pytest.approx(0.25, abs=1e-6)
    # Maximin meets the same wall (the leximin point is no mixture of panels) and still ends with the
    # optimum, by columns, stopping after the first level.
    maximin = sortition.select(sortition.build_pool(crowd, quotas, 3), "maximin")
    assert maximin.complete
    assert maximin.minimum == pytest.approx(0.25, abs=1e-6)
    assert maximin.certificate == pytest.approx(0.25, abs=1e-5)


@pytest.mark.slow
def test_both_ways_of_building_the_lottery_agree_on_a_public_pool(monkeypatch):
    pool = public_pool("sa_fixture_22", 22)
    mixed = sortition.select(pool)
    mixed_maximin = sortition.select(pool, "maximin")
    import confederal.sortition._lottery as lottery_module

    monkeypatch.setattr(lottery_module._Run, "solve_by_levels_first", lambda self, method: None)
    by_levels = sortition.select(pool)
    by_levels_maximin = sortition.select(pool, "maximin")
    assert mixed.complete
    assert by_levels.complete
    # Level by level, the later levels are solved to 10⁻⁴ (the first to 10⁻⁵); the mixture is exact.
    assert sorted(mixed.probabilities().values()) == pytest.approx(sorted(by_levels.probabilities().values()), abs=2e-4)
    assert mixed.minimum == pytest.approx(by_levels.minimum, abs=1e-5)
    assert mixed.minimum >= by_levels.minimum - 1e-7
    # Maximin from the leximin point reaches the same minimum as maximin by column generation.
    assert mixed_maximin.method == by_levels_maximin.method == "maximin"
    assert mixed_maximin.minimum == pytest.approx(by_levels_maximin.minimum, abs=1e-5)
    assert mixed_maximin.certificate - mixed_maximin.minimum < 5e-4


# -- infeasible quotas ------------------------------------------------------------------------------


def test_it_explains_quotas_that_cannot_add_up_and_the_smallest_fix():
    crowd = people("a:f,x b:f,y c:m,x d:m,y e:m,x")
    with pytest.raises(sortition.SortitionError) as raised:
        sortition.select(sortition.build_pool(crowd, [q("g", "f", 2, 2), q("g", "m", 2, 3)], 3))
    error = raised.value
    assert error.code == "quotas_infeasible"
    assert "minimums for g add up to 4, more than the panel of 3" in error.message
    assert len(error.details["relaxation"]) == 1
    fix = error.details["relaxation"][0]
    assert (fix["bound"], fix["to"]) == ("min", fix["from"] - 1)


def test_it_explains_a_conflict_between_two_features():
    # Two f people, both x; the panel must have 2 f and 2 y: impossible in a panel of 2.
    crowd = people("a:f,x b:f,x c:m,y d:m,y")
    with pytest.raises(sortition.SortitionError) as raised:
        sortition.select(
            sortition.build_pool(crowd, [q("g", "f", 2, 2), q("g", "m", 0, 2), q("h", "x", 0, 2), q("h", "y", 2, 2)], 2)
        )
    assert "cannot all hold together" in raised.value.message
    assert "The smallest change that allows a draw" in raised.value.message


@pytest.mark.parametrize(
    ("crowd", "quotas", "size", "code"),
    [
        ([], [q("g", "f", 0, 1)], 1, "empty_pool"),
        (people("a:f,x"), [q("g", "f", 0, 1)], 2, "bad_size"),
        (people("a:f,x a:f,y"), [q("g", "f", 0, 1)], 1, "duplicate_person"),
        (people("a:f,x"), [q("g", "f", 2, 1)], 1, "bad_quota"),
        (people("a:f,x"), [q("g", "f", 0, 1), q("g", "f", 0, 1)], 1, "duplicate_quota"),
        (people("a:f,x"), [q("g", "m", 0, 1)], 1, "unknown_value"),
    ],
)
def test_it_refuses_malformed_input_with_a_stable_code(crowd, quotas, size, code):
    with pytest.raises(sortition.SortitionError) as raised:
        sortition.build_pool(crowd, quotas, size)
    assert raised.value.code == code


# -- long runs --------------------------------------------------------------------------------------


def test_it_stops_when_asked_and_returns_a_valid_partial_lottery():
    pool = public_pool("sa_fixture_22", 22)
    reports = []
    lottery = sortition.select(pool, should_stop=lambda: len(reports) >= 3, progress=reports.append)
    assert not lottery.complete
    assert reports
    assert reports[0].stage == 1
    assert all(pool.meets_quotas(p) for p in lottery.panels)
    assert lottery.certificate >= lottery.minimum
    full = sortition.select(pool)
    assert full.complete
    assert full.minimum >= lottery.minimum - 1e-9


def _ticking(pool: sortition.Pool, limit: int, method: str = "leximin", **kwargs) -> sortition.Lottery:
    """Select on a clock that moves one second each time it is read, so the stop falls at the same step every run."""
    ticks = iter(range(1_000_000))
    return sortition.select(pool, method, clock=lambda: float(next(ticks)), time_limit=limit, **kwargs)  # type: ignore[arg-type]


def test_it_respects_a_time_limit_on_an_injected_clock():
    pool = public_pool("sa_fixture_22", 22)
    lottery = _ticking(pool, 30)
    assert not lottery.complete
    assert all(pool.meets_quotas(p) for p in lottery.panels)
    # Too short to find even one panel: a clear refusal, not a lottery that claims anything.
    with pytest.raises(sortition.SortitionError) as raised:
        _ticking(pool, 3)
    assert raised.value.code == "stopped"


@pytest.mark.parametrize(
    ("method", "fallback"),
    [("leximin", False), ("maximin", False), ("maximin", True)],
    ids=["leximin", "maximin", "maximin-by-levels"],
)
def test_a_stopped_run_reports_bounds_that_hold_the_true_optimum_between_them(method, fallback, monkeypatch):
    # Stopped an eighth and a third of the way, a run's minimum is what its lottery gives
    # (so at most the optimum) and its certificate what it proved (so at least the optimum), whichever
    # way the lottery is built: never a placeholder.
    if fallback:
        import confederal.sortition._lottery as lottery_module

        monkeypatch.setattr(lottery_module._Run, "solve_by_levels_first", lambda self, method: None)
    pool = public_pool("sa_fixture_22", 22)
    reads = itertools.count()
    optimum = sortition.select(pool, method, clock=lambda: float(next(reads)), time_limit=1e9)
    whole = next(reads)
    assert optimum.complete
    assert optimum.certificate - optimum.minimum < 1e-5
    complete = []
    for limit in (whole // 8, whole // 3):
        lottery = _ticking(pool, limit, method)
        complete.append(lottery.complete)
        assert all(pool.meets_quotas(p) for p in lottery.panels)
        chances = zip(lottery.types, lottery.type_probabilities(), strict=True)
        least = min(p for kind, p in chances if kind.members[0] not in lottery.never)
        assert lottery.minimum == pytest.approx(least, abs=1e-9)
        assert lottery.minimum <= optimum.certificate + 1e-9
        assert lottery.certificate >= optimum.minimum - 1e-9
        assert lottery.certificate < 0.5, "a bound, not a placeholder"
    # (Column generation, given the last third of a limit, may finish what the mixing could not.)
    assert not complete[0]


# -- rotation over time -----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 7), st.integers(1, 3), st.integers(1, 20), st.binary(min_size=16, max_size=16))
def test_it_spreads_service_evenly_over_many_rounds(n, size, rounds, salt):
    size = min(size, n)
    served = dict.fromkeys((f"m{i}" for i in range(n)), 0)
    for round_ in range(rounds):
        crowd = [sortition.Person(m, {"g": "all"}, s) for m, s in served.items()]
        lottery = sortition.select(sortition.build_pool(crowd, [q("g", "all", 0, size)], size))
        seed = sortition.draw_seed(H, (salt + round_.to_bytes(16, "big")).hex()[:64])
        for person in sortition.draw_panel(lottery, seed).chosen:
            served[person] += 1
        assert max(served.values()) - min(served.values()) <= 1, served


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 12), st.binary(min_size=16, max_size=16))
def test_it_keeps_the_quotas_in_every_round_of_a_rotation(rounds, salt):
    crowd0 = people("a:f,x b:f,y c:f,x d:m,y e:m,x f:m,y")
    quotas = [q("g", "f", 1, 1), q("g", "m", 1, 1)]
    served = dict.fromkeys("abcdef", 0)
    for round_ in range(rounds):
        crowd = [sortition.Person(p.id, p.features, served[p.id]) for p in crowd0]
        pool = sortition.build_pool(crowd, quotas, 2)
        lottery = sortition.select(pool)
        assert all(pool.meets_quotas(p) for p in lottery.panels)
        chosen = sortition.draw_panel(lottery, sortition.draw_seed(H, (salt * 2).hex()[:62] + f"{round_:02x}")).chosen
        for person in chosen:
            served[person] += 1
    women, men = [served[p] for p in "abc"], [served[p] for p in "def"]
    assert max(women) - min(women) <= 1
    assert max(men) - min(men) <= 1


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 9), st.integers(0, 40), st.binary(min_size=16, max_size=32))
def test_the_shuffled_rota_gives_everyone_floor_or_ceiling_turns(n, turns, seed):
    members = [f"m{i}" for i in range(n)]
    counts = Counter(sortition.shuffled_rota(members, turns, seed.hex()))
    assert sum(counts.values()) == turns
    assert all(turns // n <= counts[m] <= -(-turns // n) for m in members)


def test_the_shuffled_rota_keeps_an_absent_persons_turn():
    members = ["ana", "ben", "cai"]
    order = sortition.shuffled_rota(members, 3, "00" * 16)
    away = order[0]
    assert away is not None
    rota = sortition.shuffled_rota(members, 3, "00" * 16, absent=lambda turn: {away} if turn == 0 else set())
    assert rota[0] != away
    assert rota[1] == away
    assert Counter(rota) == Counter(members)


# -- draws and their audit ----------------------------------------------------------------------------


def entry_hash(body) -> str:
    """Stands in for the announcement's leaf hash, which the ledger computes over the entry that holds it."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


def recorded_draw():
    crowd = people("a:f,x b:f,y c:f,x d:m,y e:m,x", served={"a": 1})
    quotas = [q("g", "f", 1, 2), q("g", "m", 1, 1)]
    announced = sortition.announcement_body("d1", "facilitators", crowd, quotas, 2, "leximin", beacon_size=7)
    pool = sortition.build_pool(crowd, quotas, 2)
    lottery = sortition.select(pool)
    result = sortition.result_body("d1", entry_hash(announced), 7, "cd" * 32, lottery, pool.features)
    return announced, result


def test_it_audits_an_untouched_draw_as_matching():
    announced, result = recorded_draw()
    audit = sortition.audit_draw(announced, entry_hash(announced), "cd" * 32, result, resolve=sortition.select)
    assert audit.ok, audit.failed
    assert any("draws exactly the recorded panel" in line for line in audit.passed)


def _tamper(path: str, value):
    announced, result = recorded_draw()
    target = {"announcement": announced, "result": result}
    where, *keys = path.split(".")
    node = target[where]
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value(node[int(last)])
    else:
        node[last] = value(node[last])
    return announced, result


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("announcement.pool.1.served", lambda v: v + 1),
        ("announcement.quotas.0.max", lambda v: v + 1),
        ("announcement.size", lambda v: v + 1),
        ("announcement.beacon_size", lambda v: v + 1),
        ("result.seed", lambda v: "0" + v[1:] if v[0] != "0" else "1" + v[1:]),
        ("result.chosen", lambda v: sorted({"a", "b", "c", "d", "e"} - set(v))[:2]),
        ("result.panel", lambda v: v + 1),
        ("result.beacon.root", lambda v: "ee" * 32),
        ("result.announcement", lambda v: "ef" * 32),
        ("result.lottery.weights.0", lambda v: v - 1),
        ("result.lottery.minimum_ppb", lambda v: v + 10_000),
        ("result.lottery.types.0.served", lambda v: v + 1),
    ],
)
def test_it_detects_any_change_to_the_inputs_seed_or_result(path, change):
    announced, result = _tamper(path, change)
    audit = sortition.audit_draw(announced, entry_hash(announced), "cd" * 32, result)
    assert not audit.ok, path


def test_it_detects_a_draw_whose_beacon_is_not_the_ledgers_root():
    announced, result = recorded_draw()
    assert not sortition.audit_draw(announced, entry_hash(announced), "ce" * 32, result).ok
    assert not sortition.audit_draw(announced, entry_hash(announced), None, result).ok


def test_a_lottery_round_trips_through_its_record():
    _, result = recorded_draw()
    lottery = sortition.lottery_from_json(result["lottery"])
    assert sortition.lottery_to_json(lottery, ("g",)) == result["lottery"]


def test_a_commitment_binds_the_secret():
    secret = "12" * 32
    c = sortition.commitment(secret)
    assert sortition.check_commitment(c, secret)
    assert not sortition.check_commitment(c, "13" * 32)


def test_the_seed_depends_on_every_input():
    base = sortition.draw_seed(H, "cd" * 32, ["01" * 32])
    assert base != sortition.draw_seed(H, "cd" * 32)
    assert base != sortition.draw_seed("ac" * 32, "cd" * 32, ["01" * 32])
    assert base != sortition.draw_seed(H, "ce" * 32, ["01" * 32])
    assert sortition.draw_seed(H, "cd" * 32, ["01" * 32, "02" * 32]) == sortition.draw_seed(
        H, "cd" * 32, ["02" * 32, "01" * 32]
    )


# -- the files sortition-algorithms users keep --------------------------------------------------------


def test_it_reads_the_sortition_algorithms_files():
    quotas = sortition.read_features_csv((POOLS / "sa_fixture_22" / "features.csv").read_text())
    assert {qq.feature for qq in quotas} == {"Gender", "age_bracket", "geo_bucket", "edu_level"}
    crowd = sortition.read_people_csv((POOLS / "sa_fixture_22" / "people.csv").read_text(), quotas, "nationbuilder_id")
    assert len(crowd) == 150
    assert crowd[0].id == "p0"
    assert "email" not in crowd[0].features


@pytest.mark.parametrize(
    ("features", "people_text", "message"),
    [
        ("feature,value,min\ng,f,1\n", "id,g\na,f\n", "columns feature, value, min and max"),
        ("feature,value,min,max\ng,f,one,2\n", "id,g\na,f\n", "whole numbers"),
        ("feature,value,min,max\n", "id,g\na,f\n", "lists no quotas"),
        ("feature,value,min,max\ng,f,0,1\n", "id,h\na,f\n", "no column for g"),
    ],
)
def test_it_refuses_malformed_files_clearly(features, people_text, message):
    with pytest.raises(sortition.SortitionError) as raised:
        sortition.read_people_csv(people_text, sortition.read_features_csv(features))
    assert message in raised.value.message
