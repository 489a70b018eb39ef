"""Writes for assemblies. Each public act is also an entry in the assembly's ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from confederal.ledger import JSONObject
from confederal.node.ledgers.services import (
    LedgerInputError,
    Record,
    check_ledger_slug,
    check_record,
    do_append,
    do_sign_checkpoint,
    new_ledger_row,
)

from .models import Assembly

__all__ = ["FoundAssembly", "check_found_assembly", "do_found_assembly"]


@dataclass(frozen=True)
class FoundAssembly:
    name: str
    slug: str
    focus: str
    principles: str


def _charter_body(name: str, focus: str, principles: str) -> JSONObject:
    return {"name": name, "focus": focus, "principles": principles, "version": 1}


def check_found_assembly(name: str, slug: str, focus: str, principles: str) -> FoundAssembly:
    """Validate a request to found an assembly.

    Raises:
        LedgerInputError: a field is empty, too long or taken.
    """
    name, principles = name.strip(), principles.strip()
    if not 1 <= len(name) <= 120:
        raise LedgerInputError("bad_name", _("An assembly's name is 1 to 120 characters."))
    if not principles:
        raise LedgerInputError("no_principles", _("Write down the assembly's principles: they are its charter."))
    if focus not in Assembly.Focus.values:
        raise LedgerInputError(
            "bad_focus", _("Choose a focus among: %(choices)s.") % {"choices": ", ".join(Assembly.Focus.values)}
        )
    check_ledger_slug(slug)
    # The charter is the ledger's first entry: it must fit before anything is created.
    check_record("assembly.charter", _charter_body(name, focus, principles))
    if Assembly.objects.filter(slug=slug).exists():
        raise LedgerInputError("slug_taken", _("There is already an assembly called '%(slug)s'.") % {"slug": slug})
    return FoundAssembly(name, slug, focus, principles)


def do_found_assembly(request: FoundAssembly, now: datetime) -> Assembly:
    """Create the assembly and its ledger, and record its charter as the ledger's first entry."""
    with transaction.atomic(durable=True):
        ledger = new_ledger_row(request.slug, request.name, now)
        assembly = Assembly.objects.create(
            name=request.name,
            slug=request.slug,
            focus=request.focus,
            principles=request.principles,
            ledger=ledger,
            founded_at=now,
        )
    do_sign_checkpoint(ledger, now)
    charter = Record("assembly.charter", _charter_body(request.name, request.focus, request.principles))
    do_append(ledger, [charter], now)
    return assembly
