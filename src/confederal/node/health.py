"""``GET /health``: whether this node is well, for a monitor to poll and a person to read.

200 when all is well, 503 when something needs the operator; either way the body says, one line
per part, what was checked and what was found. It shows nothing a visitor could not learn from the
public pages, and no error text: what went wrong is in the node's log.
"""

from __future__ import annotations

import logging
import shutil
import time

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .ledgers.keys import key_trouble
from .ledgers.selectors import ledger_count
from .ticker import heartbeats

__all__ = ["health"]

logger = logging.getLogger(__name__)

#: A background loop is late once it has missed this many rounds (plus a little for a slow round).
LATE_ROUNDS = 3
LATE_GRACE_SECONDS = 30.0


@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    lines: list[str] = []
    well = True

    try:
        count = ledger_count()
    except DatabaseError:
        logger.exception("The health check could not read the database")
        well = False
        lines.append(_("Database: not answering. The node's log says why."))
    else:
        lines.append(
            ngettext(
                "Database: answering; it keeps %(count)d ledger.",
                "Database: answering; it keeps %(count)d ledgers.",
                count,
            )
            % {"count": count}
        )
        trouble = key_trouble()
        if trouble:
            well = False
            lines.append(_("Signing key: %(trouble)s") % {"trouble": trouble})
        else:
            lines.append(_("Signing key: readable."))

    now = time.monotonic()
    names = {
        "confederal-ticker": _("Clock (votes closing, roles passing on)"),
        "confederal-federation": _("Federation (pulling peers, witnessing)"),
    }
    for beat in heartbeats():
        since = now - beat.last
        name = names.get(beat.name, beat.name)
        if since > LATE_ROUNDS * beat.every_seconds + LATE_GRACE_SECONDS:
            well = False
            lines.append(
                _("%(loop)s: late; its last round finished %(seconds)d s ago. The node's log says why.")
                % {"loop": name, "seconds": since}
            )
        else:
            lines.append(_("%(loop)s: running; last round %(seconds)d s ago.") % {"loop": name, "seconds": since})

    free = shutil.disk_usage(settings.DATA_DIR).free
    free_mb = free // (1024 * 1024)
    if free_mb < settings.MIN_FREE_MB:
        well = False
        lines.append(
            _("Disk: only %(free)d MB free where the node keeps its data (it wants %(least)d MB).")
            % {"free": free_mb, "least": settings.MIN_FREE_MB}
        )
    else:
        lines.append(_("Disk: %(free)d MB free where the node keeps its data.") % {"free": free_mb})

    head = _("This node is well.") if well else _("This node needs its operator.")
    body = "\n".join([head, "", *lines, ""])
    return HttpResponse(body, status=200 if well else 503, content_type="text/plain; charset=utf-8")
