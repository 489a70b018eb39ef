"""Role routes: who holds what, rotate, propose an election, share out chores, check a draw."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from confederal.node.access import access_assembly
from confederal.node.assemblies.services import charter_of
from confederal.node.decisions.services import check_election
from confederal.node.roles import selectors, services
from confederal.node.roles.models import Lottery, RoleTerm
from confederal.node.web import now
from confederal.permissions import Action
from confederal.sortition import DrawAudit

from ._base import JSON, Number, ReadOut, Role, Slug, api, assembly_for, authed, member_for, member_in, public
from .decisions import ProposalOut, proposed

router = Router(tags=["roles"])


class TermOut(ReadOut):
    id: int
    kind: str
    role: str
    holder: str
    member: int
    start: date
    end: date
    ended_early_on: date | None
    method: str
    pick: JSON
    ledger_seq: int | None

    @staticmethod
    def resolve_holder(t: RoleTerm) -> str:
        return t.member.public_name

    @staticmethod
    def resolve_member(t: RoleTerm) -> int:
        return t.member_id


def term_out(t: RoleTerm) -> TermOut:
    return TermOut.from_orm(t)


class RoleOut(Schema):
    role: str
    rules: JSON
    review_on: date
    current: TermOut | None
    history: list[TermOut]


@public(router.get, "/assemblies/{slug}/roles", list[RoleOut], "Roles, their rules, holders and history")
def list_roles(request: HttpRequest, slug: Slug) -> list[RoleOut]:
    assembly = access_assembly(slug)
    current = services.current_terms(assembly, now().date())
    charter = charter_of(assembly).to_json()["rules"]["roles"]
    return [
        RoleOut(
            role=key,
            rules=rule["value"],
            review_on=date.fromisoformat(rule["review_on"]),
            current=term_out(current[key]) if key in current else None,
            history=[term_out(t) for t in reversed(services.history(assembly, key))][:50],
        )
        for key, rule in sorted(charter.items())
    ]


#: The address of one role, under which its routes live.
ROLE = "/assemblies/{slug}/roles/{role}"


@authed(router.post, f"{ROLE}/rotation", TermOut, "Give a vacant role its next holder", (409,))
def rotate(request: HttpRequest, slug: Slug, role: Role) -> Status[TermOut]:
    assembly = assembly_for(request, slug, Action.ROTATE_ROLES)
    return Status(201, term_out(services.do_rotate(assembly, role, now())))


@authed(router.post, f"{ROLE}/election", ProposalOut, "Propose an election to a vacant role", (409,))
def elect(request: HttpRequest, slug: Slug, role: Role) -> Status[ProposalOut]:
    member = member_in(request, slug, Action.PROPOSE)
    return proposed(check_election(member, role, now().date()), member)


@authed(router.post, "/assemblies/{slug}/chores/rotation", list[TermOut], "Share out this week's chores", (409,))
def chores(request: HttpRequest, slug: Slug) -> Status[list[TermOut]]:
    assembly = assembly_for(request, slug, Action.ROTATE_ROLES)
    return Status(201, [term_out(t) for t in services.do_rotate_chores(assembly, now())])


class DrawCheckOut(Schema):
    term: TermOut
    draw: JSON | None
    rerun: str | None
    matches: bool
    problem: str | None


@public(
    router.get, "/assemblies/{slug}/draws/{term_id}", DrawCheckOut, "Re-run a lottery draw and compare with the record"
)
def check_draw(request: HttpRequest, slug: Slug, term_id: Number) -> DrawCheckOut:
    term = selectors.term_or_404(access_assembly(slug), term_id)
    check = selectors.recheck_draw(term)
    return DrawCheckOut(
        term=term_out(term), draw=check.recorded, rerun=check.rerun, matches=check.matches, problem=check.problem
    )


class DrawCheckResult(Schema):
    ok: bool
    passed: list[str]
    failed: list[str]


class LotteryOut(ReadOut):
    number: int
    draw_id: str
    role: str
    announced_at: datetime
    announcement_seq: int
    beacon_size: int
    ready: bool
    eligible: list[str]
    drawn_at: datetime | None
    chosen: list[str]
    seed: str | None
    result_seq: int | None
    term: TermOut | None
    check: DrawCheckResult | None

    @staticmethod
    def resolve_ready(lottery: Lottery) -> bool:
        return services.lottery_ready(lottery)

    @staticmethod
    def resolve_eligible(lottery: Lottery) -> list[str]:
        return [p["id"] for p in lottery.announcement["pool"]]

    @staticmethod
    def resolve_chosen(lottery: Lottery) -> list[str]:
        return list((lottery.result or {}).get("chosen", []))

    @staticmethod
    def resolve_seed(lottery: Lottery) -> str | None:
        return (lottery.result or {}).get("seed")

    @staticmethod
    def resolve_check(lottery: Lottery) -> DrawAudit | None:
        return services.check_lottery(lottery)


def lottery_out(lottery: Lottery) -> LotteryOut:
    return LotteryOut.from_orm(lottery)


@authed(
    router.post,
    f"{ROLE}/lottery",
    LotteryOut,
    "Announce a fair draw for a lottery role, or make the draw announced once the ledger has moved on",
    (409,),
)
def lottery_step(request: HttpRequest, slug: Slug, role: Role) -> Status[LotteryOut]:
    assembly = assembly_for(request, slug, Action.ROTATE_ROLES)
    step = services.do_lottery_step(assembly, role, now())
    lottery = step if isinstance(step, Lottery) else selectors.lottery_of_term(step)
    return Status(201, lottery_out(lottery))


@authed(
    router.post,
    "/assemblies/{slug}/lotteries/{number}/randomness",
    LotteryOut,
    "Add a random contribution to an announced draw (members)",
    (409,),
)
def add_randomness(request: HttpRequest, slug: Slug, number: Number) -> Status[LotteryOut]:
    assembly = access_assembly(slug)
    lottery = selectors.lottery_or_404(assembly, number)
    member = member_for(request, assembly, Action.PROPOSE)
    services.do_add_randomness(lottery, member, now())
    return Status(201, lottery_out(selectors.lottery_or_404(assembly, number)))


@public(
    router.get,
    "/assemblies/{slug}/lotteries/{number}",
    LotteryOut,
    "A fair draw: who could be drawn, the randomness, the result, and its check against the ledger",
)
def get_lottery(request: HttpRequest, slug: Slug, number: Number) -> LotteryOut:
    assembly = access_assembly(slug)
    return lottery_out(selectors.lottery_or_404(assembly, number))


api.add_router("/", router)
