"""Errors raised when a charter or an amendment breaks the rules of charters."""

from __future__ import annotations

from typing import Any

__all__ = ["CharterError"]


#: How a rule's name reads in a message: ``max_size`` → "The largest size".
_PLAIN = {
    "principles": "The principles",
    "method": "The way of deciding",
    "quorum": "The quorum",
    "threshold": "The super majority",
    "ballots": "Open or secret votes",
    "join": "How people join",
    "max_size": "The largest size",
    "voting_days": "The days a vote stays open",
    "outcome_review_days": "The days before a decision is reviewed",
    "chores": "The chores",
    "two_factor_roles": "The roles that need two-factor sign-in",
    "name": "The name",
    "version": "The version",
    "term_days": "days per term",
    "max_consecutive_terms": "most terms in a row",
    "cooldown_terms": "terms off",
}


def plain_path(path: str) -> str:
    """A rule's path as people read it: ``roles.facilitator.term_days`` → "Facilitator: days per term"."""
    if path.startswith("roles."):
        role, _, setting = path.removeprefix("roles.").partition(".")
        role = role[:1].upper() + role[1:]
        return f"{role}: {_PLAIN.get(setting, setting)}" if setting else f"The role {role}"
    return _PLAIN.get(path, path)


class CharterError(ValueError):
    """A charter value is invalid; ``code`` is stable, ``str()`` is English."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.code = code
        if isinstance(params.get("path"), str):
            params["path"] = plain_path(params["path"])
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)
