"""Queue the digests due (bench/inbox.py): run in its own process, prints JSON with the time and peak memory."""

from __future__ import annotations

import json
import os
import resource
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confederal.node.settings")
import django

django.setup()
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from confederal.node.notices.models import Mail  # noqa: E402
from confederal.node.notices.services import do_queue_digests  # noqa: E402

connection.ensure_connection()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
queued = do_queue_digests(timezone.now())
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sizes = [len(m.text) + len(m.html) for m in Mail.objects.filter(kind="digest").only("text", "html")[:100]]
print(
    json.dumps(
        {
            "queued": queued,
            "seconds": seconds,
            "rss_before_mib": before / 1024,
            "rss_peak_mib": peak / 1024,
            "mail_kib": sum(sizes) / max(1, len(sizes)) / 1024,
        }
    )
)
