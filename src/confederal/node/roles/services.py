"""Writes for roles and chores: who takes a role next, and the weekly chore rota.

The rules (term, limits, rotation) come from the charter and the choice from
:mod:`confederal.roles`; these functions apply them to the stored history and
record every assignment — with who was eligible, who sat out and why, and for
a lottery the seed — in the assembly's ledger, so anyone can check it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from confederal.ledger import JSONObject, decode_entry
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.assemblies.services import charter_of, lock
from confederal.node.errors import Refused
from confederal.node.ledgers.models import LedgerEntry
from confederal.node.ledgers.selectors import ledger_root
from confederal.node.ledgers.services import Record, append_in_transaction, publish
from confederal.records import ChoreAssignment, DrawAnnounced, DrawContribution, DrawResult, RoleAssignment
from confederal.roles import (
    Pick,
    RoleRules,
    Rotation,
    Term,
    chore_rota,
    eligibility,
    next_by_rota,
    next_term,
)
from confederal.sortition import (
    DrawAudit,
    Person,
    SortitionError,
    announcement_body,
    audit_draw,
    pool_from_announcement,
    result_body,
    select,
)

from .models import Lottery, RoleTerm

__all__ = [
    "CHORE_DAYS",
    "check_lottery",
    "current_terms",
    "do_add_randomness",
    "do_announce_lottery",
    "do_draw_lottery",
    "do_lottery_step",
    "do_rotate",
    "do_rotate_chores",
    "do_rotate_due",
    "election_problem",
    "history",
    "lottery_ready",
    "past_terms",
    "pending_lottery",
    "roles_due",
    "seat_in_transaction",
]

CHORE_DAYS = 7
SeedSource = Callable[[], bytes]


def _rules(assembly: Assembly, role: str) -> RoleRules:
    rule = charter_of(assembly).roles.get(role)
    if rule is None:
        raise Refused("unknown_role", _("This assembly's charter has no role called “%(role)s”.") % {"role": role}, 404)
    return rule.value


def history(assembly: Assembly, role: str, kind: str = RoleTerm.Kind.ROLE) -> list[RoleTerm]:
    """This role's terms, oldest first."""
    terms = RoleTerm.objects.filter(assembly=assembly, kind=kind, role=role).select_related("member")
    return list(terms.order_by("start", "pk"))


def past_terms(assembly: Assembly, role: str, kind: str = RoleTerm.Kind.ROLE) -> list[Term]:
    """This role's (or chore's) terms as rotation counts them, oldest first.

    A term cut short (the holder left) counts as service up to the day it ended; one that ended
    on its first day (or before it began) was never served, so it counts as no term at all.
    """
    return [
        Term(t.member.public_name, t.start, t.ended_early_on or t.end)
        for t in history(assembly, role, kind)
        if t.ended_early_on is None or t.ended_early_on > t.start
    ]


def current_terms(assembly: Assembly, today: date, kind: str = RoleTerm.Kind.ROLE) -> dict[str, RoleTerm]:
    """The term running today for each role (or chore) that has one."""
    running = RoleTerm.objects.filter(
        assembly=assembly, kind=kind, start__lte=today, end__gt=today, ended_early_on__isnull=True
    ).select_related("member")
    return {t.role: t for t in running}


def terms_by_kind(assembly: Assembly, today: date) -> dict[str, dict[str, RoleTerm]]:
    """``current_terms`` of roles and of chores at once, in one query: ``{kind: {role: term}}``."""
    running = RoleTerm.objects.filter(
        assembly=assembly, start__lte=today, end__gt=today, ended_early_on__isnull=True
    ).select_related("member")
    found: dict[str, dict[str, RoleTerm]] = {kind: {} for kind in RoleTerm.Kind.values}
    for term in running:
        found[term.kind][term.role] = term
    return found


def roles_due(assembly: Assembly, today: date) -> list[str]:
    """Roles with nobody in them today (never filled, term over, or the holder left)."""
    held = current_terms(assembly, today)
    return [role for role in sorted(charter_of(assembly).roles) if role not in held]


def _present(assembly: Assembly, today: date) -> tuple[list[Member], list[str]]:
    members = list(assembly.members.filter(left_at__isnull=True).order_by("joined_at", "pk"))
    away = [m.public_name for m in members if m.away_until is not None and m.away_until >= today]
    return members, away


