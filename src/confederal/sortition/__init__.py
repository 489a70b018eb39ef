"""Fair, verifiable lotteries: who serves next, chosen so everyone gets a turn and anyone can check.

* ``build_pool`` groups people into types of interchangeable people; ``select``
  computes the leximin (or maximin) lottery over quota-feasible panels, with its
  certificate, and explains infeasible quotas.
* ``draw_seed`` and ``draw_panel`` turn a lottery and public randomness into one
  panel; ``announcement_body``, ``result_body`` and ``audit_draw`` are the public
  record and its check.
* ``shuffled_rota`` spreads turns evenly when there are no quotas.

Pure functions over plain values; randomness and time come in as arguments.
"""

from ._csv import read_features_csv, read_people_csv
from ._draw import (
    DRAW_ALGORITHM,
    Draw,
    check_commitment,
    commitment,
    draw_panel,
    draw_seed,
    lottery_from_json,
    lottery_to_json,
    ppb,
)
from ._feasibility import Relaxation, explain_infeasible
from ._lottery import WEIGHT_TOTAL, Lottery, Progress, select
from ._pool import Person, PersonType, Pool, Quota, SortitionError, build_pool
from ._record import DrawAudit, announcement_body, audit_draw, pool_from_announcement, result_body
from ._rota import shuffled_order, shuffled_rota

__all__ = [
    "DRAW_ALGORITHM",
    "WEIGHT_TOTAL",
    "Draw",
    "DrawAudit",
    "Lottery",
    "Person",
    "PersonType",
    "Pool",
    "Progress",
    "Quota",
    "Relaxation",
    "SortitionError",
    "announcement_body",
    "audit_draw",
    "build_pool",
    "check_commitment",
    "commitment",
    "draw_panel",
    "draw_seed",
    "explain_infeasible",
    "lottery_from_json",
    "lottery_to_json",
    "pool_from_announcement",
    "ppb",
    "read_features_csv",
    "read_people_csv",
    "result_body",
    "select",
    "shuffled_order",
    "shuffled_rota",
]
