"""Who may do what in an assembly.

Three personas: a *visitor* (anyone, signed in or not) reads public pages and
the ledger; a *member* proposes, votes, invites, takes part in meetings; a
*role holder* also does what the role is for (the facilitator runs meetings,
the note-taker publishes minutes). Every permission check in the node goes
through :func:`check`, so this table is the whole policy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Action", "Actor", "PermissionDenied", "Persona", "check", "may", "persona"]


class Persona(enum.StrEnum):
    VISITOR = "visitor"
    MEMBER = "member"
    ROLE_HOLDER = "role_holder"


class Action(enum.StrEnum):
    VIEW = "view"
    JOIN = "join"
    LEAVE = "leave"
    INVITE = "invite"
    DECIDE_JOIN_REQUEST = "decide_join_request"
    PROPOSE = "propose"
    VOTE = "vote"
    SCHEDULE_MEETING = "schedule_meeting"
    ATTEND_MEETING = "attend_meeting"
    FACILITATE = "facilitate"
    PUBLISH_MINUTES = "publish_minutes"
    ROTATE_ROLES = "rotate_roles"


@dataclass(frozen=True)
class Actor:
    """The facts about a person that permissions depend on, in one assembly."""

    signed_in: bool = False
    member: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    #: Roles the person holds but may not act in yet: the charter asks their holders for two-factor sign-in, and the
    #: person has not turned it on.
    roles_awaiting_two_factor: frozenset[str] = field(default_factory=frozenset)


class PermissionDenied(Exception):
    """Not allowed; ``code`` is stable, ``message`` says what would allow it."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        self.code = code
        self.params = params
        self.message = message
        super().__init__(message)


_MEMBER_ACTIONS = {
    Action.LEAVE,
    Action.INVITE,
    Action.DECIDE_JOIN_REQUEST,
    Action.PROPOSE,
    Action.VOTE,
    Action.SCHEDULE_MEETING,
    Action.ATTEND_MEETING,
    Action.ROTATE_ROLES,
}
# The roles whose holders may do an action on top of what every member may.
_ROLE_ACTIONS = {
    Action.FACILITATE: frozenset({"facilitator"}),
    Action.PUBLISH_MINUTES: frozenset({"facilitator", "note-taker"}),
}


def persona(actor: Actor) -> Persona:
    if not actor.member:
        return Persona.VISITOR
    return Persona.ROLE_HOLDER if actor.roles or actor.roles_awaiting_two_factor else Persona.MEMBER


def check(actor: Actor, action: Action) -> None:
    """Return if ``actor`` may do ``action``; otherwise raise :class:`PermissionDenied` saying why."""
    if action is Action.VIEW:
        return
    if action is Action.JOIN:
        if not actor.signed_in:
            raise PermissionDenied("sign_in", "Sign in to join an assembly.")
        if actor.member:
            raise PermissionDenied("already_member", "You are already a member of this assembly.")
        return
    if not actor.signed_in:
        raise PermissionDenied("sign_in", "Sign in first.")
    if not actor.member:
        raise PermissionDenied("members_only", "Only members of this assembly can do this.")
    if action in _MEMBER_ACTIONS:
        return
    check_holds(actor, _ROLE_ACTIONS[action])


def check_holds(actor: Actor, holders: frozenset[str]) -> None:
    """Return if ``actor`` acts in one of the roles ``holders`` (a charter may name them, as the books' keepers)."""
    if not actor.signed_in:
        raise PermissionDenied("sign_in", "Sign in first.")
    if not actor.member:
        raise PermissionDenied("members_only", "Only members of this assembly can do this.")
    if not actor.roles & holders and actor.roles_awaiting_two_factor & holders:
        waiting = sorted(actor.roles_awaiting_two_factor & holders)
        raise PermissionDenied(
            "two_factor_needed",
            f"The charter asks the {' and '.join(waiting)} to sign in with a two-factor code: "
            "turn on two-factor sign-in on your account page, then try again.",
            roles=waiting,
        )
    if not actor.roles & holders:
        names = " or ".join(sorted(holders))
        raise PermissionDenied("role_only", f"Only the assembly's {names} can do this.", roles=sorted(holders))


def may(actor: Actor, action: Action) -> bool:
    """Return whether ``actor`` may do ``action``."""
    try:
        check(actor, action)
    except PermissionDenied:
        return False
    return True
