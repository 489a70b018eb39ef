"""Writes for assemblies: founding, membership, invitations, join requests, leaving, splitting.

``check_*`` validates and authorises (raising :class:`Refused` with a plain
message, changing nothing); ``do_*`` acts on what was checked. Every public act
is appended to the assembly's ledger in the same transaction as the change,
and the checkpoint is signed after the commit. Rows are locked in one order —
the assembly, then its ledger — so two acts never wait on each other in a cycle.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from confederal.charter import Charter, CharterError, JoinMode, default_charter
from confederal.ledger import JSONObject
from confederal.node.errors import Refused
from confederal.node.ledgers.models import Ledger
from confederal.node.ledgers.services import (
    Record,
    append_in_transaction,
    check_fits,
    check_ledger_slug,
    new_ledger_row,
    publish,
)
from confederal.node.text import check_line, clean, lookalike
from confederal.node.zones import check_zone
from confederal.records import AssemblySplit, CharterAdopted, MemberJoined, MemberLeft
from confederal.splitting import Split, check_split, propose_split

from .models import Assembly, Invitation, JoinRequest, Member

__all__ = [
    "FoundAssembly",
    "charter_of",
    "check_accept_invitation",
    "check_found_assembly",
    "check_own_invitation",
    "check_public_name",
    "check_request_to_join",
    "check_room",
    "check_split_cells",
    "do_accept_invitation",
    "do_create_invitation",
    "do_decide_join_request",
    "do_found_assembly",
    "do_leave",
    "do_request_to_join",
    "do_revoke_invitation",
    "do_set_away",
    "joined_record",
    "lock",
    "record_charter",
    "split_in_transaction",
    "split_problem",
    "split_title",
    "suggest_split",
    "take_number",
]

INVITATION_DAYS = 14


def lock(assembly: Assembly) -> Assembly:
    """Lock the assembly's row for the rest of the transaction and return it fresh."""
    return Assembly.objects.select_for_update().get(pk=assembly.pk)


Counter = Literal["next_proposal_number", "next_meeting_number"]


def take_number(assembly: Assembly, counter: Counter) -> tuple[Assembly, int]:
    """Lock the assembly (as ``lock``), take the next number from its ``counter``; return it fresh, and the number."""
    locked = lock(assembly)
    number: int = getattr(locked, counter)
    setattr(locked, counter, number + 1)
    locked.save(update_fields=[counter])
    return locked, number


def charter_of(assembly: Assembly) -> Charter:
    return Charter.from_json(assembly.charter)


def record_charter(charter: Charter, note: str | None = None) -> Record:
    return Record(CharterAdopted(charter, note))


def joined_record(member: Member, invited_by: str | None = None, approved_by: str | None = None) -> Record:
    return Record(MemberJoined(member.pk, member.public_name, member.via, invited_by, approved_by))


def check_public_name(assembly: Assembly | None, name: str) -> str:
    """Return the name as stored (trimmed, NFC) if it can be used in this assembly.

    Raises:
        Refused: empty, too long, unreadable as it is (:func:`~confederal.node.text.check_line`), already
            used by a current member, or looking just like a current member's name (``Jоnas`` with a
            Cyrillic о beside ``Jonas``).
    """
    name = check_line(
        name, 1, 80, "bad_public_name", _("Choose a public name of 1 to 80 characters; it is how others will see you.")
    )
    if assembly is None:
        return name
    taken = list(assembly.members.filter(left_at__isnull=True).values_list("public_name", flat=True))
    if name in taken:
        raise Refused("public_name_taken", _("Someone in this assembly already goes by “%(name)s”.") % {"name": name})
    twin = lookalike(name, taken)
    if twin is not None:
        raise Refused(
            "public_name_lookalike",
            _(
                "“%(name)s” looks just like “%(other)s”, the name of someone already in this assembly; "
                "choose a name others can tell apart."
            )
            % {"name": name, "other": twin},
        )
    return name


def check_assembly_name(name: str) -> str:
    """An assembly's name as stored, if people can read it as it is.

    Raises:
        Refused: empty, longer than 120 characters, or unreadable as it is.
    """
    return check_line(name, 1, 120, "bad_value", _("Give the assembly a name of 1 to 120 characters."))


def check_room(assembly: Assembly) -> None:
    """Refuse a new member once the charter's maximum size is reached, and say how to grow instead."""
    limit = charter_of(assembly).max_size.value
    if assembly.members.filter(left_at__isnull=True).count() >= limit:
        raise Refused(
            "assembly_full",
            _(
                "%(name)s has reached its maximum of %(limit)d members. Assemblies grow by splitting into two "
                "cells rather than getting bigger: any member can propose a split."
            )
            % {"name": assembly.name, "limit": limit},
            409,
        )


