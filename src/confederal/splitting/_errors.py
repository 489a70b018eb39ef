"""The error the splitting core raises."""

from __future__ import annotations

from typing import Any

__all__ = ["SplitError"]


class SplitError(ValueError):
    """Bad members, experience, seed or division given to the splitting core.

    ``code`` is stable and safe to branch on (for example ``not_a_partition``
    or ``cell_too_small``); ``params`` hold the values named in the message,
    so a shell can translate it; ``str(error)`` is the English text.
    """

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.code = code
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)
