"""Reads of roles, chores and lottery draws for pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from confederal.node.assemblies.models import Assembly
from confederal.roles import RotationError, rerun_draw

from .models import Lottery, RoleTerm

__all__ = [
    "DrawCheck",
    "chore_history",
    "drawn_lotteries",
    "lotteries",
    "lottery_of_term",
    "lottery_or_404",
    "recheck_draw",
    "term_or_404",
]


def chore_history(assembly: Assembly, limit: int = 30) -> QuerySet[RoleTerm]:
    """The assembly's latest chore terms, with their holders, newest first."""
    rows = RoleTerm.objects.filter(assembly=assembly, kind=RoleTerm.Kind.CHORE).select_related("member")
    return rows.order_by("-start", "role")[:limit]


def lotteries(assembly: Assembly, limit: int = 5) -> QuerySet[Lottery]:
    """The assembly's latest lottery draws, announced or drawn."""
    return Lottery.objects.filter(assembly=assembly)[:limit]


def drawn_lotteries(assembly: Assembly, limit: int = 10) -> QuerySet[Lottery]:
    """The assembly's latest lottery draws that have a result."""
    return Lottery.objects.filter(assembly=assembly, result__isnull=False)[:limit]


def lottery_or_404(assembly: Assembly, number: int) -> Lottery:
    """The assembly's lottery with this number (with its term and holder), or 404."""
    return get_object_or_404(Lottery.objects.select_related("term__member"), assembly=assembly, number=number)


def lottery_of_term(term: RoleTerm) -> Lottery:
    """The lottery that drew this term."""
    return Lottery.objects.select_related("term__member").get(term=term)


def term_or_404(assembly: Assembly, term_id: int) -> RoleTerm:
    """The assembly's role or chore term with this id (with its holder), or 404."""
    return get_object_or_404(RoleTerm.objects.select_related("member"), pk=term_id, assembly=assembly)


@dataclass(frozen=True)
class DrawCheck:
    """A term's recorded draw run again: the record, who the re-run picks, and what stopped it, if anything."""

    recorded: Any
    rerun: str | None
    problem: str | None
    holder: str

    @property
    def matches(self) -> bool:
        """Whether the re-run picks the holder the term records."""
        return self.rerun is not None and self.rerun == self.holder


def recheck_draw(term: RoleTerm) -> DrawCheck:
    """Run a term's recorded draw again, so anyone can see it picks the same holder.

    A term not drawn by lot has no record, and says so in ``problem``.
    """
    recorded = term.pick.get("draw") if isinstance(term.pick, dict) else None
    if not recorded:
        return DrawCheck(None, None, _("This term was not drawn by lot."), term.member.public_name)
    try:
        return DrawCheck(recorded, rerun_draw(recorded), None, term.member.public_name)
    except (RotationError, KeyError, TypeError, ValueError) as exc:
        return DrawCheck(recorded, None, str(exc), term.member.public_name)
