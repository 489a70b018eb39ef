"""The optimisation problems, on HiGHS (with _feasibility, the only modules that import it).

* :class:`PanelSearch` — the pricing problem: a quota-feasible panel heavier than a
  cutoff, or proof that none exists (an integer programme over counts per type);
  it can be narrowed to a face of the quota polytope and asked for any panel there.
* :class:`SwapSearch` — a fast local search for such panels, tried first.
* :class:`QuotaPolytope` — the quotas with fractional counts: leximin over it is a
  short sequence of linear programmes, and its first level bounds every lottery.
* :class:`PackingMaster` — how much of a target the panels found so far can express.
* :class:`RestrictedPrimal` — "maximise the smallest chance" over the panels found so
  far; its row duals weigh the types for the next search.
* :func:`best_mixture` — the lottery itself: the mixture of found panels that
  meets every type's target with the largest margin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt

from ._pool import Pool, SortitionError

__all__ = [
    "Face",
    "PackingMaster",
    "PanelSearch",
    "QuotaPolytope",
    "RestrictedPrimal",
    "Search",
    "SwapSearch",
    "best_mixture",
]

Vector = npt.NDArray[np.float64]
INF = highspy.kHighsInf


def _quiet(h: highspy.Highs, time_limit: float | None) -> None:
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    _limit(h, time_limit)


def _limit(h: highspy.Highs, time_limit: float | None) -> None:
    """Give the next ``run`` of ``h`` this many seconds (None: no limit); HiGHS times each run on its own."""
    h.setOptionValue("time_limit", INF if time_limit is None else max(float(time_limit), 0.001))


def _timed_out(h: highspy.Highs) -> bool:
    return h.getModelStatus() in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt)


@dataclass(frozen=True)
class Face:
    """Bounds that pin a panel to a face of the quota polytope: per type, then per quota row."""

    lower: Vector
    upper: Vector
    row_low: Vector
    row_high: Vector

    def holds(self, counts: Sequence[int], rows: Sequence[npt.NDArray[np.int64]]) -> bool:
        c = np.asarray(counts, dtype=np.float64)
        if (c < self.lower).any() or (c > self.upper).any():
            return False
        return all(self.row_low[r] <= c[m].sum() <= self.row_high[r] for r, m in enumerate(rows))


@dataclass(frozen=True)
class Search:
    """A pricing result: the best panel found, its weight, and an upper bound on any panel's weight."""

    counts: tuple[int, ...] | None
    value: float
    bound: float
    optimal: bool
    #: Other good panels the solver met on the way (each meets the quotas), best first.
    others: tuple[tuple[int, ...], ...] = ()