def _assignment(
    assembly: Assembly,
    role: str,
    member: Member,
    start: date,
    end: date,
    pick: JSONObject,
    now: datetime,
    members_explanation: str = "",
) -> RoleTerm:
    term = RoleTerm.objects.create(
        members_explanation=members_explanation,
        assembly=assembly,
        kind=RoleTerm.Kind.ROLE,
        role=role,
        member=member,
        start=start,
        end=end,
        method=str(pick["method"]),
        pick=pick,
        created_at=now,
    )
    record = Record(RoleAssignment(role, member.public_name, member.pk, start, end, str(pick["method"]), pick))
    (term.ledger_seq,) = append_in_transaction(assembly.ledger, [record], now)
    term.save(update_fields=["ledger_seq"])
    return term


def _check_vacant(assembly: Assembly, role: str, today: date) -> None:
    running = current_terms(assembly, today).get(role)
    if running is not None:
        raise Refused(
            "term_not_over",
            _("%(holder)s holds this role until %(end)s.") % {"holder": running.member.public_name, "end": running.end},
            409,
        )


def do_rotate(
    assembly: Assembly, role: str, now: datetime, seed: SeedSource = lambda: secrets.token_bytes(32)
) -> RoleTerm:
    """Give the role its next holder, by the charter's rotation for it.

    Rota: the eligible member who has served least. Lottery: a uniform draw
    whose seed is recorded. Election roles are filled by a vote instead (see
    :func:`confederal.node.decisions.services.check_propose` with kind election).

    Raises:
        Refused: the current term is not over, the role is elected, or nobody is eligible.
    """
    today = now.date()
    with transaction.atomic(durable=True):
        assembly = lock(assembly)
        rules = _rules(assembly, role)
        _check_vacant(assembly, role, today)
        if rules.rotation is Rotation.ELECTION:
            raise Refused("elected_role", _("This role is filled by election: propose an election instead."), 409)
        members, away = _present(assembly, today)
        past = past_terms(assembly, role)
        names = [m.public_name for m in members]
        # Whoever already holds another role steps aside if someone else can serve.
        busy = [t.member.public_name for key, t in current_terms(assembly, today).items() if key != role]
        if rules.rotation is Rotation.LOTTERY:
            raise Refused(
                "drawn_by_lottery",
                _("This role is filled by a fair lottery: announce the draw, then draw once the ledger has moved on."),
                409,
            )
        pick: Pick = next_by_rota(names, past, rules, away, busy)
        if pick.holder is None:
            raise Refused("nobody_eligible", pick.explanation, 409)
        start, end = next_term(past, rules, today)
        holder = next(m for m in members if m.public_name == pick.holder)
        term = _assignment(assembly, role, holder, start, end, pick.public_json(), now, pick.explanation)
    publish(assembly.ledger, now)
    return term


def election_problem(assembly: Assembly, role: str, member: Member, now: datetime) -> str | None:
    """Why ``member`` cannot take ``role`` now (checked again when an election closes), or ``None``."""
    rule = charter_of(assembly).roles.get(role)
    if rule is None:
        return "the role no longer exists in the charter"
    if role in current_terms(assembly, now.date()):
        return "someone already holds the role"
    names = [m.public_name for m in assembly.members.filter(left_at__isnull=True)]
    allowed = eligibility(names, past_terms(assembly, role), rule.value).eligible
    if member.public_name not in allowed:
        return "the winner has reached the role's term limit or is cooling down"
    return None


def seat_in_transaction(assembly: Assembly, role: str, member: Member, proposal_number: int, now: datetime) -> RoleTerm:
    """Give the elected member the role (inside the closing transaction, after :func:`election_problem`)."""
    rules = _rules(assembly, role)
    start, end = next_term(past_terms(assembly, role), rules, now.date())
    pick: JSONObject = {"method": Rotation.ELECTION.value, "proposal": proposal_number, "explanation": ""}
    return _assignment(assembly, role, member, start, end, pick, now)


def do_rotate_chores(assembly: Assembly, now: datetime) -> list[RoleTerm]:
    """Share out this week's chores among the members present, fairly over time ("everyone shares the unpleasant work").

    Raises:
        Refused: this week's chores are already assigned, or there are no chores.
    """
    today = now.date()
    with transaction.atomic(durable=True):
        assembly = lock(assembly)
        chores = list(charter_of(assembly).chores.value)
        if not chores:
            raise Refused("no_chores", _("The charter lists no chores."), 409)
        if current_terms(assembly, today, RoleTerm.Kind.CHORE):
            raise Refused("chores_assigned", _("This week's chores are already shared out."), 409)
        members, away = _present(assembly, today)
        past = {c: past_terms(assembly, c, RoleTerm.Kind.CHORE) for c in chores}
        assignment = chore_rota([m.public_name for m in members], chores, past, away)
        by_name = {m.public_name: m for m in members}
        end = today + timedelta(days=CHORE_DAYS)
        terms = [
            RoleTerm.objects.create(
                assembly=assembly,
                kind=RoleTerm.Kind.CHORE,
                role=chore,
                member=by_name[name],
                start=today,
                end=end,
                method="rota",
                pick={},
                created_at=now,
            )
            for chore, name in assignment.items()
            if name is not None
        ]
        record = Record(ChoreAssignment(today, end, tuple(assignment.items())))
        (seq,) = append_in_transaction(assembly.ledger, [record], now)
        RoleTerm.objects.filter(pk__in=[t.pk for t in terms]).update(ledger_seq=seq)
    publish(assembly.ledger, now)
    return terms