@dataclass(frozen=True)
class FoundAssembly:
    user: User
    slug: str
    public_name: str
    charter: Charter


def check_found_assembly(
    user: User | AnonymousUser,
    *,
    name: str,
    slug: str,
    focus: str,
    principles: str,
    public_name: str,
    today: date,
    changes: Mapping[str, object] | None = None,
) -> FoundAssembly:
    """Validate founding an assembly with a default charter (adjusted by ``changes``).

    Raises:
        Refused: any field is invalid; nothing is created.
    """
    if not user.is_authenticated:
        raise Refused("sign_in", _("Sign in to found an assembly."), 401)
    if focus not in Assembly.Focus.values:
        raise Refused(
            "bad_focus", _("Choose a focus among: %(choices)s.") % {"choices": ", ".join(Assembly.Focus.values)}
        )
    if changes and "time_zone" in changes:
        changes = {**changes, "time_zone": check_zone(str(changes["time_zone"]))}
    try:
        charter = default_charter(check_assembly_name(name), focus, clean(principles), today)
        if changes:
            charter = charter.amended(changes, charter.principles.review_on)
            charter = Charter.from_json({**charter.to_json(), "version": 1})
    except CharterError as exc:
        raise Refused(exc.code, exc.message) from exc
    check_ledger_slug(slug)
    if Assembly.objects.filter(slug=slug).exists():
        raise Refused("slug_taken", _("There is already an assembly called '%(slug)s'.") % {"slug": slug})
    # The charter is the ledger's first entry: it must fit before anything is created.
    check_fits(CharterAdopted.kind, record_charter(charter).json())
    return FoundAssembly(user, slug, check_public_name(None, public_name), charter)


def do_found_assembly(request: FoundAssembly, now: datetime) -> Assembly:
    """Create the assembly, its ledger and its founding member; record the charter and the founder.

    Raises:
        Refused: someone founded an assembly with the same address a moment earlier.
    """
    try:
        return _found(request, now)
    except IntegrityError as exc:
        raise Refused(
            "slug_taken", _("There is already an assembly called '%(slug)s'.") % {"slug": request.slug}, 409
        ) from exc


def _found(request: FoundAssembly, now: datetime) -> Assembly:
    with transaction.atomic(durable=True):
        ledger = new_ledger_row(request.slug, request.charter.name, now)
        assembly = Assembly.objects.create(
            name=request.charter.name,
            slug=request.slug,
            focus=request.charter.focus,
            principles=request.charter.principles.value,
            ledger=ledger,
            founded_at=now,
            charter=request.charter.to_json(),
        )
        founder = Member.objects.create(
            assembly=assembly,
            user=request.user,
            public_name=request.public_name,
            via=Member.Via.FOUNDING,
            joined_at=now,
        )
        append_in_transaction(ledger, [record_charter(request.charter), joined_record(founder)], now)
    publish(ledger, now)
    return assembly


def do_create_invitation(member: Member, now: datetime) -> Invitation:
    """Create a single-use invitation link valid for two weeks. The member must be current."""
    return Invitation.objects.create(
        assembly=member.assembly,
        token=secrets.token_urlsafe(24),
        created_by=member,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )


def check_own_invitation(member: Member, invitation_id: int) -> Invitation:
    """The invitation, if this member created it: only they have the link to share or withdraw.

    Raises:
        Refused: there is no such invitation of theirs (404, whoever else created it).
    """
    invitation = Invitation.objects.filter(pk=invitation_id, created_by=member).select_related("used_by").first()
    if invitation is None:
        raise Refused("not_found", _("You have no such invitation in this assembly."), 404)
    return invitation