class PanelSearch:
    """Finds the quota-feasible panel of greatest weight (counts per type)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.sizes = np.array([t.size for t in pool.types], dtype=np.float64)
        n = len(pool.types)
        self.h = highspy.Highs()  # type: ignore[no-untyped-call]
        _quiet(self.h, None)
        self.h.setOptionValue("mip_rel_gap", 1e-9)
        self.h.setOptionValue("mip_abs_gap", 1e-12)
        # Cuts pay off for proving optimality, but these searches mostly want one good panel: with cut
        # separation kept to the root, a search is two to four times faster.
        self.h.setOptionValue("mip_lp_age_limit", 1)
        self.h.setOptionValue("mip_pool_soft_limit", 10)
        self.h.setOptionValue("mip_allow_cut_separation_at_nodes", False)
        # Every improving panel the search meets is a useful column: keep them all.
        self.h.setOptionValue("mip_improving_solution_save", True)
        upper = self.sizes.copy()
        for quota, members in pool.quota_rows():
            for i in members:
                upper[i] = min(upper[i], quota.max)
        self.upper = upper
        self.h.addVars(n, np.zeros(n), upper)
        self.h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
        self.h.addRow(pool.size, pool.size, n, np.arange(n, dtype=np.int32), np.ones(n))
        #: The quota rows that count anyone, as type indices, in the order of the model's rows 1, 2, …
        self.rows: list[npt.NDArray[np.int64]] = []
        self.row_bounds: list[tuple[float, float]] = []
        for quota, members in pool.quota_rows():
            if members:
                self.h.addRow(
                    quota.min, quota.max, len(members), np.array(members, dtype=np.int32), np.ones(len(members))
                )
                self.rows.append(np.array(members, dtype=np.int64))
                self.row_bounds.append((quota.min, quota.max))
            elif quota.min > 0:
                self.h.addRow(quota.min, quota.max, 0, np.array([], dtype=np.int32), np.array([]))
        # The cutoff row: Σ weightₜ·countₜ > cutoff. Asking only for a panel above the cutoff (or a proof
        # that none exists) lets the solver prune most of the tree; it is an order of magnitude faster
        # than proving which panel is heaviest.
        self.cutoff_row = self.h.getNumRow()
        self.h.addRow(-INF, INF, n, np.arange(n, dtype=np.int32), np.zeros(n))
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.calls = 0
        self.face: Face | None = None
        self.relaxed: highspy.Highs | None = None
        self.stop_at = INF
        self.cancel: Callable[[], bool] | None = None
        self.h.setCallback(self._check, None)  # type: ignore[arg-type]
        self.h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)

    def face_of(self, x: Vector, tol: float = 1e-9) -> Face:
        """The smallest face of the quota polytope holding ``x``: every bound and quota ``x`` meets exactly.

        Any mixture of panels that averages to ``x`` uses only panels on this face.
        """
        lower = np.zeros(len(x))
        upper = self.upper.copy()
        at_top = x >= upper - tol
        lower[at_top] = upper[at_top]
        upper[x <= tol] = 0.0
        low = np.array([b[0] for b in self.row_bounds], dtype=np.float64)
        high = np.array([b[1] for b in self.row_bounds], dtype=np.float64)
        for r, members in enumerate(self.rows):
            total = float(x[members].sum())
            if total <= low[r] + tol:
                high[r] = low[r]
            elif total >= high[r] - tol:
                low[r] = high[r]
        return Face(lower, upper, low, high)

    def restrict(self, face: Face | None) -> None:
        """Search only panels on ``face`` from now on (None: every panel again)."""
        n = len(self.pool.types)
        idx = np.arange(n, dtype=np.int32)
        if face is None:
            self.h.changeColsBounds(n, idx, np.zeros(n), self.upper)
            for r, (low, high) in enumerate(self.row_bounds, start=1):
                self.h.changeRowBounds(r, low, high)
        else:
            self.h.changeColsBounds(n, idx, face.lower, face.upper)
            for r in range(len(self.rows)):
                self.h.changeRowBounds(r + 1, float(face.row_low[r]), float(face.row_high[r]))
        self.face = face

    def _relaxed(self) -> highspy.Highs:
        if self.relaxed is None:
            n = len(self.pool.types)
            self.relaxed = highspy.Highs()  # type: ignore[no-untyped-call]
            _quiet(self.relaxed, None)
            self.relaxed.passModel(self.h.getModel())
            self.relaxed.changeColsIntegrality(
                n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kContinuous] * n)
            )
            self.relaxed.setOptionValue("presolve", "off")
            self.relaxed.changeRowBounds(self.cutoff_row, -INF, INF)
        return self.relaxed

    def any_panel(self, weights: Vector, time_limit: float | None = None) -> tuple[int, ...] | None:
        """Some panel on the current face, fast: the first the solver meets (None if there is none).

        A vertex of the fractional programme is often whole already, and then costs a
        warm-started simplex instead of an integer search.
        """
        n = len(self.pool.types)
        lp = self._relaxed()
        idx = np.arange(n, dtype=np.int32)
        face = self.face
        if face is None:
            lp.changeColsBounds(n, idx, np.zeros(n), self.upper)
        else:
            lp.changeColsBounds(n, idx, face.lower, face.upper)
        for r, (low, high) in enumerate(self.row_bounds):
            if face is not None:
                low, high = float(face.row_low[r]), float(face.row_high[r])
            lp.changeRowBounds(r + 1, low, high)
        lp.changeColsCost(n, idx, np.asarray(weights, dtype=np.float64))
        _limit(lp, time_limit)
        lp.run()
        if _timed_out(lp):
            return None
        if lp.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            values = np.array(lp.getSolution().col_value)
            whole = np.rint(values)
            if np.abs(values - whole).max() < 1e-7:
                panel = tuple(int(v) for v in whole)
                if self.pool.meets_quotas(panel) and (face is None or face.holds(panel, self.rows)):
                    return panel
        self.h.changeRowBounds(self.cutoff_row, -INF, INF)
        self.stop_at = -INF
        try:
            self._run(weights, time_limit)
        finally:
            self.stop_at = INF
        for panel in self._panels(weights):
            if self.face is None or self.face.holds(panel, self.rows):
                return panel
        return None

    def _check(self, _kind: int, _message: str, out: Any, into: Any, _data: object) -> None:
        found = out.mip_primal_bound
        good = abs(found) < INF and (found > self.stop_at or self.stop_at == -INF)
        into.user_interrupt = bool(good or (self.cancel is not None and self.cancel()))

    def _run(self, weights: Vector, time_limit: float | None) -> Any:
        n = len(self.pool.types)
        self.calls += 1
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(weights, dtype=np.float64))
        _limit(self.h, time_limit)
        self.h.run()
        return self.h.getModelStatus()

    def _panels(self, weights: Vector) -> list[tuple[int, ...]]:
        """The solver's incumbent and every improving panel it saved, heaviest first, each checked."""
        found = []
        if self.h.getInfo().primal_solution_status == 2:  # a feasible solution is held
            found.append(self.h.getSolution().col_value)
        found.extend(saved.col_value for saved in self.h.getSavedMipSolutions())
        panels: dict[tuple[int, ...], float] = {}
        for raw in found:
            panel = tuple(round(v) for v in raw)
            if panel not in panels and self.pool.meets_quotas(panel):
                panels[panel] = float(np.dot(weights, panel))
        return sorted(panels, key=panels.__getitem__, reverse=True)

    def best(self, weights: Vector, time_limit: float | None = None) -> Search:
        """The heaviest feasible panel under ``weights`` (one weight per type, per person of that type)."""
        self.h.changeRowBounds(self.cutoff_row, -INF, INF)
        self.stop_at = INF
        status = self._run(weights, time_limit)
        if status == highspy.HighsModelStatus.kInfeasible:
            raise SortitionError("quotas_infeasible", "No panel of this size meets every quota.")
        panels = self._panels(weights)
        counts = panels[0] if panels else None
        value = float(np.dot(weights, counts)) if counts is not None else -INF
        optimal = status == highspy.HighsModelStatus.kOptimal
        info = self.h.getInfo()
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else INF
        if optimal and counts is not None:
            bound = max(bound, value)
        return Search(counts, value, bound, optimal, tuple(panels[1:]))

    def better_than(
        self, weights: Vector, cutoff: float, time_limit: float | None = None
    ) -> list[tuple[int, ...]] | None:
        """Panels heavier than ``cutoff``; [] when the solver proved there are none, None if it was stopped."""
        n = len(self.pool.types)
        for t in range(n):
            self.h.changeCoeff(self.cutoff_row, t, float(weights[t]))
        self.h.changeRowBounds(self.cutoff_row, cutoff, INF)
        self.stop_at = cutoff
        try:
            status = self._run(weights, time_limit)
        finally:
            self.h.changeRowBounds(self.cutoff_row, -INF, INF)
        if status == highspy.HighsModelStatus.kInfeasible:
            return []
        panels = [p for p in self._panels(weights) if float(np.dot(weights, p)) > cutoff]
        if self.face is not None:
            panels = [p for p in panels if self.face.holds(p, self.rows)]
        if panels:
            return panels
        if status == highspy.HighsModelStatus.kOptimal:
            # Optimal yet nothing strictly above the cutoff: the best sits on it, within tolerance.
            return []
        return None


