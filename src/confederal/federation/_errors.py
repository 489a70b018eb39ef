"""Errors raised when a federation record breaks the rules of the protocol."""

from __future__ import annotations

from typing import Any

__all__ = ["FederationError"]


class FederationError(ValueError):
    """A federation value is invalid; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.code = code
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)