def do_revoke_invitation(invitation: Invitation, now: datetime) -> None:
    """Withdraw an unused link (sent to the wrong person, or posted somewhere public).

    Raises:
        Refused: the link was already used, withdrawn or expired.
    """
    updated = Invitation.objects.filter(
        pk=invitation.pk, used_by__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(revoked_at=now)
    if not updated:
        raise Refused("invitation_closed", _("This invitation was already used, withdrawn or expired."), 409)


def check_accept_invitation(
    user: User | AnonymousUser, token: str, public_name: str, now: datetime
) -> tuple[Invitation, str]:
    """Validate accepting an invitation; return it and the public name to use.

    Raises:
        Refused: unknown, used, revoked or expired link; already a member; the assembly is full.
    """
    if not user.is_authenticated:
        raise Refused("sign_in", _("Sign in or create an account to accept the invitation."), 401)
    invitation = Invitation.objects.select_related("assembly").filter(token=token).first()
    if invitation is None:
        raise Refused("bad_invitation", _("This invitation link is not valid. Ask a member for a new one."), 404)
    if invitation.used_by_id is not None:
        raise Refused("invitation_used", _("This invitation has already been used. Ask a member for a new one."), 410)
    if invitation.revoked_at is not None or invitation.expires_at <= now:
        raise Refused("invitation_expired", _("This invitation has expired. Ask a member for a new one."), 410)
    assembly = invitation.assembly
    if JoinMode(charter_of(assembly).join.value) is JoinMode.REQUEST:
        raise Refused("invitations_closed", _("This assembly takes new members by request only."), 403)
    if assembly.members.filter(left_at__isnull=True, user=user).exists():
        raise Refused("already_member", _("You are already a member of %(name)s.") % {"name": assembly.name}, 409)
    check_room(assembly)
    return invitation, check_public_name(assembly, public_name)


def do_accept_invitation(user: User, invitation: Invitation, public_name: str, now: datetime) -> Member:
    """Make the person a member and use up the invitation; recorded in the ledger."""
    with transaction.atomic(durable=True):
        assembly = lock(invitation.assembly)
        # Re-checked under the lock: two people may accept at the same moment.
        fresh = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if fresh.used_by_id is not None:
            raise Refused("invitation_used", _("This invitation has just been used by someone else."), 410)
        if fresh.revoked_at is not None or fresh.expires_at <= now:
            raise Refused("invitation_expired", _("This invitation has expired. Ask a member for a new one."), 410)
        if JoinMode(charter_of(assembly).join.value) is JoinMode.REQUEST:
            raise Refused("invitations_closed", _("This assembly takes new members by request only."), 403)
        check_room(assembly)
        check_public_name(assembly, public_name)
        if assembly.members.filter(left_at__isnull=True, user=user).exists():
            raise Refused("already_member", _("You are already a member of %(name)s.") % {"name": assembly.name}, 409)
        member = Member.objects.create(
            assembly=assembly, user=user, public_name=public_name, via=Member.Via.INVITATION, joined_at=now
        )
        fresh.used_by = member
        fresh.save(update_fields=["used_by"])
        invited_by = fresh.created_by.public_name
        append_in_transaction(assembly.ledger, [joined_record(member, invited_by=invited_by)], now)
    publish(assembly.ledger, now)
    return member


def check_request_to_join(user: User | AnonymousUser, assembly: Assembly, public_name: str, message: str) -> str:
    """Validate asking to join; return the public name.

    Raises:
        Refused: not signed in, the charter takes invitations only, already a member or
            waiting, the assembly is full, or a bad name or message.
    """
    if not user.is_authenticated:
        raise Refused("sign_in", _("Sign in or create an account to ask to join."), 401)
    if JoinMode(charter_of(assembly).join.value) is JoinMode.INVITATION:
        raise Refused("requests_closed", _("This assembly takes new members by invitation only: ask a member."), 403)
    if assembly.members.filter(left_at__isnull=True, user=user).exists():
        raise Refused("already_member", _("You are already a member of %(name)s.") % {"name": assembly.name}, 409)
    if assembly.join_requests.filter(user=user, status=JoinRequest.Status.PENDING).exists():
        raise Refused("already_asked", _("You have already asked to join; a member will answer soon."), 409)
    if len(clean(message)) > 2000:
        raise Refused("message_too_long", _("Keep your message under 2,000 characters."))
    check_room(assembly)
    return check_public_name(assembly, public_name)


def do_request_to_join(user: User, assembly: Assembly, public_name: str, message: str, now: datetime) -> JoinRequest:
    """File a join request for members to decide. Not public: only an approval is recorded.

    Raises:
        Refused: the same person asked a moment earlier (a double click).
    """
    try:
        with transaction.atomic():
            return JoinRequest.objects.create(
                assembly=assembly, user=user, public_name=public_name, message=clean(message), created_at=now
            )
    except IntegrityError as exc:
        raise Refused("already_asked", _("You have already asked to join; a member will answer soon."), 409) from exc


def do_decide_join_request(member: Member, request: JoinRequest, approve: bool, now: datetime) -> Member | None:
    """Approve (the person becomes a member, recorded in the ledger) or decline a pending request.

    Raises:
        Refused: the request is no longer pending, belongs elsewhere, or the assembly is now full.
    """
    with transaction.atomic(durable=True):
        assembly = lock(member.assembly)
        fresh = JoinRequest.objects.select_for_update().get(pk=request.pk)
        if fresh.assembly_id != assembly.pk:
            raise Refused("not_found", _("There is no such request in this assembly."), 404)
        if fresh.status != JoinRequest.Status.PENDING:
            raise Refused("request_decided", _("This request has already been answered."), 409)
        fresh.decided_by, fresh.decided_at = member, now
        if approve and JoinMode(charter_of(assembly).join.value) is JoinMode.INVITATION:
            # The charter changed since the person asked: only a decline is still possible.
            raise Refused(
                "requests_closed",
                _("The charter now takes new members by invitation only; send this person an invitation instead."),
                409,
            )
        if not approve:
            fresh.status = JoinRequest.Status.DECLINED
            fresh.save(update_fields=["status", "decided_by", "decided_at"])
            return None
        check_room(assembly)
        name = check_public_name(assembly, fresh.public_name)
        if assembly.members.filter(left_at__isnull=True, user=fresh.user).exists():
            raise Refused("already_member", _("This person is already a member."), 409)
        new = Member.objects.create(
            assembly=assembly, user=fresh.user, public_name=name, via=Member.Via.REQUEST, joined_at=now
        )
        fresh.status = JoinRequest.Status.APPROVED
        fresh.save(update_fields=["status", "decided_by", "decided_at"])
        append_in_transaction(assembly.ledger, [joined_record(new, approved_by=member.public_name)], now)
    publish(assembly.ledger, now)
    return new


def do_leave(member: Member, now: datetime) -> None:
    """End a membership (anyone may leave at any time); any role they hold ends today."""
    from confederal.node.roles.models import RoleTerm

    with transaction.atomic(durable=True):
        assembly = lock(member.assembly)
        fresh = Member.objects.select_for_update().get(pk=member.pk)
        if fresh.left_at is not None:
            raise Refused("not_member", _("You are not a member of this assembly any more."), 409)
        fresh.left_at = now
        fresh.save(update_fields=["left_at"])
        RoleTerm.objects.filter(member=fresh, end__gt=now.date(), ended_early_on__isnull=True).update(
            ended_early_on=now.date()
        )
        record = Record(MemberLeft(fresh.pk, fresh.public_name))
        append_in_transaction(assembly.ledger, [record], now)
    publish(assembly.ledger, now)


def do_set_away(member: Member, until: date | None, today: date) -> None:
    """Mark the member away until a day (rotas skip them), or back (``None``)."""
    if until is not None and not today <= until <= today + timedelta(days=366):
        raise Refused("bad_date", _("Choose a day between today and a year from now."))
    Member.objects.filter(pk=member.pk).update(away_until=until)


def _experience(assembly: Assembly, members: Sequence[Member]) -> dict[str, set[str]]:
    from confederal.node.roles.models import RoleTerm

    held: dict[str, set[str]] = {str(m.pk): set() for m in members}
    for member_id, role in RoleTerm.objects.filter(assembly=assembly, member__in=members).values_list("member", "role"):
        held[str(member_id)].add(role)
    return held


def suggest_split(assembly: Assembly) -> tuple[list[Member], list[Member]]:
    """Propose a division of the current members that keeps each role's experience on both sides.

    Outside what the search handles (fewer than 4 or more than 30 members) it
    suggests alternate members by order of joining, for people to adjust.
    """
    members = list(assembly.members.filter(left_at__isnull=True).order_by("joined_at", "pk"))
    # The seed only breaks ties; it is derived from public facts so anyone can reproduce the suggestion.
    seed = hashlib.sha256(f"{assembly.slug}:{assembly.ledger.size}".encode()).digest()
    try:
        split = propose_split([str(m.pk) for m in members], _experience(assembly, members), seed)
    except ValueError:
        return members[::2], members[1::2]
    by_id = {str(m.pk): m for m in members}
    return [by_id[i] for i in split.cell_a], [by_id[i] for i in split.cell_b]


def check_split_cells(
    assembly: Assembly, stay: Sequence[int], leave: Sequence[int], name: str, slug: str
) -> dict[str, Any]:
    """Validate a (possibly hand-edited) division and the new cell's name; return the proposal payload.

    Raises:
        Refused: the division is not a partition of the current members into two workable cells,
            or the new name is taken.
    """
    current = [str(pk) for pk in assembly.members.filter(left_at__isnull=True).values_list("pk", flat=True)]
    try:
        check_split(current, Split(tuple(str(i) for i in stay), tuple(str(i) for i in leave)))
    except ValueError as exc:
        code = getattr(exc, "code", "bad_split")
        messages = {
            "cell_too_small": _("Each cell needs at least two members: move more people, or fewer."),
            "unknown_member": _("Only current members can be placed in a cell."),
            "not_a_partition": _("Every member must be in exactly one of the two cells."),
        }
        raise Refused(code, messages.get(code, str(exc))) from exc
    name = check_line(name, 1, 120, "bad_name", _("Give the new cell a name of 1 to 120 characters."))
    check_ledger_slug(slug)
    if Assembly.objects.filter(slug=slug).exists():
        raise Refused("slug_taken", _("There is already an assembly called '%(slug)s'.") % {"slug": slug})
    names = dict(assembly.members.filter(left_at__isnull=True).values_list("pk", "public_name"))
    return {
        "stay": [int(i) for i in stay],
        "leave": [int(i) for i in leave],
        "stay_names": sorted(names[int(i)] for i in stay),
        "leave_names": sorted(names[int(i)] for i in leave),
        "name": name,
        "slug": slug,
    }


def split_title(assembly: Assembly, payload: Mapping[str, Any]) -> str:
    """The split proposal's title, shortened to fit when both names are long (they are in the payload)."""
    title = _("Split into two cells: %(a)s and %(b)s") % {"a": assembly.name, "b": payload["name"]}
    return title if len(title) <= 200 else title[:199].rstrip() + "…"


def split_problem(assembly: Assembly, payload: JSONObject) -> str | None:
    """Why an adopted split can no longer be carried out, or ``None`` if it can (checked under the lock)."""
    ids = [i for i in payload.get("leave", []) if isinstance(i, int)]  # type: ignore[union-attr]
    leaving = assembly.members.filter(left_at__isnull=True, pk__in=ids)
    staying = assembly.members.filter(left_at__isnull=True).exclude(pk__in=ids)
    if leaving.count() < 2 or staying.count() < 2:
        return "each cell needs at least two members, and members have left since it was proposed"
    slug = str(payload.get("slug", ""))
    if Assembly.objects.filter(slug=slug).exists() or Ledger.objects.filter(slug=slug).exists():
        return f"the name '{slug}' has been taken since it was proposed"
    return None


def split_in_transaction(assembly: Assembly, payload: JSONObject, proposal_number: int, now: datetime) -> Assembly:
    """Carry out an adopted split inside the caller's transaction (the assembly already locked).

    The members listed to leave move to a new assembly that inherits the charter;
    members who joined after the proposal stay. Both ledgers record the split and
    point to each other. Returns the new assembly; the caller publishes both ledgers.
    """
    from confederal.node.roles.models import RoleTerm

    leaving_ids = [i for i in payload["leave"] if isinstance(i, int)]  # type: ignore[union-attr]
    leaving = list(assembly.members.filter(left_at__isnull=True, pk__in=leaving_ids))
    staying = list(assembly.members.filter(left_at__isnull=True).exclude(pk__in=leaving_ids))
    if not leaving or not staying:
        raise Refused(
            "split_empty", _("The split would leave one cell empty: members have left since it was proposed.")
        )
    name, slug = str(payload["name"]), str(payload["slug"])
    charter = charter_of(assembly)
    inherited = Charter.from_json({**charter.to_json(), "name": name, "version": 1})
    ledger: Ledger = new_ledger_row(slug, name, now)
    new = Assembly.objects.create(
        name=name,
        slug=slug,
        focus=assembly.focus,
        principles=assembly.principles,
        ledger=ledger,
        founded_at=now,
        charter=inherited.to_json(),
        split_sibling=assembly,
    )
    assembly.split_sibling = new
    assembly.save(update_fields=["split_sibling"])
    moved = []
    for member in leaving:
        member.left_at = now
        member.save(update_fields=["left_at"])
        RoleTerm.objects.filter(member=member, end__gt=now.date(), ended_early_on__isnull=True).update(
            ended_early_on=now.date()
        )
        moved.append(
            Member.objects.create(
                assembly=new, user=member.user, public_name=member.public_name, via=Member.Via.SPLIT, joined_at=now
            )
        )
    stay, leave = tuple(m.public_name for m in staying), tuple(m.public_name for m in leaving)
    append_in_transaction(
        assembly.ledger,
        [Record(AssemblySplit(proposal_number, other=ledger.origin, stay=stay, leave=leave))],
        now,
    )
    append_in_transaction(
        ledger,
        [
            record_charter(inherited, note=f"Inherited from {assembly.name} when it split."),
            Record(AssemblySplit(proposal_number, source=assembly.ledger.origin, members=leave)),
            *[joined_record(m) for m in moved],
        ],
        now,
    )
    return new