class SwapSearch:
    """A fast local search for a heavier panel: swap one person for another while every quota holds.

    It finds most new panels in a fraction of the integer programme's time; only
    when it finds nothing does the column generation pay for :class:`PanelSearch`,
    which also proves the bound.
    """

    def __init__(self, pool: Pool, face: Face | None = None) -> None:
        self.sizes = np.array([t.size for t in pool.types], dtype=np.int64)
        self.lower = np.zeros_like(self.sizes)
        rows = pool.quota_rows()
        self.low = np.array([q.min for q, _ in rows], dtype=np.int64)
        self.high = np.array([q.max for q, _ in rows], dtype=np.int64)
        # row[t, f]: the quota row type t counts towards for feature f.
        row_of: dict[tuple[str, str], int] = {(q.feature, q.value): r for r, (q, _) in enumerate(rows)}
        self.row = np.array(
            [[row_of[(f, t.profile[i])] for i, f in enumerate(pool.features)] for t in pool.types], dtype=np.int64
        ).reshape(len(pool.types), len(pool.features))
        if face is not None:
            # Face rows are the quota rows that count anyone, in order (see PanelSearch.rows).
            counted = [r for r, (_, members) in enumerate(rows) if members]
            self.low[counted] = np.rint(face.row_low).astype(np.int64)
            self.high[counted] = np.rint(face.row_high).astype(np.int64)
            self.lower = np.rint(face.lower).astype(np.int64)
            self.sizes = np.minimum(self.sizes, np.rint(face.upper).astype(np.int64))

    def improve(self, counts: Sequence[int], weights: Vector, max_steps: int = 1000) -> tuple[int, ...]:
        """Climb from ``counts`` by best single swaps until none is heavier."""
        x = np.array(counts, dtype=np.int64)
        row = self.row
        filled = np.bincount(row.ravel(), weights=np.repeat(x, row.shape[1]), minlength=len(self.low)).astype(np.int64)
        for _ in range(max_steps):
            can_leave = filled > self.low
            can_enter = filled < self.high
            # Candidates to leave, lightest first; to enter, heaviest first.
            out = np.flatnonzero(x > self.lower)
            out = out[np.argsort(weights[out], kind="stable")]
            into = np.flatnonzero(x < self.sizes)
            into = into[np.argsort(-weights[into], kind="stable")]
            if not len(into) or not len(out):
                break
            heavy = -weights[into]  # ascending, for searchsorted
            enters = can_enter[row[into]]
            best, pick = 1e-12, (-1, -1)
            for a in out:
                wa = float(weights[a])
                if -heavy[0] - wa <= best:
                    break  # no later (heavier) a can beat the best swap found
                # Only people heavier than a by more than the best gain so far are worth a look.
                end = int(np.searchsorted(heavy, -(wa + best), side="left"))
                if not end:
                    continue
                ra = row[a]
                # a for b keeps every quota when, per feature, they share the value or a's value can
                # lose one person and b's can gain one.
                ok = ((row[into[:end]] == ra) | (can_leave[ra] & enters[:end])).all(axis=1)
                j = int(np.argmax(ok))
                if ok[j]:
                    best, pick = -float(heavy[j]) - wa, (int(a), int(into[j]))
            if pick[0] < 0:
                break
            leaving, entering = pick
            x[leaving] -= 1
            x[entering] += 1
            filled[row[leaving]] -= 1
            filled[row[entering]] += 1
        return tuple(int(v) for v in x)


