"""Charters: an assembly's principles and rules as data, each with a review date."""

from ._charter import DEFAULT_CHORES, MAX_MEMBERS_LIMIT, Ballots, Charter, JoinMode, Rule, default_charter
from ._errors import CharterError

__all__ = [
    "DEFAULT_CHORES",
    "MAX_MEMBERS_LIMIT",
    "Ballots",
    "Charter",
    "CharterError",
    "JoinMode",
    "Rule",
    "default_charter",
]
