"""Turning a signed-in person into the facts permissions depend on, in one assembly.

Pages, the API and services all ask here; the decision itself is
:mod:`confederal.permissions`, the one table of who may do what.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as DjangoUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from confederal.charter import Charter
from confederal.permissions import Action, Actor, PermissionDenied, check

from .accounts.selectors import two_factor_device
from .assemblies.models import Assembly, Member
from .errors import Refused
from .roles.models import RoleTerm

__all__ = [
    "access_assembly",
    "active_members",
    "actor",
    "is_operator",
    "membership",
    "require",
    "require_member",
    "require_operator",
    "signed_in",
]

User = DjangoUser | AnonymousUser


def signed_in(user: User) -> DjangoUser:
    """Return the signed-in user, or refuse with 401 for a visitor."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        raise Refused("sign_in", _("Sign in first."), 401)
    return user


def is_operator(user: User) -> bool:
    """Whether this person runs the node: an account with Django's staff flag, which only the command line gives
    (``confederal manage createsuperuser``); signing up never does."""
    return bool(user.is_authenticated and user.is_staff)


def require_operator(user: User) -> DjangoUser:
    """Return the signed-in user if they are the node's operator (what the node as a whole does, such as its peers).

    Raises:
        Refused: 401 for a visitor, 403 ``not_operator`` for anyone else.
    """
    person = signed_in(user)
    if not is_operator(person):
        raise Refused("not_operator", _("Only this node's operator can do this."), 403)
    return person


def access_assembly(slug: str) -> Assembly:
    """Return the assembly with this short name (public: every assembly is readable), or 404."""
    return get_object_or_404(Assembly.objects.select_related("ledger"), slug=slug)


def active_members(assembly: Assembly) -> QuerySet[Member]:
    return assembly.members.filter(left_at__isnull=True)


def membership(user: User, assembly: Assembly) -> Member | None:
    """Return the person's current membership of the assembly, if any."""
    if not user.is_authenticated:
        return None
    return active_members(assembly).filter(user=user).first()


def _roles_held(member: Member, today: date) -> frozenset[str]:
    terms = RoleTerm.objects.filter(
        member=member, kind=RoleTerm.Kind.ROLE, start__lte=today, end__gt=today, ended_early_on__isnull=True
    )
    return frozenset(terms.values_list("role", flat=True))


def actor(user: User, assembly: Assembly, today: date) -> tuple[Actor, Member | None]:
    """Return what permissions need to know about this person here, and their membership.

    A role whose holders the charter asks for two-factor sign-in counts only once the person has turned it on.
    """
    member = membership(user, assembly)
    roles = _roles_held(member, today) if member else frozenset()
    awaiting: frozenset[str] = frozenset()
    if roles:
        rule = Charter.from_json(assembly.charter).two_factor_roles
        required = roles & frozenset(rule.value if rule else ())
        if required and isinstance(user, DjangoUser) and two_factor_device(user) is None:
            roles, awaiting = roles - required, required
    signed = bool(user.is_authenticated)
    return Actor(signed_in=signed, member=member is not None, roles=roles, roles_awaiting_two_factor=awaiting), member


def require(user: User, assembly: Assembly, action: Action, today: date) -> Member | None:
    """Return the person's membership if they may do ``action`` here.

    Raises:
        Refused: with status 401 when signing in would help, 403 otherwise.
    """
    who, member = actor(user, assembly, today)
    try:
        check(who, action)
    except PermissionDenied as denied:
        raise Refused(denied.code, denied.message, 401 if denied.code == "sign_in" else 403) from denied
    return member


def require_member(user: User, assembly: Assembly, action: Action, today: date) -> Member:
    """Return the person's membership if they may do ``action`` here, as a member.

    Raises:
        Refused: as :func:`require` does, and with 403 ``not_a_member`` when the action is open to
            non-members but this one acts as a member.
    """
    member = require(user, assembly, action, today)
    if member is None:
        raise Refused("not_a_member", _("Only members of %(assembly)s can do this.") % {"assembly": assembly.name}, 403)
    return member
