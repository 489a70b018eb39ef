"""Splitting a grown assembly into two cells that can each carry on.

``propose_split`` divides the members so that experience with every shared
role lands on both sides and is spread evenly; ``check_split`` validates a
division, including one edited by hand. Errors are ``SplitError``.

Pure functions and values only — no Django, no I/O; the only randomness is the
tie-breaking seed passed in.
"""

from ._errors import SplitError
from ._split import MAX_SPLIT_MEMBERS, Split, check_split, propose_split

__all__ = ["MAX_SPLIT_MEMBERS", "Split", "SplitError", "check_split", "propose_split"]
