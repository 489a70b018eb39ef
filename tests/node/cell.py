"""A small assembly with one person of each persona, built through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from confederal.node.assemblies.models import Assembly, JoinRequest, Member
from confederal.node.assemblies.services import (
    check_found_assembly,
    do_accept_invitation,
    do_create_invitation,
    do_found_assembly,
    do_request_to_join,
)
from confederal.node.decisions.models import Proposal
from confederal.node.decisions.services import check_propose, do_propose
from confederal.node.meetings.models import Meeting
from confederal.node.meetings.services import check_schedule, do_schedule
from confederal.node.roles.models import RoleTerm

PASSWORD = "a-long-test-password"


@dataclass
class Cell:
    assembly: Assembly
    users: dict[str, User] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    proposal: Proposal | None = None
    meeting: Meeting | None = None
    request: JoinRequest | None = None


def user(name: str) -> User:
    return User.objects.create_user(name, password=PASSWORD)


def build_cell(
    now: datetime | None = None, *, max_size: int = 15, extra_members: int = 0, changes: dict[str, object] | None = None
) -> Cell:
    """Ana (member), Fay (facilitator), Nico (note-taker), Otto (signed in, not a member) and a pending request."""
    now = now or timezone.now()
    ana = user("ana")
    checked = check_found_assembly(
        ana,
        name="Oak Street Garden",
        slug="oak-street",
        focus="food",
        principles="We grow food together.",
        public_name="Ana",
        today=now.date(),
        changes={"max_size": max_size, **(changes or {})},
    )
    assembly = do_found_assembly(checked, now)
    cell = Cell(assembly, {"ana": ana}, {"ana": assembly.members.get()})
    for name in ["fay", "nico", *[f"m{i}" for i in range(extra_members)]]:
        cell.users[name] = user(name)
        invitation = do_create_invitation(cell.members["ana"], now)
        cell.members[name] = do_accept_invitation(cell.users[name], invitation, name.capitalize(), now)
    for name, role in (("fay", "facilitator"), ("nico", "note-taker")):
        RoleTerm.objects.create(
            assembly=assembly,
            role=role,
            member=cell.members[name],
            start=now.date(),
            end=now.date() + timedelta(days=30),
            method="rota",
            created_at=now,
        )
    cell.users["otto"] = user("otto")
    cell.users["rita"] = user("rita")
    cell.request = do_request_to_join(cell.users["rita"], assembly, "Rita", "", now)
    cell.proposal = do_propose(check_propose(cell.members["ana"], title="Plant beans in April", method="consent"), now)
    cell.meeting = do_schedule(
        check_schedule(
            cell.members["ana"],
            title="Spring meeting",
            starts_at=now - timedelta(minutes=5),
            minutes=60,
            place="",
            agenda=["Beans"],
            now=now,
        )
    )
    return cell
