"""The peer: sortition-algorithms' maximin (GPL-3.0), run only in the benchmark's own environment.

Reads a features.csv / people.csv pair, computes the maximin distribution with the
chosen backend, and prints JSON: the minimum selection probability, the number of
panels and the wall and CPU time of the distribution step. Imports nothing from
Confederal.
"""

from __future__ import annotations

import argparse
import csv
import json
import time

from sortition_algorithms import Settings, read_in_features, read_in_people
from sortition_algorithms.committee_generation import find_distribution_maximin

parser = argparse.ArgumentParser()
parser.add_argument("--features", required=True)
parser.add_argument("--people", required=True)
parser.add_argument("--size", type=int, required=True)
parser.add_argument("--backend", choices=["highspy", "mip"], default="highspy")
args = parser.parse_args()

with open(args.features, newline="") as f:
    feature_reader = csv.DictReader(f)
    feature_rows = list(feature_reader)
    feature_head = list(feature_reader.fieldnames or [])
with open(args.people, newline="") as f:
    people_reader = csv.DictReader(f)
    people_rows = list(people_reader)
    people_head = list(people_reader.fieldnames or [])

features, _, _ = read_in_features(feature_head, feature_rows, number_to_select=args.size)
id_column = "id" if "id" in people_head else people_head[0]
settings = Settings(id_column=id_column, columns_to_keep=[], check_same_address=False, check_same_address_columns=[])
people, _ = read_in_people(people_head, people_rows, features, settings)

wall, cpu = time.perf_counter(), time.process_time()
panels, weights, _ = find_distribution_maximin(features, people, args.size, [], args.backend)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

chance = dict.fromkeys(people, 0.0)
for panel, weight in zip(panels, weights, strict=True):
    for person in panel:
        chance[person] += weight
used = sum(1 for w in weights if w > 0)
print(json.dumps({"minimum": min(chance.values()), "panels": used, "wall": wall, "cpu": cpu}))
