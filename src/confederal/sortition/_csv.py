"""The files sortition-algorithms users already keep: features.csv and people.csv.

``features.csv`` has ``feature,value,min,max`` (``category``/``name`` accepted for
``feature``; optional ``min_flex,max_flex`` are read and ignored, since the lottery
never relaxes a quota by itself). ``people.csv`` has an id column and one column
per feature; other columns are ignored and never copied into a record.
"""

from __future__ import annotations

import csv

from ._pool import Person, Quota, SortitionError

__all__ = ["read_features_csv", "read_people_csv"]

_FEATURE_NAMES = ("feature", "category", "name")


def _rows(text: str, what: str) -> tuple[list[str], list[list[str]]]:
    rows = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    if not rows:
        raise SortitionError("bad_file", f"The {what} file is empty.")
    return [h.strip().lower() for h in rows[0]], [[c.strip() for c in row] for row in rows[1:]]


def read_features_csv(text: str) -> list[Quota]:
    head, rows = _rows(text, "features")
    name = next((h for h in _FEATURE_NAMES if h in head), None)
    missing = [h for h in ("value", "min", "max") if h not in head]
    if name is None or missing:
        raise SortitionError(
            "bad_file", "The features file needs the columns feature, value, min and max.", {"columns": head}
        )
    col = {h: head.index(h) for h in (name, "value", "min", "max")}
    quotas = []
    for line, row in enumerate(rows, start=2):
        if len(row) < len(head):
            raise SortitionError("bad_file", f"Line {line} of the features file has too few columns.", {"line": line})
        try:
            low, high = int(row[col["min"]]), int(row[col["max"]])
        except ValueError:
            raise SortitionError(
                "bad_file", f"Line {line} of the features file: min and max must be whole numbers.", {"line": line}
            ) from None
        quotas.append(Quota(row[col[name]], row[col["value"]], low, high))
    if not quotas:
        raise SortitionError("bad_file", "The features file lists no quotas.")
    return quotas


def read_people_csv(text: str, quotas: list[Quota], id_column: str | None = None) -> list[Person]:
    """The people, with the values of the features the quotas use; ``served`` from a served column if any."""
    head, rows = _rows(text, "people")
    features = list(dict.fromkeys(q.feature for q in quotas))
    lowered = {f.lower(): f for f in features}
    missing = [f for f in lowered if f not in head]
    if missing:
        raise SortitionError(
            "bad_file",
            "The people file has no column for " + ", ".join(lowered[m] for m in missing) + ".",
            {"missing": missing},
        )
    if id_column is None:
        id_at = head.index("id") if "id" in head else 0
    elif id_column.lower() in head:
        id_at = head.index(id_column.lower())
    else:
        raise SortitionError("bad_file", f"The people file has no column {id_column}.")
    served_at = head.index("served") if "served" in head else None
    people = []
    for line, row in enumerate(rows, start=2):
        if len(row) < len(head):
            raise SortitionError("bad_file", f"Line {line} of the people file has too few columns.", {"line": line})
        served = 0
        if served_at is not None:
            try:
                served = int(row[served_at] or 0)
            except ValueError:
                raise SortitionError("bad_file", f"Line {line}: served must be a whole number.") from None
        values = {lowered[f]: row[head.index(f)] for f in lowered}
        people.append(Person(row[id_at], values, served))
    return people
