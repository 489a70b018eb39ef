"""Fair lotteries over quota-feasible panels: leximin and maximin by column generation.

The lottery is a distribution over panels; a person's selection probability is the
chance the drawn panel includes them. *Maximin* makes the smallest probability as
large as the quotas allow. *Leximin* does that, then raises the next smallest, and
so on, so nobody's chance is lower than it has to be.

Leximin first runs over the *fractional* quota polytope, where a type may be chosen
in fractional numbers: a few linear programmes give every type's level, and since
every lottery's expected counts lie in that polytope, its first level bounds every
lottery's minimum — the certificate each result carries. Then ``_mixing`` writes
those levels as a mixture of real panels. On every pool we measured that mixture
exists, and then it is the leximin lottery, proven so by the bound it meets.
Maximin mixes the same point: its first level is the maximin optimum, so the
mixture is a maximin lottery too, and maximin is never slower than leximin.

When it does not exist (the fractional polytope has corners no panel sits on), the
lottery is built level by level by column generation: the dual of the programme
over the panels found so far gives each type of person a weight, and the heaviest
quota-feasible panel under those weights is the next panel to add. The same
weights bound what any lottery could reach, level by level.

With a service history, the objective is each person's service so far plus their
chance this time, so the lottery favours those who served less while every panel
still meets the quotas (the "cumulative probability" recipe in the design notes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._feasibility import explain_infeasible
from ._highs import PanelSearch, QuotaPolytope, RestrictedPrimal, SwapSearch, _Interrupted, best_mixture
from ._mixing import mix
from ._pool import PersonType, Pool, SortitionError

__all__ = ["WEIGHT_TOTAL", "Lottery", "Progress", "select"]

Method = Literal["leximin", "maximin"]
#: Lottery weights are integers summing to this, so a recorded lottery has no floats in it.
WEIGHT_TOTAL = 1_000_000_000
DEFAULT_TOLERANCE = 1e-5
FIX_THRESHOLD = 1e-7
#: Seconds past the time limit a stopped run may take to weigh the panels it found into its lottery.
FINISH = 1.0
#: The share of a time limit kept for column generation when mixing the levels has not finished by then.
MIX_RESERVE = 1 / 3


@dataclass(frozen=True)
class Progress:
    """Where a long selection is: the stage (one per level of leximin) and the current bounds."""

    stage: int
    fixed_types: int
    open_types: int
    panels: int
    #: The smallest chance (plus service) the open types are sure of so far.
    level: float
    #: Once every level is known: the share of the lottery the panels found so far can express.
    share: float | None = None


@dataclass(frozen=True)
class Lottery:
    """A distribution over panels and what it means for each person.

    ``panels`` are counts per type (who within a type is chosen is decided at the
    draw, uniformly); ``weights`` are integers summing to :data:`WEIGHT_TOTAL`.
    ``minimum`` is the smallest chance (plus service so far, in a rotation) among
    the people who can be selected at all; ``certificate`` is the proven upper bound
    on that value over every possible lottery. A run stopped early (``complete`` is
    False) still proves both: this lottery gives everyone at least ``minimum``, and
    no lottery can give everyone more than ``certificate``.
    """

    method: Method
    size: int
    types: tuple[PersonType, ...]
    panels: tuple[tuple[int, ...], ...]
    weights: tuple[int, ...]
    minimum: float
    certificate: float
    complete: bool
    #: People no panel can include (a quota with max 0 covers them); they are left out of the minimum.
    never: tuple[str, ...] = ()

    def type_probabilities(self) -> list[float]:
        totals = [0] * len(self.types)
        for counts, weight in zip(self.panels, self.weights, strict=True):
            for t, count in enumerate(counts):
                if count:
                    totals[t] += weight * count
        return [total / (WEIGHT_TOTAL * kind.size) for total, kind in zip(totals, self.types, strict=True)]

    def probabilities(self) -> dict[str, float]:
        """Each person's chance of being on the drawn panel; they sum to the panel size."""
        return {
            person: p for kind, p in zip(self.types, self.type_probabilities(), strict=True) for person in kind.members
        }

    @property
    def gap(self) -> float:
        return max(self.certificate - self.minimum, 0.0)


