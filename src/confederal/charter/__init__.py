"""Charters: an assembly's principles and rules as data, each with a review date."""

from ._charter import (
    DEFAULT_CHORES,
    DISCUSSION_READERS,
    MAX_MEMBERS_LIMIT,
    Ballots,
    Charter,
    JoinMode,
    Rule,
    default_charter,
)
from ._errors import CharterError
from ._phrases import describe_rule, method_phrase, share_phrase

__all__ = [
    "DEFAULT_CHORES",
    "DISCUSSION_READERS",
    "MAX_MEMBERS_LIMIT",
    "Ballots",
    "Charter",
    "CharterError",
    "JoinMode",
    "Rule",
    "default_charter",
    "describe_rule",
    "method_phrase",
    "share_phrase",
]
