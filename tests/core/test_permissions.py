"""The persona matrix: every action, for every persona."""

import pytest

from confederal.permissions import Action, Actor, PermissionDenied, Persona, check, may, persona

VISITOR = Actor()
SIGNED_IN = Actor(signed_in=True)
MEMBER = Actor(signed_in=True, member=True)
FACILITATOR = Actor(signed_in=True, member=True, roles=frozenset({"facilitator"}))
NOTE_TAKER = Actor(signed_in=True, member=True, roles=frozenset({"note-taker"}))
TREASURER = Actor(signed_in=True, member=True, roles=frozenset({"treasurer"}))

# A member may do everything but what anyone may (view, join) and what only role holders may.
MEMBER_ACTIONS = [a for a in Action if a not in {Action.VIEW, Action.JOIN, Action.FACILITATE, Action.PUBLISH_MINUTES}]
# persona -> actions it may take; everything else must be refused.
MATRIX = {
    "visitor": {Action.VIEW},
    "signed in, not a member": {Action.VIEW, Action.JOIN},
    "member": {Action.VIEW, *MEMBER_ACTIONS},
    "facilitator": {Action.VIEW, *MEMBER_ACTIONS, Action.FACILITATE, Action.PUBLISH_MINUTES},
    "note-taker": {Action.VIEW, *MEMBER_ACTIONS, Action.PUBLISH_MINUTES},
    "treasurer": {Action.VIEW, *MEMBER_ACTIONS},
}
ACTORS = {
    "visitor": VISITOR,
    "signed in, not a member": SIGNED_IN,
    "member": MEMBER,
    "facilitator": FACILITATOR,
    "note-taker": NOTE_TAKER,
    "treasurer": TREASURER,
}


@pytest.mark.parametrize("who", list(MATRIX))
@pytest.mark.parametrize("action", list(Action))
def test_each_persona_may_do_exactly_its_actions(who, action):
    allowed = action in MATRIX[who]
    assert may(ACTORS[who], action) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied) as denied:
            check(ACTORS[who], action)
        assert denied.value.message


def test_a_refusal_says_what_would_allow_it():
    with pytest.raises(PermissionDenied, match="Sign in"):
        check(VISITOR, Action.VOTE)
    with pytest.raises(PermissionDenied, match="Only members"):
        check(SIGNED_IN, Action.VOTE)
    with pytest.raises(PermissionDenied, match="facilitator or note-taker"):
        check(MEMBER, Action.PUBLISH_MINUTES)
    with pytest.raises(PermissionDenied, match="already a member"):
        check(MEMBER, Action.JOIN)


def test_personas_are_named_from_membership_and_roles():
    assert [persona(a) for a in (VISITOR, SIGNED_IN, MEMBER, FACILITATOR)] == [
        Persona.VISITOR,
        Persona.VISITOR,
        Persona.MEMBER,
        Persona.ROLE_HOLDER,
    ]


def test_a_role_awaiting_two_factor_sign_in_does_not_act_and_says_how_to():
    waiting = Actor(signed_in=True, member=True, roles_awaiting_two_factor=frozenset({"note-taker"}))
    assert persona(waiting) is Persona.ROLE_HOLDER
    assert may(waiting, Action.VOTE)
    with pytest.raises(PermissionDenied, match="two-factor sign-in on your account page") as denied:
        check(waiting, Action.PUBLISH_MINUTES)
    assert denied.value.code == "two_factor_needed"
    # Another role the person holds that needs no code still acts.
    both = Actor(
        signed_in=True,
        member=True,
        roles=frozenset({"facilitator"}),
        roles_awaiting_two_factor=frozenset({"note-taker"}),
    )
    assert may(both, Action.PUBLISH_MINUTES)