def do_rotate_due(now: datetime, assembly: Assembly | None = None) -> list[RoleTerm]:
    """Fill every rota or lottery role whose term has ended, on the node or in one assembly (the ticker runs this
    for each assembly on its own).

    A lottery role is announced on one tick and drawn on a later one, once the ledger has moved on.
    """
    filled = []
    for one in Assembly.objects.all() if assembly is None else [assembly]:
        for role in roles_due(one, now.date()):
            rules = charter_of(one).roles[role].value
            if rules.rotation is Rotation.ELECTION:
                continue
            try:
                if rules.rotation is Rotation.LOTTERY:
                    term = do_lottery_step(one, role, now)
                    if isinstance(term, RoleTerm):
                        filled.append(term)
                else:
                    filled.append(do_rotate(one, role, now))
            except Refused:
                continue  # nobody eligible now, or the draw waits for the ledger; tried again on the next tick
    return filled


# -- fair lotteries: announce, then draw -------------------------------------------------------------


def pending_lottery(assembly: Assembly, role: str) -> Lottery | None:
    return Lottery.objects.filter(assembly=assembly, role=role, result__isnull=True).first()


def lottery_ready(lottery: Lottery) -> bool:
    return bool(lottery.assembly.ledger.size >= lottery.beacon_size)


def do_lottery_step(assembly: Assembly, role: str, now: datetime) -> RoleTerm | Lottery:
    """Announce a draw for the role, or draw the one announced if the ledger has moved on."""
    pending = pending_lottery(assembly, role)
    if pending is None:
        return do_announce_lottery(assembly, role, now)
    return do_draw_lottery(pending, now)


def do_announce_lottery(assembly: Assembly, role: str, now: datetime) -> Lottery:
    """Fix who can be drawn for the role and how much each has served, in the ledger, before any randomness exists.

    Raises:
        Refused: the role is not drawn by lot, its term is not over, a draw is already
            announced, or nobody is eligible.
    """
    today = now.date()
    with transaction.atomic(durable=True):
        assembly = lock(assembly)
        rules = _rules(assembly, role)
        if rules.rotation is not Rotation.LOTTERY:
            raise Refused("not_a_lottery", _("This role is not filled by lottery."), 409)
        _check_vacant(assembly, role, today)
        if pending_lottery(assembly, role) is not None:
            raise Refused("draw_pending", _("A draw for this role is already announced."), 409)
        members, away = _present(assembly, today)
        past = past_terms(assembly, role)
        busy = [t.member.public_name for key, t in current_terms(assembly, today).items() if key != role]
        standing_now = next_by_rota([m.public_name for m in members], past, rules, away, busy)
        if not standing_now.eligible:
            raise Refused("nobody_eligible", standing_now.explanation, 409)
        people = [Person(name, {}, standing_now.service.get(name, 0)) for name in standing_now.eligible]
        number = (Lottery.objects.filter(assembly=assembly).order_by("-number").values_list("number", flat=True).first()
                  or 0) + 1  # fmt: skip
        draw_id = f"{role}-{number}"
        seq = assembly.ledger.size
        announced = DrawAnnounced.from_json(
            announcement_body(draw_id, role, people, [], 1, "leximin", beacon_size=seq + 2)
        )
        # Who sits out is public, why is not: whether a member is away is for the members only.
        announced = replace(announced, excluded=tuple(e.member for e in standing_now.excluded))
        body = announced.to_json()
        (seq,) = append_in_transaction(assembly.ledger, [Record(announced)], now)
        lottery = Lottery.objects.create(
            assembly=assembly,
            number=number,
            role=role,
            announced_at=now,
            announcement=body,
            announcement_seq=seq,
            beacon_size=seq + 2,
        )
    publish(assembly.ledger, now)
    return lottery