class QuotaPolytope:
    """The quotas with fractional counts per type: Σ xₜ = k, each quota's sum within its bounds, 0 ≤ x ≤ upper.

    Every lottery's expected counts lie in it, so leximin over it — a few linear
    programmes, no panels — bounds every lottery from above, level by level. When
    its answer can be written as a mixture of panels, that mixture is the leximin
    lottery, and its first level is the certificate.
    """

    def __init__(self, pool: Pool, upper: Vector) -> None:
        self.pool = pool
        self.sizes = np.array([t.size for t in pool.types], dtype=np.float64)
        self.upper = upper
        n = len(pool.types)
        self.n = n
        self.h = highspy.Highs()  # type: ignore[no-untyped-call]
        _quiet(self.h, None)
        # Levels are compared to decide who is settled: ask for more accuracy than the defaults give.
        self.h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        self.h.setOptionValue("dual_feasibility_tolerance", 1e-9)
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.addVars(n, np.zeros(n), upper)
        self.h.addVar(-INF, INF)  # column n: the level z
        self.h.addRow(pool.size, pool.size, n, np.arange(n, dtype=np.int32), np.ones(n))
        for quota, members in pool.quota_rows():
            if members or quota.min > 0:
                idx = np.array(members, dtype=np.int32)
                self.h.addRow(quota.min, quota.max, len(idx), idx, np.ones(len(idx)))
        self.first_level_row = self.h.getNumRow()

    def largest(self, t: int, time_limit: float | None = None) -> float:
        """The most of type t any point of the polytope holds (before any level is added).

        Raises:
            _Interrupted: when the time ran out first.
        """
        n = self.n
        cost = np.zeros(n + 1)
        cost[t] = 1.0
        self.h.changeColsCost(n + 1, np.arange(n + 1, dtype=np.int32), cost)
        _limit(self.h, time_limit)
        self.h.run()
        if _timed_out(self.h):
            raise _Interrupted("time limit")
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return 0.0
        return float(self.h.getInfo().objective_function_value)

    def leximin(
        self,
        served: Vector,
        include: npt.NDArray[np.bool_],
        settle: float = 1e-9,
        first_only: bool = False,
        remaining: Callable[[], float | None] = lambda: None,
    ) -> tuple[Vector, Vector, float] | None:
        """Leximin over served + chance for the ``include``d types.

        Returns the counts per type, each type's level (served + chance) and the first
        level; None if the quotas leave no point at all. A type is settled when its
        level row carries a dual weight: then it sits at that level in every optimum.
        With ``first_only`` (maximin) it stops after the first level and every type is
        given that level: the point is then a vertex, on a small face, which is quicker
        to write as a mixture of panels. Each programme gets the time ``remaining()`` says is left.

        Raises:
            _Interrupted: when the time ran out first.
        """
        n = self.n
        h = self.h
        cost = np.zeros(n + 1)
        cost[n] = 1.0
        h.changeColsCost(n + 1, np.arange(n + 1, dtype=np.int32), cost)
        base = self.first_level_row
        for t in range(n):
            # Scaled by nₜ: xₜ − nₜ·z ≥ −nₜ·servedₜ, i.e. chance + served ≥ z.
            if include[t]:
                h.addRow(-self.sizes[t] * served[t], INF, 2, np.array([t, n], dtype=np.int32),
                         np.array([1.0, -self.sizes[t]]))  # fmt: skip
            else:
                h.addRow(-INF, INF, 0, np.array([], dtype=np.int32), np.array([]))
        open_types = include.copy()
        levels = np.zeros(n)
        first = np.nan
        slack = 1e-9

        def run() -> None:
            _limit(h, remaining())
            h.run()
            if _timed_out(h):
                raise _Interrupted("time limit")

        try:
            while open_types.any():
                run()
                while h.getModelStatus() != highspy.HighsModelStatus.kOptimal and np.isfinite(first) and slack < 1e-6:
                    # Levels held to the last digit can clash by rounding: give them all a little more room.
                    slack *= 10
                    for held in np.flatnonzero(include & ~open_types):
                        h.changeRowBounds(
                            base + int(held), self.sizes[held] * (levels[held] - served[held] - slack), INF
                        )
                    run()
                if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                    return None
                z = float(h.getInfo().objective_function_value)
                if np.isnan(first):
                    first = z
                    if first_only:
                        levels[include] = z
                        break
                duals = np.abs(np.array(h.getSolution().row_dual[base : base + n]))
                settled = open_types & (duals > settle * max(duals[open_types].max(), 1e-300))
                if not settled.any():
                    settled = open_types & (duals >= duals[open_types].max())
                for now in np.flatnonzero(settled):
                    # Held at its level from now on (less a hair, so rounding cannot make it infeasible).
                    h.changeCoeff(base + int(now), n, 0.0)
                    h.changeRowBounds(base + int(now), self.sizes[now] * (z - served[now] - slack), INF)
                    levels[now] = z
                open_types &= ~settled
            x = np.clip(np.array(h.getSolution().col_value[:n]), 0.0, self.upper)
        finally:
            h.deleteRows(n, np.arange(base, base + n, dtype=np.int32))
        return x, levels, float(first)


