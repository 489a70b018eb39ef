"""Errors raised when a charter or an amendment breaks the rules of charters."""

from __future__ import annotations

from typing import Any

__all__ = ["CharterError"]


class CharterError(ValueError):
    """A charter value is invalid; ``code`` is stable, ``str()`` is English."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.code = code
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)
