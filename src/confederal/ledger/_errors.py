"""Errors raised by the ledger core.

Every error carries a stable ``code`` and the ``params`` needed to rebuild its
message, so that a shell can translate it; ``str(error)`` is the English text.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CheckpointError",
    "EntryError",
    "LedgerError",
    "NoteError",
    "ProofError",
    "TileError",
]


class LedgerError(ValueError):
    """Base class: bad input to, or a failed check in, the ledger core."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.code = code
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)


class EntryError(LedgerError):
    """An entry's bytes or fields break the canonical JSON profile or the envelope."""


class ProofError(LedgerError):
    """A Merkle proof was asked for, or checked, and does not hold."""


class NoteError(LedgerError):
    """A signed note or a key string is malformed, or a signature does not verify."""


class CheckpointError(LedgerError):
    """A checkpoint body is malformed."""


class TileError(LedgerError):
    """A tile path or tile contents are malformed."""