class PackingMaster:
    """max Σ μ  s.t.  Σ_c μ_c·c ≤ target on the given types,  μ ≥ 0.

    Every panel has k people and the target's counts sum to k, so the optimum is at
    most 1, and it is 1 exactly when the target is a mixture of the panels found;
    otherwise its duals y price the next panel: one with y·c < 1 adds to the mixture.
    """

    def __init__(self, target: Vector, rows: npt.NDArray[np.int64]) -> None:
        self.rows = rows
        self.h = highspy.Highs()  # type: ignore[no-untyped-call]
        _quiet(self.h, None)
        self.h.setOptionValue("presolve", "off")
        self.h.setOptionValue("simplex_strategy", 4)  # primal: adding columns keeps the basis feasible
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        for t in rows:
            self.h.addRow(-INF, float(target[t]), 0, np.array([], dtype=np.int32), np.array([]))
        self.columns = 0

    def add_panel(self, counts: Sequence[int]) -> None:
        values = np.asarray(counts, dtype=np.float64)[self.rows]
        idx = np.flatnonzero(values)
        self.h.addCol(1.0, 0.0, INF, len(idx), idx.astype(np.int32), values[idx])
        self.columns += 1

    def solve(self, time_limit: float | None = None) -> tuple[float, Vector, Vector]:
        """The share of the target expressed, the duals on the rows, and the panel weights μ."""
        _limit(self.h, time_limit)
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise _Interrupted(str(self.h.modelStatusToString(status)))
        solution = self.h.getSolution()
        return (
            float(self.h.getInfo().objective_function_value),
            np.abs(np.array(solution.row_dual)),
            np.clip(np.array(solution.col_value), 0.0, None),
        )


