"""Reads of assemblies for pages and the API."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from confederal.node.access import active_members
from confederal.node.zones import zone_named_by

from .models import Assembly, Invitation, JoinRequest, Member

__all__ = [
    "assemblies",
    "assembly_ids_of",
    "current_member_or_404",
    "has_pending_request",
    "invitation_by_token",
    "join_request_or_404",
    "member_count",
    "member_ids",
    "members_by_name",
    "pending_requests",
    "time_zone_of",
]


def time_zone_of(slug: str) -> str | None:
    """The time zone an assembly's charter names (None if there is no such assembly)."""
    charter = Assembly.objects.filter(slug=slug).values_list("charter", flat=True).first()
    return None if charter is None else zone_named_by(charter)


def assemblies() -> QuerySet[Assembly]:
    """Every assembly on this node, by name, with its ledger."""
    return Assembly.objects.select_related("ledger", "split_sibling").order_by("name")


def assembly_ids_of(user: User | AnonymousUser) -> set[int]:
    """The ids of the assemblies the person is a current member of (none for a visitor)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return set()
    return set(user.memberships.filter(left_at__isnull=True).values_list("assembly_id", flat=True))


def members_by_name(assembly: Assembly) -> list[Member]:
    """The assembly's current members, by public name."""
    return list(active_members(assembly).order_by("public_name"))


def member_count(assembly: Assembly) -> int:
    """How many current members the assembly has."""
    return active_members(assembly).count()


def member_ids(assembly: Assembly) -> list[int]:
    """The ids of the assembly's current members."""
    return list(active_members(assembly).values_list("pk", flat=True))


def current_member_or_404(assembly: Assembly, member_id: int) -> Member:
    """The assembly's current member with this id, or 404."""
    return get_object_or_404(active_members(assembly), pk=member_id)


def pending_requests(assembly: Assembly) -> QuerySet[JoinRequest]:
    """Requests to join waiting for an answer, oldest first."""
    return assembly.join_requests.filter(status=JoinRequest.Status.PENDING).order_by("created_at")


def has_pending_request(assembly: Assembly, user: User | AnonymousUser) -> bool:
    """Whether the person has asked to join and is waiting for an answer."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return assembly.join_requests.filter(user=user, status=JoinRequest.Status.PENDING).exists()


def join_request_or_404(assembly: Assembly, request_id: int) -> JoinRequest:
    """The assembly's request to join with this id, or 404."""
    return get_object_or_404(JoinRequest, pk=request_id, assembly=assembly)


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation with this token, with its assembly and maker, if there is one."""
    return Invitation.objects.select_related("assembly", "created_by").filter(token=token).first()
