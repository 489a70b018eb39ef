"""Errors raised by the books core.

Every error carries a stable ``code`` and the ``params`` needed to rebuild its
message, so that a shell can translate it; ``str(error)`` is the English text.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BooksError"]


class BooksError(ValueError):
    """Bad money, account, transaction or budget given to the books core.

    ``code`` is stable and safe to branch on (for example ``unbalanced`` or
    ``currency_mismatch``); ``params`` hold the values named in the message.
    """

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.code = code
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)
