"""Writing a target — expected counts per type — as a mixture of quota-feasible panels.

Leximin over the fractional quota polytope (``QuotaPolytope``) gives the target in a
few linear programmes. What remains is to find panels whose mixture averages to it
exactly. Two steps do that:

1. **A walk on the faces** (Carathéodory's construction). Every mixture that averages
   to a point x uses only panels on the smallest face holding x, so take any panel c
   there and step away from it, x' = x + θ(x − c), as far as the quotas allow: x is
   then a mix of c and x', and x' lies on a smaller face. After at most as many steps
   as there are types the walk ends on a panel. It can also stop early, on a face of
   the fractional polytope that holds no panel at all; even then it has found panels
   that express nearly all of the target.
2. **Column generation to finish** (``PackingMaster``): how much of the target can the
   panels found express? Its duals price the next panel, searched first by swaps and
   then by the integer programme, both kept on the target's face. When the share
   reaches 1 the mixture is exact; when the search proves no panel can add to it, the
   target is not a mixture of panels at all and the caller falls back to the
   level-by-level column generation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ._highs import INF, PackingMaster, PanelSearch, SwapSearch, _Interrupted
from ._pool import Pool

__all__ = ["Mixture", "mix"]

Vector = npt.NDArray[np.float64]
#: The share of the target the mixture must express to count as exact.
EXACT = 1 - 1e-7


@dataclass
class Mixture:
    """Panels found and, when ``exact``, weights (summing to 1) that average to the target."""

    panels: list[tuple[int, ...]] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    exact: bool = False
    #: True when the search proved that no mixture of panels reaches the target.
    impossible: bool = False
    share: float = 0.0


def mix(
    pool: Pool,
    target: Vector,
    search: PanelSearch,
    remaining: Callable[[], float | None],
    stopped: Callable[[], bool],
    report: Callable[[int, float], None] | None = None,
    seed: int = 0,
) -> Mixture:
    """Panels whose mixture averages to ``target`` (counts per type), or as close as time allowed."""
    found = Mixture()
    seen: set[tuple[int, ...]] = set()
    face = search.face_of(target)
    search.restrict(face)
    try:
        for panel in _walk(pool, target, search, remaining, stopped, report, np.random.default_rng(seed)):
            if panel not in seen:
                seen.add(panel)
                found.panels.append(panel)
        search.restrict(face)
        _finish(pool, target, search, SwapSearch(pool, face), found, seen, remaining, stopped, report)
    finally:
        search.restrict(None)
    return found


def _walk(
    pool: Pool,
    target: Vector,
    search: PanelSearch,
    remaining: Callable[[], float | None],
    stopped: Callable[[], bool],
    report: Callable[[int, float], None] | None,
    rng: np.random.Generator,
) -> list[tuple[int, ...]]:
    upper = search.upper
    x = np.clip(target.astype(np.float64), 0.0, upper)
    panels: list[tuple[int, ...]] = []
    for _ in range(len(pool.types) + 1):
        if stopped():
            break
        face = search.face_of(x)
        search.restrict(face)
        # A panel already found may lie on the smaller face too; if not, a random direction each
        # time keeps the new panels varied, so the walk goes further.
        panel = next((p for p in reversed(panels[-16:]) if face.holds(p, search.rows) and p != tuple(x)), None)
        if panel is None:
            panel = search.any_panel(rng.random(len(x)), remaining())
        if panel is None:
            break  # a face with no panel on it (or out of time): leave the rest to column generation
        panels.append(panel)
        if report is not None:
            report(len(panels), 0.0)
        c = np.asarray(panel, dtype=np.float64)
        d = x - c
        if np.abs(d).max() < 1e-9:
            break  # x is this panel: the walk is complete
        theta = _step(x, d, face.lower, face.upper, upper, search, face.row_low, face.row_high)
        if not np.isfinite(theta) or theta <= 0:
            break
        x = np.clip(x + theta * d, 0.0, upper)
        # Land exactly on the bounds it reached, so the next face is read without rounding noise.
        x[x < 1e-9] = 0.0
        top = np.abs(x - upper) < 1e-9
        x[top] = upper[top]
    return panels


def _step(
    x: Vector,
    d: Vector,
    lower: Vector,
    upper_face: Vector,
    upper: Vector,
    search: PanelSearch,
    row_low: Vector,
    row_high: Vector,
) -> float:
    """How far x can move along d before a bound or quota that still has room becomes tight."""
    theta = INF
    free = lower < upper_face
    up = free & (d > 1e-12)
    down = free & (d < -1e-12)
    if up.any():
        theta = min(theta, float(((upper - x)[up] / d[up]).min()))
    if down.any():
        theta = min(theta, float((x[down] / -d[down]).min()))
    for r, members in enumerate(search.rows):
        if row_low[r] >= row_high[r]:
            continue  # tight: d keeps it so, since the panel and x both meet it exactly
        low, high = search.row_bounds[r]
        change = float(d[members].sum())
        total = float(x[members].sum())
        if change > 1e-12:
            theta = min(theta, (high - total) / change)
        elif change < -1e-12:
            theta = min(theta, (total - low) / -change)
    return max(theta, 0.0)


def _finish(
    pool: Pool,
    target: Vector,
    search: PanelSearch,
    swaps: SwapSearch,
    found: Mixture,
    seen: set[tuple[int, ...]],
    remaining: Callable[[], float | None],
    stopped: Callable[[], bool],
    report: Callable[[int, float], None] | None,
) -> None:
    face = search.face_of(target)
    # Types the face pins to one count are met by every panel on it: only the others need rows.
    rows = np.flatnonzero(face.lower < face.upper).astype(np.int64)
    master = PackingMaster(target, rows)
    matrix = np.zeros((max(64, 2 * len(found.panels)), len(pool.types)))
    for i, panel in enumerate(found.panels):
        master.add_panel(panel)
        matrix[i] = panel

    def add(panel: tuple[int, ...]) -> bool:
        nonlocal matrix
        if panel in seen or not face.holds(panel, search.rows) or not pool.meets_quotas(panel):
            return False
        seen.add(panel)
        if len(found.panels) == len(matrix):
            matrix = np.vstack([matrix, np.zeros_like(matrix)])
        matrix[len(found.panels)] = panel
        found.panels.append(panel)
        master.add_panel(panel)
        return True

    if not found.panels:
        first = search.any_panel(np.zeros(len(pool.types)), remaining())
        if first is None:
            found.impossible = True
            return
        add(first)
    while True:
        try:
            share, duals, mu = master.solve(remaining())
        except _Interrupted:
            return
        found.share = share
        if report is not None:
            report(len(found.panels), share)
        if share >= EXACT:
            total = float(mu.sum())
            found.weights = [float(m) / total for m in mu]
            found.exact = True
            return
        if stopped():
            return
        y = np.zeros(len(pool.types))
        y[rows] = duals
        # A panel adds to the mixture when its price y·c (over the rows) is below 1.
        threshold = 1 - (1 - EXACT) / 2
        count = len(found.panels)
        added = False
        for start in np.argsort(matrix[:count] @ y, kind="stable")[:8]:
            if stopped():
                return  # a climb takes a good fraction of a second on a large pool: none past the limit
            panel = swaps.improve(found.panels[start], -y)
            if float(np.dot(y, panel)) < threshold:
                added = add(panel) or added
        if not added:
            heavier = search.better_than(-y, -threshold, remaining())
            if heavier is None:
                return  # stopped, or no verdict: the caller keeps what was found
            if not heavier:
                found.impossible = True
                return
            for panel in heavier:
                added = add(panel) or added
            if not added:
                return  # only panels already held, which numerical noise can do: no verdict
