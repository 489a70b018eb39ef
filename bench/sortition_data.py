"""Synthetic pools shaped like the ten real instances of Flanigan et al. (Nature 2021).

The real pools are private; their shapes (n, k, number of quota categories) are
public (`../shared/design/sortition.md` §1). Each synthetic pool has a self-selected
bias like real volunteer pools: a person's chance of having value v grows with the
value's population share and with a per-person latent z, so some groups are scarce
in the pool, and the quotas ask for population shares: ⌊k·share⌋ … ⌈k·share⌉,
widened until a panel exists. Everything is seeded, so every run sees the same pools.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from pathlib import Path

#: name: (n, k, categories), from the paper's table.
SHAPES = {
    "sf_a": (312, 35, 6),
    "sf_b": (250, 20, 6),
    "sf_c": (161, 44, 7),
    "sf_d": (404, 40, 6),
    "sf_e": (1727, 110, 7),
    "cca": (825, 75, 4),
    "hd": (239, 30, 7),
    "mass": (70, 24, 5),
    "nexus": (342, 170, 5),
    "obf": (321, 30, 8),
}


@dataclass
class Instance:
    name: str
    size: int
    features: list[dict[str, str]]
    people: list[dict[str, str]]

    def write(self, folder: Path) -> tuple[Path, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        features = folder / "features.csv"
        with features.open("w", newline="") as f:
            w = csv.DictWriter(f, ["feature", "value", "min", "max"])
            w.writeheader()
            w.writerows(self.features)
        people = folder / "people.csv"
        with people.open("w", newline="") as f:
            w = csv.DictWriter(f, list(self.people[0]))
            w.writeheader()
            w.writerows(self.people)
        return features, people


def synthetic(name: str, seed: int = 2021) -> Instance:
    n, k, categories = SHAPES[name]
    rng = random.Random(f"{name}:{seed}")
    latent = [rng.gauss(0.0, 1.0) for _ in range(n)]
    columns: dict[str, list[str]] = {}
    shares: dict[str, dict[str, float]] = {}
    for c in range(categories):
        feature = f"cat{c + 1}"
        count = rng.choice([2, 2, 3, 3, 4, 5, 6])
        raw = [rng.uniform(0.5, 2.0) for _ in range(count)]
        share = {f"v{j + 1}": r / sum(raw) for j, r in enumerate(raw)}
        # Values further down the list volunteer less when z is low: self-selection bias.
        slant = {v: rng.uniform(-1.2, 1.2) for v in share}
        offset = {v: rng.uniform(-0.6, 0.6) for v in share}
        values = []
        for z in latent:
            weights = [share[v] * math.exp(offset[v] + slant[v] * z) for v in share]
            values.append(rng.choices(list(share), weights)[0])
        columns[feature] = values
        shares[feature] = share
    people = [{"id": f"p{i}", **{f: columns[f][i] for f in columns}} for i in range(n)]
    features = []
    for feature, share in shares.items():
        present = {v: columns[feature].count(v) for v in share}
        bounds = {v: [math.floor(k * s), math.ceil(k * s)] for v, s in share.items()}
        for v in bounds:
            bounds[v][1] = min(bounds[v][1], present[v])
            bounds[v][0] = min(bounds[v][0], bounds[v][1])
        # Widen until the sizes add up: the sum of minimums ≤ k ≤ the sum of maximums.
        while sum(b[0] for b in bounds.values()) > k:
            v = max(bounds, key=lambda v: bounds[v][0])
            bounds[v][0] -= 1
        while sum(b[1] for b in bounds.values()) < k:
            v = max((v for v in bounds if bounds[v][1] < present[v]), key=lambda v: present[v] - bounds[v][1])
            bounds[v][1] += 1
        for v, (lo, hi) in bounds.items():
            features.append({"feature": feature, "value": v, "min": str(lo), "max": str(hi)})
    return Instance(f"syn_{name}_{k}", k, features, people)
