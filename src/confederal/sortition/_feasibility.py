"""Why no panel meets the quotas, and the smallest change that would make one possible."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from ._pool import Pool, Quota, SortitionError

__all__ = ["Relaxation", "explain_infeasible"]


@dataclass(frozen=True)
class Relaxation:
    """Move one quota bound: ``bound`` is "min" or "max", from ``old`` to ``new``."""

    quota: Quota
    bound: str
    old: int
    new: int

    def describe(self) -> str:
        word = "lower" if self.bound == "min" else "raise"
        return f"{word} the {self.bound} of {self.quota.feature} = {self.quota.value} from {self.old} to {self.new}"


def _conflicts(pool: Pool) -> list[str]:
    """Conflicts that one feature shows on its own: counts that cannot add up to the panel size."""
    found = []
    for feature in pool.features:
        rows = [(q, members) for q, members in pool.quota_rows() if q.feature == feature]
        low = sum(q.min for q, _ in rows)
        high = sum(min(q.max, sum(pool.types[i].size for i in members)) for q, members in rows)
        if low > pool.size:
            found.append(f"the minimums for {feature} add up to {low}, more than the panel of {pool.size}")
        if high < pool.size:
            found.append(f"at most {high} people can be chosen by {feature}, fewer than the panel of {pool.size}")
        for q, members in rows:
            available = sum(pool.types[i].size for i in members)
            if q.min > available:
                found.append(
                    f"{q.feature} = {q.value} asks for at least {q.min} but only {available} in the pool have it"
                )
    return found


def explain_infeasible(pool: Pool) -> SortitionError:
    """The error to raise for quotas no panel can meet: which conflict, and the smallest relaxation.

    The relaxation is the least total change to quota bounds (an integer programme
    over counts per type with one slack per bound) that lets a panel exist.
    """
    rows = pool.quota_rows()
    n, m = len(pool.types), len(rows)
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", 60.0)
    sizes = np.array([t.size for t in pool.types], dtype=np.float64)
    # Columns: counts per type, then for each quota a slack below its min and one above its max.
    h.addVars(n, np.zeros(n), sizes)
    # A min can drop to 0 and a max can rise to the panel size, no further.
    slack_upper = np.array([float(v) for quota, _ in rows for v in (quota.min, pool.size)])
    h.addVars(2 * m, np.zeros(2 * m), slack_upper)
    integer = np.array([highspy.HighsVarType.kInteger] * (n + 2 * m))
    h.changeColsIntegrality(n + 2 * m, np.arange(n + 2 * m, dtype=np.int32), integer)
    h.changeColsCost(2 * m, np.arange(n, n + 2 * m, dtype=np.int32), np.ones(2 * m))
    h.addRow(pool.size, pool.size, n, np.arange(n, dtype=np.int32), np.ones(n))
    for r, (quota, members) in enumerate(rows):
        below, above = n + 2 * r, n + 2 * r + 1
        idx = np.array([*members, below], dtype=np.int32)
        h.addRow(quota.min, highspy.kHighsInf, len(idx), idx, np.array([1.0] * len(members) + [1.0]))
        idx = np.array([*members, above], dtype=np.int32)
        h.addRow(-highspy.kHighsInf, quota.max, len(idx), idx, np.array([1.0] * len(members) + [-1.0]))
    h.run()
    conflicts = _conflicts(pool)
    changes: list[Relaxation] = []
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        values = h.getSolution().col_value
        for r, (quota, _) in enumerate(rows):
            below, above = round(values[n + 2 * r]), round(values[n + 2 * r + 1])
            if below:
                changes.append(Relaxation(quota, "min", quota.min, quota.min - below))
            if above:
                changes.append(Relaxation(quota, "max", quota.max, quota.max + above))
    if not conflicts:
        named = ", ".join(f"{c.quota.feature} = {c.quota.value}" for c in changes) or "several features"
        conflicts = [f"the quotas for {named} cannot all hold together in a panel of {pool.size}"]
    message = "No panel of {size} meets every quota: {why}.".format(size=pool.size, why="; ".join(conflicts))
    if changes:
        message += " The smallest change that allows a draw: " + "; ".join(c.describe() for c in changes) + "."
    return SortitionError(
        "quotas_infeasible",
        message,
        {
            "conflicts": conflicts,
            "relaxation": [
                {"feature": c.quota.feature, "value": c.quota.value, "bound": c.bound, "from": c.old, "to": c.new}
                for c in changes
            ],
        },
    )
