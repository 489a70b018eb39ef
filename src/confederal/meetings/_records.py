"""The record a meeting leaves: who came, what was on the agenda and decided, and the minutes by digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from confederal.ledger import N_, Fields, JSONObject, Phrase, RecordBody, format_time

from ._minutes import Minutes

__all__ = ["MeetingMinutes"]


@dataclass(frozen=True)
class MeetingMinutes(RecordBody):
    kind = "meeting.minutes"

    number: int
    title: str
    starts: datetime
    ends: datetime
    place: str
    present: tuple[str, ...]
    agenda: tuple[str, ...]
    #: (number, title, outcome status) of each decision taken.
    decisions: tuple[tuple[int, str, str], ...]
    digest: str
    size: int
    media_type: str
    published_by: str

    @classmethod
    def of(cls, m: Minutes, digest: str, size: int, media_type: str) -> Self:
        """The record of the minutes ``m``, published as the document ``digest`` (``size`` bytes of ``media_type``).

        The absent and the notes stay in the document: the record says who came and what was decided.
        """
        return cls(
            number=m.number,
            title=m.title,
            starts=m.starts_at,
            ends=m.ends_at,
            place=m.place,
            present=tuple(m.present),
            agenda=tuple(m.agenda),
            decisions=tuple(m.decisions),
            digest=digest,
            size=size,
            media_type=media_type,
            published_by=m.published_by,
        )

    def to_json(self) -> JSONObject:
        return {
            "number": self.number,
            "title": self.title,
            "starts": format_time(self.starts),
            "ends": format_time(self.ends),
            "place": self.place,
            "present": list(self.present),
            "agenda": list(self.agenda),
            "decisions": [{"number": n, "title": t, "status": s} for n, t, s in self.decisions],
            "minutes": {"digest": self.digest, "bytes": self.size, "media_type": self.media_type},
            "published_by": self.published_by,
        }

    @classmethod
    def read(cls, f: Fields) -> Self:
        decisions = []
        for d in f.each("decisions", 200):
            decisions.append((d.integer("number", 1), d.text("title", 200), d.text("status", 32)))
            d.done()
        minutes = Fields("meeting.minutes", f.obj("minutes"))
        body = cls(
            number=f.integer("number", 1),
            title=f.text("title", 200),
            starts=f.moment("starts"),
            ends=f.moment("ends"),
            place=f.text("place", 200, empty=True),
            present=f.texts("present", 100, 80),
            agenda=f.texts("agenda", 100, 200),
            decisions=tuple(decisions),
            digest=minutes.text("digest", 71),
            size=minutes.integer("bytes"),
            media_type=minutes.text("media_type", 100),
            published_by=f.text("published_by", 80),
        )
        minutes.done()
        return body

    def describe(self) -> Phrase:
        return Phrase(
            N_("Minutes of %(title)s on %(day)s: %(present)s present"),
            {"title": self.title, "day": self.starts, "present": len(self.present)},
        )