#: Seconds the primal simplex may run on the restricted programme before HiGHS picks its own method.
STALL = 5.0


class RestrictedPrimal:
    """max z  s.t.  Σ_c aₜ(c)·λ_c − z ≥ bₜ (open types),  Σ_c aₜ(c)·λ_c ≥ bₜ (fixed),  Σ λ = 1,  λ ≥ 0.

    With aₜ(c) = cₜ / nₜ (the chance a person of type t is on panel c), its optimum is the
    best smallest chance (plus service) over the open types that mixtures of the panels
    found so far reach, fixed types held at their levels. Panels are columns, so the basis
    stays as small as the number of types however many panels are added, and the primal
    simplex carries on from where it stopped. The row duals are the type weights y.
    """

    def __init__(self, sizes: Vector) -> None:
        self.sizes = sizes
        n = len(sizes)
        self.n = n
        self.h = highspy.Highs()  # type: ignore[no-untyped-call]
        _quiet(self.h, None)
        self.h.setOptionValue("presolve", "off")
        self.h.setOptionValue("solver", "simplex")
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.addVar(-INF, INF)  # column 0: z
        self.h.changeColCost(0, 1.0)
        for _ in range(n):
            self.h.addRow(0.0, INF, 0, np.array([], dtype=np.int32), np.array([], dtype=np.float64))
        self.h.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([], dtype=np.float64))  # Σ λ = 1
        self.rows = 0

    def set_stage(self, b: Vector, open_types: npt.NDArray[np.bool_]) -> None:
        for t in range(self.n):
            self.h.changeCoeff(t, 0, -1.0 if open_types[t] else 0.0)
        idx = np.arange(self.n, dtype=np.int32)
        # changeRowsBounds exists at run time but is missing from highspy's type stubs.
        self.h.changeRowsBounds(self.n, idx, np.asarray(b, dtype=np.float64), np.full(self.n, INF))  # type: ignore[attr-defined]

    def add_panel(self, counts: Sequence[int]) -> None:
        idx = [t for t, c in enumerate(counts) if c]
        vals = [counts[t] / self.sizes[t] for t in idx]
        rows = np.array([*idx, self.n], dtype=np.int32)
        self.h.addCol(0.0, 0.0, INF, len(rows), rows, np.array([*vals, 1.0], dtype=np.float64))
        self.rows += 1

    def solve(self, time_limit: float | None = None) -> tuple[Vector, float]:
        """Return the type weights y (Σ over open types = 1) and the restricted optimum.

        Raises:
            _Interrupted: when ``time_limit`` (seconds) ran out first.
        """
        limit = INF if time_limit is None else max(float(time_limit), 0.001)
        # The primal simplex is fastest here but can stall on a degenerate programme: give it a
        # few seconds, then let HiGHS choose its method from where it stopped, for what is left.
        self.h.setOptionValue("simplex_strategy", 4)
        _limit(self.h, min(limit, STALL))
        before = self.h.getRunTime()
        self.h.run()
        status = self.h.getModelStatus()
        left = limit - (self.h.getRunTime() - before)
        if status == highspy.HighsModelStatus.kTimeLimit and left > 0.001:
            self.h.setOptionValue("simplex_strategy", 0)
            _limit(self.h, left)
            self.h.run()
            status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise _Interrupted(str(self.h.modelStatusToString(status)))
        duals = np.array(self.h.getSolution().row_dual[: self.n])
        # HiGHS signs duals by the objective sense; the weights are their magnitudes on binding rows.
        y = np.clip(-duals if duals.sum() < 0 else duals, 0.0, None)
        return y, float(self.h.getInfo().objective_function_value)


