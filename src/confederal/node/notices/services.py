"""The only way notices are written: other services call ``do_notify`` inside their own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import User

from confederal.ledger import Phrase
from confederal.node.assemblies.models import Assembly

from .models import Notice

__all__ = ["do_notify"]


def do_notify(
    users: Iterable[User],
    *,
    kind: str,
    phrase: Phrase,
    url: str,
    now: datetime,
    assembly: Assembly | None = None,
) -> int:
    """Tell each of ``users`` (once each) that something happened; return how many were told.

    ``phrase`` params must be plain strings or numbers: the notice is stored, and read later in
    the reader's own language.
    """
    params = {name: value if isinstance(value, int) else str(value) for name, value in phrase.params.items()}
    seen: set[int] = set()
    rows = []
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notice(
                user=user,
                assembly=assembly,
                kind=kind,
                message=phrase.text,
                params=params,
                url=url,
                created_at=now,
            )
        )
    Notice.objects.bulk_create(rows)
    return len(rows)
