"""Reads of form submissions."""

from __future__ import annotations

from .models import Submission

__all__ = ["submission"]


def submission(token: str) -> Submission | None:
    """The earlier submission of a form with this token, if any."""
    return Submission.objects.filter(token=token).first()