class _Interrupted(Exception):
    pass


def best_mixture(
    panels: Sequence[Sequence[int]],
    sizes: Vector,
    lower: Vector,
    shifted: npt.NDArray[np.bool_],
    include: npt.NDArray[np.bool_],
    time_limit: float | None = None,
) -> tuple[Vector, float]:
    """Weights λ over ``panels`` (summing to 1) maximising δ.

    Every included type t must reach Σ_c λ_c·c_t/n_t ≥ lower_t, plus δ where
    ``shifted`` — the lottery that meets the levels already fixed with the widest margin.

    Raises:
        _Interrupted: when ``time_limit`` (seconds) ran out first.
    """
    m = len(panels)
    n = len(sizes)
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    _quiet(h, time_limit)
    h.addVars(m, np.zeros(m), np.full(m, INF))
    h.addVar(-INF, INF)  # δ
    h.changeColCost(m, 1.0)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addRow(1.0, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
    by_type: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for c, counts in enumerate(panels):
        for t, count in enumerate(counts):
            if count:
                by_type[t].append((c, count / sizes[t]))
    for t in range(n):
        if not include[t]:
            continue
        idx = [c for c, _ in by_type[t]]
        vals = [v for _, v in by_type[t]]
        if shifted[t]:
            idx.append(m)
            vals.append(-1.0)
        h.addRow(float(lower[t]), INF, len(idx), np.array(idx, dtype=np.int32), np.array(vals, dtype=np.float64))
    h.run()
    if _timed_out(h):
        raise _Interrupted("time limit")
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise SortitionError("solver_failed", "The solver could not mix the panels into a lottery.")
    values = np.array(h.getSolution().col_value)
    weights = np.clip(values[:m], 0.0, None)
    return weights / weights.sum(), float(values[m])
