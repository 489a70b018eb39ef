"""The one error every service raises when it refuses something, and pages and the API show."""

from __future__ import annotations

__all__ = ["Refused"]


class Refused(Exception):
    """A request the node will not carry out; nothing was changed.

    ``code`` is stable (for programs and translations); ``message`` is for the
    person, and says what would make it possible where there is a way.
    ``status`` is the HTTP status the API answers with.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