Clock = Callable[[], float]
#: A type's count below this in the fractional polytope is rounding, not a chance of being chosen.
NEARLY_NONE = 1e-7


def select(
    pool: Pool,
    method: Method = "leximin",
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    clock: Clock | None = None,
    time_limit: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Lottery:
    """Compute the fairest lottery over panels of ``pool.size`` that meet every quota.

    ``clock`` (seconds, any origin) with ``time_limit`` bounds the run, and
    ``should_stop`` cancels it; either way the result is the best lottery found
    so far with ``complete=False`` and its certificate still valid. Every solver
    call gets only the time that is left, and weighing the panels found into the
    lottery takes at most :data:`FINISH` seconds more, so a run returns within
    ``time_limit + FINISH`` seconds on ``clock`` (plus the solver's reaction time).

    Raises:
        SortitionError: ``quotas_infeasible`` when no panel meets the quotas (see
            :func:`explain_infeasible`), ``stopped`` when stopped before any panel was found.
    """
    if method not in ("leximin", "maximin"):
        raise SortitionError("bad_method", f"Unknown selection method {method!r}: use leximin or maximin.")
    try:
        return _Run(pool, tolerance, clock, time_limit, should_stop, progress).solve(method)
    except SortitionError as error:
        if error.code == "quotas_infeasible":
            raise explain_infeasible(pool) from None
        raise


class _Run:
    def __init__(
        self,
        pool: Pool,
        tolerance: float,
        clock: Clock | None,
        time_limit: float | None,
        should_stop: Callable[[], bool] | None,
        progress: Callable[[Progress], None] | None,
    ) -> None:
        self.pool = pool
        self.tolerance = tolerance
        self.clock = clock
        self.deadline = None if clock is None or time_limit is None else clock() + time_limit
        # Mixing the levels is all or nothing: stopped half-way, its panels leave some people out.
        # So with a time limit it may use only part of it, and column generation, which raises
        # everyone's chance step by step, uses the rest should the mixture not be done by then.
        self.mix_deadline = (
            None if self.deadline is None or time_limit is None else self.deadline - MIX_RESERVE * time_limit
        )
        self.should_stop = should_stop
        self.report = progress
        self.sizes = np.array([t.size for t in pool.types], dtype=np.float64)
        self.served = np.array([t.served for t in pool.types], dtype=np.float64)
        self.search = PanelSearch(pool)
        self.swaps = SwapSearch(pool)
        self.search.cancel = should_stop
        self.mip_calls = 0
        self.selectable = self.search.upper > 0
        self.panels: list[tuple[int, ...]] = []
        self.matrix = np.zeros((64, len(pool.types)), dtype=np.float64)
        self.seen: set[tuple[int, ...]] = set()
        self.dual = RestrictedPrimal(self.sizes)
        #: The best proven upper bound on the minimum any lottery reaches (the certificate).
        self.proved = np.inf

    # -- time and cancellation -------------------------------------------------

    def remaining(self) -> float | None:
        if self.deadline is None or self.clock is None:
            return None
        return self.deadline - self.clock()

    def stopped(self) -> bool:
        if self.should_stop is not None and self.should_stop():
            return True
        left = self.remaining()
        return left is not None and left <= 0

    def mixing_remaining(self) -> float | None:
        if self.mix_deadline is None or self.clock is None:
            return self.remaining()
        return self.mix_deadline - self.clock()

    def mixing_stopped(self) -> bool:
        left = self.mixing_remaining()
        return self.stopped() or (left is not None and left <= 0)

    def finishing_time(self) -> float | None:
        """Seconds the last programme (weighing the panels found) may take: what is left, plus FINISH."""
        left = self.remaining()
        return None if left is None else max(left, 0.0) + FINISH

    def weigh(
        self,
        panels: list[tuple[int, ...]],
        lower: npt.NDArray[np.float64],
        shifted: npt.NDArray[np.bool_],
    ) -> tuple[npt.NDArray[np.float64], bool]:
        """The best mixture of ``panels`` (see best_mixture), and False if time ran out and it is only an even mix."""
        try:
            weights, _ = best_mixture(panels, self.sizes, lower, shifted, self.selectable, self.finishing_time())
        except _Interrupted:
            return np.full(len(panels), 1.0 / len(panels)), False
        return weights, True

    # -- panels ----------------------------------------------------------------

    def add(self, counts: tuple[int, ...]) -> bool:
        if counts in self.seen:
            return False
        self.seen.add(counts)
        if len(self.panels) == len(self.matrix):
            self.matrix = np.vstack([self.matrix, np.zeros_like(self.matrix)])
        self.matrix[len(self.panels)] = counts
        self.panels.append(counts)
        self.dual.add_panel(counts)
        return True

    def seed_panels(self) -> None:
        """Start with panels that between them include every type that can be selected."""
        if not self.selectable.any():
            # Nobody can be selected: either no panel exists (this raises) or the quotas leave no seat.
            self.search.best(np.zeros(len(self.sizes)), self.remaining())
        uncovered = self.selectable.copy()
        if self.panels:
            # Panels the mixing found already include some of them.
            uncovered &= ~(self.matrix[: len(self.panels)] > 0).any(axis=0)
        weights = np.where(self.selectable, 1.0 / self.sizes, 0.0)
        while uncovered.any():
            if self.stopped() and self.panels:
                return
            found = self.search.best(np.where(uncovered, 1.0, 0.0) + 1e-3 * weights, self.remaining())
            if found.counts is None:
                if self.panels:
                    return
                raise _stopped()
            self.add(found.counts)
            now = np.array(found.counts) > 0
            if not (uncovered & now).any():
                # What is left cannot be on any panel with these quotas.
                self.selectable &= ~uncovered
                break
            uncovered &= ~now

    # -- the algorithm ---------------------------------------------------------

    def try_swaps(self, weights: npt.NDArray[np.float64], threshold: float) -> bool:
        """Look for heavier panels near the best known ones; True if one was added."""
        values = self.matrix[: len(self.panels)] @ weights
        starts = np.argsort(-values, kind="stable")[:8]
        added = False
        for start in starts:
            if self.stopped():
                break
            panel = self.swaps.improve(self.panels[start], weights)
            if float(np.dot(weights, panel)) > threshold:
                added = self.add(panel) or added
        return added

    def solve(self, method: Method) -> Lottery:
        found = self.solve_by_levels_first(method)
        if found is not None:
            return found
        if not np.isfinite(self.proved):
            self.proved = self.first_level()
        self.seed_panels()
        fixed = np.full(len(self.sizes), np.nan)
        open_types = self.selectable.copy()
        complete = True
        stage = 0
        while open_types.any():
            stage += 1
            outcome = self.stage(stage, fixed, open_types)
            if outcome is None:
                complete = False
                break
            lower, y = outcome
            if method == "maximin":
                break
            # Types the dual weighs cannot rise above this level in any optimal lottery.
            tight = open_types & (y > FIX_THRESHOLD)
            if not tight.any():
                tight = open_types & (y >= y[open_types].max())
            fixed[tight] = lower - self.served[tight]
            open_types &= ~tight
        return self.finish(method, fixed, open_types, self.proved, complete)

    def first_level(self) -> float:
        """The fractional polytope's first level: no lottery gives every selectable type more."""
        include = self.search.upper > 0
        try:
            solved = QuotaPolytope(self.pool, self.search.upper).leximin(
                self.served, include, first_only=True, remaining=self.remaining
            )
        except _Interrupted:
            raise _stopped() from None
        # A level of zero may only mean some type fits on no panel; it bounds nothing about the others.
        return np.inf if solved is None or solved[2] <= NEARLY_NONE else solved[2]

    def solve_by_levels_first(self, method: Method) -> Lottery | None:
        """Leximin (or maximin) over the fractional polytope, then panels that mix to it; None to fall back.

        Maximin mixes the leximin point too: it has the same first level, so its mixture is a
        maximin lottery, and maximin is never slower than leximin. (Mixing the first level's corner
        instead was faster on some pools and slower on others, sf_e among them, and when the corner
        is no mixture of panels maximin fell back to the slow level-by-level build.)
        """
        target, selectable, certificate = self.levels()
        # Every lottery's expected counts lie in the polytope: its first level bounds them all, however
        # the lottery is then built, and whenever the run stops.
        self.proved = certificate
        self.selectable = selectable

        def report(panels: int, share: float) -> None:
            if self.report is not None:
                self.report(Progress(1, int(selectable.sum()), 0, panels, certificate, share))

        mixture = mix(self.pool, target, self.search, self.mixing_remaining, self.mixing_stopped, report)
        if mixture.exact:
            kept = [(p, w) for p, w in zip(mixture.panels, mixture.weights, strict=True) if w > 0]
            return self.lottery(method, [p for p, _ in kept], np.array([w for _, w in kept]), certificate, True)
        if self.stopped() and mixture.panels:
            for panel in mixture.panels:
                self.add(panel)
            weights, _ = self.weigh(self.panels, np.where(self.selectable, -self.served, 0.0), self.selectable)
            return self.lottery(method, self.panels, weights, self.proved, False)
        if self.stopped():
            raise _stopped()
        # The levels are no mixture of panels (or the search gave no verdict, or its share of the time
        # limit is spent): build level by level, starting from the panels found.
        self.selectable = self.search.upper > 0
        for panel in mixture.panels:
            self.add(panel)
        return None

    def levels(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], float]:
        """Leximin's point over the fractional polytope (counts per type), who can be selected at all,
        and the first level, which no lottery's minimum exceeds.
        """
        polytope = QuotaPolytope(self.pool, self.search.upper)
        include = self.search.upper > 0
        try:
            solved = polytope.leximin(self.served, include, remaining=self.remaining)
            if solved is None:
                raise SortitionError("quotas_infeasible", "No panel of this size meets every quota.")
            target, levels, _ = solved
            # Leximin leaves nobody at zero who could be above it, so a zero is a type no panel can hold,
            # unless service put it there. Zero here is "within the slack the levels are held with", not
            # exactly 0.0, so ask the polytope directly each time.
            never = include & (target <= NEARLY_NONE)
            for t in np.flatnonzero(never):
                never[t] = polytope.largest(int(t), self.remaining()) <= NEARLY_NONE
        except _Interrupted:
            raise _stopped() from None
        selectable = include & ~never
        certificate = float(levels[selectable].min()) if selectable.any() else np.inf
        return np.where(never, 0.0, target), selectable, certificate

    def stage(
        self, stage: int, fixed: npt.NDArray[np.float64], open_types: npt.NDArray[np.bool_]
    ) -> tuple[float, npt.NDArray[np.float64]] | None:
        """Maximise the smallest cumulative chance among open types, fixed types held at their levels.

        Returns the level reached and the dual weights that prove it cannot be raised by more
        than the tolerance, or None when stopped first.
        """
        b = np.where(open_types, -self.served, np.nan_to_num(fixed, nan=0.0))
        self.dual.set_stage(b, open_types)
        while True:
            try:
                y, lower = self.dual.solve(self.remaining())
            except _Interrupted:
                return None
            weights = y / self.sizes
            # A panel heavier than this raises the level by more than the tolerance allows to ignore.
            # Later levels only order the people above the minimum: a looser tolerance there saves
            # most of the run and cannot lower anyone below the certified minimum.
            tolerance = self.tolerance if stage == 1 else 10 * self.tolerance
            cutoff = lower + float(np.dot(b, y)) + tolerance / 2
            if self.report is not None:
                self.report(Progress(stage, int((~open_types).sum()), int(open_types.sum()), len(self.panels), lower))
            if not self.try_swaps(weights, cutoff):
                found = self.search.better_than(weights, cutoff, self.remaining())
                if found is None and not self.stopped():
                    found = self.exact_search(weights, cutoff, float(np.dot(b, y)) if stage == 1 else None)
                if found is None:
                    return None
                if not found:
                    if stage == 1:
                        # No panel is heavier than the cutoff: by the duality below (see bound), no
                        # lottery lifts the level above cutoff − b·y = lower + tolerance/2.
                        self.proved = min(self.proved, cutoff - float(np.dot(b, y)))
                        self.proved = min(self.proved, self.bound(y, b))
                    return lower, y
                for panel in found:
                    self.add(panel)
            if self.stopped():
                return None

    def exact_search(
        self, weights: npt.NDArray[np.float64], cutoff: float, offset: float | None = None
    ) -> list[tuple[int, ...]] | None:
        """The slower, exact search, for when the cutoff search ends without a verdict (numerical noise).

        With ``offset`` (b·y, in the first stage) its bound on the heaviest panel also bounds the level.
        """
        found = self.search.best(weights, self.remaining())
        if offset is not None:
            self.proved = min(self.proved, found.bound - offset)
        heavier = [p for p in (found.counts, *found.others) if p is not None and float(np.dot(weights, p)) > cutoff]
        if heavier:
            return heavier
        return [] if found.optimal or found.bound <= cutoff else None

    def bound(self, y: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
        """No lottery lifts the stage's level above the heaviest panel under y, less b·y (inf if out of time).

        For any lottery λ and weights y ≥ 0 summing to 1 over the open types, the level z it
        reaches satisfies z ≤ Σ_c λ_c·(y/n)·c − b·y ≤ max_c (y/n)·c − b·y: weak duality.
        """
        if self.stopped():
            return np.inf
        found = self.search.best(y / self.sizes, self.remaining())
        return found.bound - float(np.dot(b, y))

    def finish(
        self,
        method: Method,
        fixed: npt.NDArray[np.float64],
        open_types: npt.NDArray[np.bool_],
        certificate: float,
        complete: bool,
    ) -> Lottery:
        sel = self.selectable
        if method == "leximin" and complete:
            lower = np.where(sel, np.nan_to_num(fixed, nan=0.0), 0.0)
            shifted = sel
        else:
            # Maximin, or a stopped run: raise the open types together above the levels already fixed.
            lower = np.where(open_types, -self.served, np.nan_to_num(fixed, nan=0.0))
            shifted = open_types if open_types.any() else sel
        mixture, weighed = self.weigh(self.panels, lower, shifted)
        return self.lottery(method, self.panels, mixture, certificate, complete and weighed)

    def lottery(
        self,
        method: Method,
        panels_found: list[tuple[int, ...]],
        mixture: npt.NDArray[np.float64],
        certificate: float,
        complete: bool,
    ) -> Lottery:
        sel = self.selectable
        weights = _integer_weights(mixture)
        kept = [(p, w) for p, w in zip(panels_found, weights, strict=True) if w > 0]
        panels = tuple(p for p, _ in kept)
        kept_weights = tuple(w for _, w in kept)
        totals = np.zeros(len(self.sizes))
        for counts, weight in kept:
            totals += weight * np.array(counts, dtype=np.float64)
        cumulative = totals / (WEIGHT_TOTAL * self.sizes) + self.served
        minimum = float(cumulative[sel].min()) if sel.any() else 0.0
        if np.isfinite(certificate):
            bound = float(certificate)
        else:
            # Only when the polytope proved nothing (everyone's level zero): what no chance can exceed.
            bound = float((self.served + 1)[sel].max()) if sel.any() else minimum
        return Lottery(
            method=method,
            size=self.pool.size,
            types=self.pool.types,
            panels=panels,
            weights=kept_weights,
            minimum=minimum,
            # Below the minimum only by the solver's tolerance: never claim less than was achieved.
            certificate=max(bound, minimum),
            complete=complete,
            never=tuple(sorted(m for t, kind in enumerate(self.pool.types) if not sel[t] for m in kind.members)),
        )


def _stopped() -> SortitionError:
    return SortitionError("stopped", "The selection was stopped before any panel was found.")


def _integer_weights(mixture: npt.NDArray[np.float64]) -> list[int]:
    """Round a probability vector to integers summing to WEIGHT_TOTAL (largest remainder)."""
    scaled = np.clip(mixture, 0.0, None)
    scaled = scaled / scaled.sum() * WEIGHT_TOTAL
    base = np.floor(scaled).astype(np.int64)
    short = WEIGHT_TOTAL - int(base.sum())
    order = np.argsort(-(scaled - base), kind="stable")
    for i in order[:short]:
        base[i] += 1
    return [int(v) for v in base]