def do_add_randomness(lottery: Lottery, member: Member, now: datetime, value: str | None = None) -> int:
    """A member's random contribution: an entry after the announcement, so its root (the beacon) is unpredictable."""
    with transaction.atomic(durable=True):
        assembly = lock(lottery.assembly)
        lottery = Lottery.objects.get(pk=lottery.pk)
        if lottery.result is not None:
            raise Refused("already_drawn", _("This draw has already been made."), 409)
        contribution = DrawContribution(lottery.draw_id, member.public_name, value or secrets.token_hex(32))
        (seq,) = append_in_transaction(assembly.ledger, [Record(contribution)], now)
    publish(assembly.ledger, now)
    return seq


def do_draw_lottery(lottery: Lottery, now: datetime) -> RoleTerm:
    """Draw the announced lottery from the ledger's root at the beacon size and seat the person chosen.

    Raises:
        Refused: already drawn, or the ledger has not yet reached the beacon size.
    """
    with transaction.atomic(durable=True):
        assembly = lock(lottery.assembly)
        lottery = Lottery.objects.select_for_update().get(pk=lottery.pk)
        if lottery.result is not None:
            raise Refused("already_drawn", _("This draw has already been made."), 409)
        if assembly.ledger.size < lottery.beacon_size:
            raise Refused(
                "draw_waiting",
                _(
                    "The draw waits for the ledger to move on: its randomness is the ledger's root at "
                    "%(size)s entries, a value nobody knew when it was announced. Add randomness, or wait for "
                    "the assembly's next public act."
                )
                % {"size": lottery.beacon_size},
                409,
            )
        announcement_hash = bytes(
            LedgerEntry.objects.get(ledger=assembly.ledger, seq=lottery.announcement_seq).leaf_hash
        ).hex()
        beacon = ledger_root(assembly.ledger, lottery.beacon_size).hex()
        try:
            pool = pool_from_announcement(lottery.announcement)
            chosen_lottery = select(pool)
        except SortitionError as exc:
            raise Refused(exc.code, exc.message, 409) from exc
        result = result_body(lottery.draw_id, announcement_hash, lottery.beacon_size, beacon, chosen_lottery,
                             pool.features)  # fmt: skip
        (lottery.result_seq,) = append_in_transaction(assembly.ledger, [Record(DrawResult.from_json(result))], now)
        lottery.result = result
        lottery.drawn_at = now
        chosen = str(result["chosen"][0])  # type: ignore[index]
        holder = assembly.members.filter(public_name=chosen, left_at__isnull=True).first()
        term = None
        if holder is not None:
            rules = _rules(assembly, lottery.role)
            start, end = next_term(past_terms(assembly, lottery.role), rules, now.date())
            pick: JSONObject = {
                "holder": chosen,
                "method": Rotation.LOTTERY.value,
                "eligible": [p["id"] for p in lottery.announcement["pool"]],
                "excluded": list(DrawAnnounced.from_json(lottery.announcement).excluded or ()),
                "service": [{"member": p["id"], "terms": p["served"]} for p in lottery.announcement["pool"]],
                "seed_hex": str(result["seed"]),
                "draw": None,
                "lottery": lottery.number,
                "explanation": f"{chosen} takes the role by a fair lottery (draw {lottery.draw_id}); "
                "anyone can check the draw",
            }
            term = _assignment(assembly, lottery.role, holder, start, end, pick, now)
            lottery.term = term
        lottery.save()
    publish(assembly.ledger, now)
    if term is None:
        raise Refused(
            "chosen_left",
            _("%(name)s was drawn but has left the assembly: announce a new draw.") % {"name": chosen},
            409,
        )
    return term


def check_lottery(lottery: Lottery) -> DrawAudit | None:
    """Re-derive a drawn lottery from the ledger as stored here (the same checks as ``confederal audit-draw``)."""
    if lottery.result is None:
        return None
    ledger = lottery.assembly.ledger
    entry = LedgerEntry.objects.filter(ledger=ledger, seq=lottery.announcement_seq).first()
    if entry is None:
        audit = DrawAudit()
        audit.failed.append(_("The announcement is missing from the ledger."))
        return audit
    announced = decode_entry(bytes(entry.body)).body
    beacon = ledger_root(ledger, lottery.beacon_size).hex() if ledger.size >= lottery.beacon_size else None
    result_entry = (
        LedgerEntry.objects.filter(ledger=ledger, seq=lottery.result_seq).first()
        if lottery.result_seq is not None
        else None
    )
    result = decode_entry(bytes(result_entry.body)).body if result_entry is not None else {}
    return audit_draw(announced, bytes(entry.leaf_hash).hex(), beacon, result)
