"""The optimisation problems, on HiGHS (with _feasibility, the only modules that import it).

* :class:`PanelSearch` — the pricing problem: a quota-feasible panel heavier than a
  cutoff, or proof that none exists (an integer programme over counts per type).
* :class:`SwapSearch` — a fast local search for such panels, tried first.
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

__all__ = ["PanelSearch", "RestrictedPrimal", "Search", "SwapSearch", "best_mixture"]

Vector = npt.NDArray[np.float64]
INF = highspy.kHighsInf


def _quiet(h: highspy.Highs, time_limit: float | None) -> None:
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 0.001))


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
        for quota, members in pool.quota_rows():
            if members:
                self.h.addRow(
                    quota.min, quota.max, len(members), np.array(members, dtype=np.int32), np.ones(len(members))
                )
            elif quota.min > 0:
                self.h.addRow(quota.min, quota.max, 0, np.array([], dtype=np.int32), np.array([]))
        # The cutoff row: Σ weightₜ·countₜ > cutoff. Asking only for a panel above the cutoff (or a proof
        # that none exists) lets the solver prune most of the tree; it is an order of magnitude faster
        # than proving which panel is heaviest.
        self.cutoff_row = self.h.getNumRow()
        self.h.addRow(-INF, INF, n, np.arange(n, dtype=np.int32), np.zeros(n))
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.calls = 0
        self.stop_at = INF
        self.cancel: Callable[[], bool] | None = None
        self.h.setCallback(self._check, None)  # type: ignore[arg-type]
        self.h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)

    def _check(self, _kind: int, _message: str, out: Any, into: Any, _data: object) -> None:
        found = out.mip_primal_bound
        good = abs(found) < INF and found > self.stop_at
        into.user_interrupt = bool(good or (self.cancel is not None and self.cancel()))

    def _run(self, weights: Vector, time_limit: float | None) -> Any:
        n = len(self.pool.types)
        self.calls += 1
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(weights, dtype=np.float64))
        self.h.setOptionValue("time_limit", INF if time_limit is None else max(float(time_limit), 0.001))
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

    def __init__(self, pool: Pool) -> None:
        self.sizes = np.array([t.size for t in pool.types], dtype=np.int64)
        rows = pool.quota_rows()
        self.low = np.array([q.min for q, _ in rows], dtype=np.int64)
        self.high = np.array([q.max for q, _ in rows], dtype=np.int64)
        # row[t, f]: the quota row type t counts towards for feature f.
        row_of: dict[tuple[str, str], int] = {(q.feature, q.value): r for r, (q, _) in enumerate(rows)}
        self.row = np.array(
            [[row_of[(f, t.profile[i])] for i, f in enumerate(pool.features)] for t in pool.types], dtype=np.int64
        ).reshape(len(pool.types), len(pool.features))

    def improve(self, counts: Sequence[int], weights: Vector, max_steps: int = 500) -> tuple[int, ...]:
        """Climb from ``counts`` by best single swaps until none is heavier."""
        x = np.array(counts, dtype=np.int64)
        features = self.row.shape[1]
        for _ in range(max_steps):
            filled = np.bincount(self.row.ravel(), weights=np.repeat(x, features), minlength=len(self.low))
            out = np.flatnonzero(x > 0)
            into = np.flatnonzero((x < self.sizes) & (weights > weights[out].min()))
            if not len(into):
                break
            can_leave = (filled > self.low)[self.row[out]]
            can_enter = (filled < self.high)[self.row[into]]
            # A swap of a (on the panel) for b (not yet) is allowed when, for every feature, a and b
            # share the value or a's value can lose one person and b's can gain one.
            same = self.row[out][:, None, :] == self.row[into][None, :, :]
            ok = (same | (can_leave[:, None, :] & can_enter[None, :, :])).all(axis=2)
            gain = np.where(ok, weights[into][None, :] - weights[out][:, None], -np.inf)
            i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
            if not gain[i, j] > 1e-12:
                break
            x[out[i]] -= 1
            x[into[j]] += 1
        return tuple(int(v) for v in x)


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
        """Return the type weights y (Σ over open types = 1) and the restricted optimum."""
        limit = INF if time_limit is None else max(float(time_limit), 0.001)
        # The primal simplex is fastest here but can stall on a degenerate programme: give it a
        # few seconds, then let HiGHS choose its method from where it stopped.
        self.h.setOptionValue("simplex_strategy", 4)
        self.h.setOptionValue("time_limit", min(limit, 5.0))
        self.h.run()
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kTimeLimit and limit > 5.0:
            self.h.setOptionValue("simplex_strategy", 0)
            self.h.setOptionValue("time_limit", limit - 5.0)
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
) -> tuple[Vector, float]:
    """Weights λ over ``panels`` (summing to 1) maximising δ.

    Every included type t must reach Σ_c λ_c·c_t/n_t ≥ lower_t, plus δ where
    ``shifted`` — the lottery that meets the levels already fixed with the widest margin.
    """
    m = len(panels)
    n = len(sizes)
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    _quiet(h, None)
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
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise SortitionError("solver_failed", "The solver could not mix the panels into a lottery.")
    values = np.array(h.getSolution().col_value)
    weights = np.clip(values[:m], 0.0, None)
    return weights / weights.sum(), float(values[m])
