"""Collective decisions: validating ballots and tallying them into a recordable outcome.

Pure functions and values only — no Django, no I/O, no hidden randomness: ties
the methods cannot break are settled by lots drawn from a tiebreak value the
caller passes in. Ten methods are supported (``Method``), from consent and
majority votes to approval, score, instant runoff, Schulze, time polls and
participatory budgets (members share a pot among options with costs).

The shell validates each ballot with ``check_choice`` as it is cast, stores the
normalised choice, and when voting closes calls ``tally``, whose ``Outcome``
serialises (``Outcome.to_json``) inside the ledger's canonical JSON profile:
integers, strings, lists and objects only; fractions as ``{"num", "den"}``.
The exact rules of every method, quorum and tie are documented in
``confederal.decisions._tally``.
"""

from ._errors import DecisionError
from ._methods import (
    MAX_AMOUNT,
    MAX_OPTIONS,
    MAX_SCORE_LIMIT,
    METHOD_OPTIONS,
    TIME_POLL_ANSWERS,
    Ballot,
    Method,
    Rules,
    check_budget,
    check_choice,
    check_options,
    fraction_json,
)
from ._outcome import Outcome, Status, break_tie
from ._resolution import (
    MAX_REASON,
    READING_TIME,
    check_reason,
    needs_reason,
    objection_of,
    standing_objections,
    survives_amendment,
    window_after_amendment,
)
from ._tally import tally

__all__ = [
    "MAX_AMOUNT",
    "MAX_OPTIONS",
    "MAX_REASON",
    "MAX_SCORE_LIMIT",
    "METHOD_OPTIONS",
    "READING_TIME",
    "TIME_POLL_ANSWERS",
    "Ballot",
    "DecisionError",
    "Method",
    "Outcome",
    "Rules",
    "Status",
    "break_tie",
    "check_budget",
    "check_choice",
    "check_options",
    "check_reason",
    "fraction_json",
    "needs_reason",
    "objection_of",
    "standing_objections",
    "survives_amendment",
    "tally",
    "window_after_amendment",
]
