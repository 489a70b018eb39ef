"""One-line, plain-language descriptions of ledger entries for people reading a ledger page."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from django.utils.translation import gettext as _

from confederal.ledger import Entry, JSONValue

__all__ = ["describe"]

MAX_CHARS = 140


def _text(value: JSONValue) -> str:
    return value if isinstance(value, str) else ""


def _money(value: JSONValue) -> str:
    if isinstance(value, dict) and isinstance(value.get("minor"), int) and isinstance(value.get("currency"), str):
        minor = value["minor"]
        assert isinstance(minor, int)
        sign = "−" if minor < 0 else ""
        return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d} {value['currency']}"
    return ""


def _finance(body: dict[str, JSONValue]) -> str:
    direction = {"in": _("received"), "out": _("spent")}.get(_text(body.get("direction")), "")
    parts = [_text(body.get("title")), " ".join(p for p in (direction, _money(body.get("amount"))) if p)]
    return " — ".join(p for p in parts if p)


def _metric(body: dict[str, JSONValue]) -> str:
    name = _text(body.get("name")).replace("_", " ")
    value = body.get("value")
    unit = _text(body.get("unit"))
    period = _text(body.get("period"))
    measured = f"{name}: {value} {unit}".strip() if isinstance(value, int) else name
    return f"{measured} ({period})" if period else measured


def _role(body: dict[str, JSONValue]) -> str:
    holder, role = _text(body.get("holder")), _text(body.get("role"))
    if holder and role:
        return _("%(holder)s takes the role of %(role)s") % {"holder": holder, "role": role}
    return ""


def _decision(body: dict[str, JSONValue]) -> str:
    title = _text(body.get("title"))
    outcome = body.get("outcome")
    status = _text(outcome.get("status")) if isinstance(outcome, dict) else _text(outcome)
    number = body.get("number")
    prefix = f"#{number} " if isinstance(number, int) else ""
    return f"{prefix}{title} — {status.replace('_', ' ')}" if title and status else title


def _joined(body: dict[str, JSONValue]) -> str:
    name = _text(body.get("name"))
    by = _text(body.get("invited_by")) or _text(body.get("approved_by"))
    if body.get("via") == "founding":
        return _("%(name)s founded the assembly") % {"name": name}
    if by:
        return _("%(name)s joined (welcomed by %(by)s)") % {"name": name, "by": by}
    return _("%(name)s joined") % {"name": name}


def _left(body: dict[str, JSONValue]) -> str:
    return _("%(name)s left") % {"name": _text(body.get("name"))}


def _minutes(body: dict[str, JSONValue]) -> str:
    return _("Minutes of %(title)s") % {"title": _text(body.get("title"))}


def _chores(body: dict[str, JSONValue]) -> str:
    chores = body.get("chores")
    if not isinstance(chores, dict):
        return ""
    return _("Chores: %(list)s") % {"list": "; ".join(f"{c} — {n}" for c, n in chores.items() if isinstance(n, str))}


def _split(body: dict[str, JSONValue]) -> str:
    leaving = body.get("leave") or body.get("members")
    names = ", ".join(n for n in leaving if isinstance(n, str)) if isinstance(leaving, list) else ""
    return _("Split into two cells: %(names)s form the other") % {"names": names}


def _reviewed(body: dict[str, JSONValue]) -> str:
    return _("Decision #%(n)s reviewed and kept") % {"n": body.get("number")}


def _charter(body: dict[str, JSONValue]) -> str:
    charter = body.get("charter")
    name = _text(charter.get("name")) if isinstance(charter, dict) else _text(body.get("name"))
    version = charter.get("version") if isinstance(charter, dict) else None
    if not name:
        return ""
    return (
        _("Charter of %(name)s, version %(v)s") % {"name": name, "v": version}
        if version
        else _("Charter of %(name)s") % {"name": name}
    )


_DESCRIBERS: dict[str, Callable[[dict[str, JSONValue]], str]] = {
    "assembly.charter": _charter,
    "assembly.split": _split,
    "chore.assignment": _chores,
    "decision": _decision,
    "decision.reviewed": _reviewed,
    "meeting.minutes": _minutes,
    "member.joined": _joined,
    "member.left": _left,
    "finance.txn": _finance,
    "metric": _metric,
    "role.assignment": _role,
}


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def describe(entry: Entry) -> str:
    """Return a short description of an entry, falling back to its title or its JSON."""
    describer = _DESCRIBERS.get(entry.kind)
    text = describer(entry.body) if describer else ""
    if not text:
        for key in ("title", "name", "summary", "text"):
            text = _text(entry.body.get(key))
            if text:
                break
    return _shorten(text or orjson.dumps(entry.body).decode())
