"""Rotating roles and chores: term limits, cool-downs, rota and lottery.

Small assemblies rotate every role and share the unpleasant work. This package
decides who may take a role next (``eligibility``), picks the next holder by
fair rota (``next_by_rota``) or by a lottery anyone can re-run
(``draw_by_lot``, ``rerun_draw``), schedules terms (``next_term``) and shares
out chores (``chore_rota``). Elections are decided elsewhere.

Pure functions and values only — no Django, no I/O, no clock and no hidden
randomness: today's date and lottery seeds are passed in.
"""

from ._chores import chore_rota
from ._eligibility import Eligibility, Exclusion, eligibility
from ._errors import RotationError
from ._pick import LOTTERY_ALGORITHM, MAX_SEED_BYTES, MIN_SEED_BYTES, Pick, draw_by_lot, next_by_rota, rerun_draw
from ._rules import RoleRules, Rotation, Term, check_members, next_term, term_is_over

__all__ = [
    "LOTTERY_ALGORITHM",
    "MAX_SEED_BYTES",
    "MIN_SEED_BYTES",
    "Eligibility",
    "Exclusion",
    "Pick",
    "RoleRules",
    "Rotation",
    "RotationError",
    "Term",
    "check_members",
    "chore_rota",
    "draw_by_lot",
    "eligibility",
    "next_by_rota",
    "next_term",
    "rerun_draw",
    "term_is_over",
]
