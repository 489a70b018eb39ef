"""The minutes of a meeting as a plain-text (Markdown) document, the form published by digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["Minutes", "write_minutes"]


@dataclass(frozen=True)
class Minutes:
    assembly: str
    title: str
    number: int
    starts_at: datetime
    ends_at: datetime
    place: str
    present: Sequence[str]
    absent: Sequence[str]
    agenda: Sequence[str]
    notes: str
    decisions: Sequence[tuple[int, str, str]]  # (number, title, outcome status)
    published_by: str


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def write_minutes(m: Minutes) -> str:
    """Return the minutes text. The same inputs always give the same bytes, so the digest can be checked."""
    lines = [
        f"# {m.title}",
        "",
        f"Meeting {m.number} of {m.assembly}, {_when(m.starts_at)} to {_when(m.ends_at)}"
        + (f", {m.place}" if m.place else "")
        + ".",
        "",
        "## Present",
        "",
        *([f"- {name}" for name in m.present] or ["- (nobody recorded)"]),
    ]
    if m.absent:
        lines += ["", "## Absent", "", *[f"- {name}" for name in m.absent]]
    lines += ["", "## Agenda", "", *([f"{i}. {item}" for i, item in enumerate(m.agenda, 1)] or ["(none)"])]
    lines += ["", "## Notes", "", m.notes.strip() or "(none)"]
    lines += ["", "## Decisions", ""]
    lines += [f"- #{n} {title}: {status}" for n, title, status in m.decisions] or ["(none)"]
    lines += ["", f"Published by {m.published_by}.", ""]
    return "\n".join(lines)
