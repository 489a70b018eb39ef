"""Add to a node filled by bench/pages_data.py: a busy person in every assembly, and 10,000 people taking a digest.

Run by bench/inbox.py in its own process, after pages_data.py, with the node's settings in the environment; prints
JSON with the busy person's session. The busy person joins all the assemblies (20, with 1,000 decisions each, the
last ten of each open and waiting for their vote) and has 100 notices (replies, mentions). The 10,000 people each
belong to one of the assemblies, have an address and their first daily digest due now. Rows are loaded in bulk, as the
services leave them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confederal.node.settings")
import django

django.setup()
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from confederal.node.assemblies.models import Assembly, Member  # noqa: E402
from confederal.node.notices.models import MailSettings, Notice  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--people", type=int, default=10_000)
args = parser.parse_args()

started = time.perf_counter()
now = timezone.now()
assemblies = list(Assembly.objects.order_by("pk"))
with transaction.atomic():
    busy = User.objects.create(username="busy", email="busy@example.org")
    Member.objects.bulk_create(
        [Member(assembly=a, user=busy, public_name="Busy", via="invitation", joined_at=now) for a in assemblies]
    )
    Notice.objects.bulk_create(
        [
            Notice(
                user=busy,
                assembly=assemblies[n % len(assemblies)],
                kind="reply" if n % 2 else "mention",
                message="%(name)s replied to you on “%(title)s”." if n % 2 else "%(name)s mentioned you.",
                params={"name": "Member 1", "title": f"Decision {n}"},
                url=f"/assemblies/{assemblies[n % len(assemblies)].slug}/",
                created_at=now - timedelta(hours=n),
            )
            for n in range(100)
        ]
    )
    people = [User(username=f"digest-{i}", email=f"person{i}@example.org") for i in range(args.people)]
    User.objects.bulk_create(people, batch_size=5000)
    people = list(User.objects.filter(username__startswith="digest-").order_by("pk"))
    Member.objects.bulk_create(
        [
            Member(
                assembly=assemblies[i % len(assemblies)],
                user=person,
                public_name=f"Reader {i}",
                via="invitation",
                joined_at=now - timedelta(days=30),
            )
            for i, person in enumerate(people)
        ],
        batch_size=5000,
    )
    MailSettings.objects.bulk_create(
        [
            MailSettings(
                user=person,
                immediate=[],
                digest="daily",
                last_digest_at=None,  # their first digest: everything that waits for them
                digest_due_at=now - timedelta(minutes=1),
            )
            for person in people
        ],
        batch_size=5000,
    )
if connection.vendor == "postgresql":  # as autovacuum does after a bulk load; SQLite nodes keep no statistics
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
store = SessionStore()
store["_auth_user_id"] = str(busy.pk)
store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
store["_auth_user_hash"] = busy.get_session_auth_hash()
store.create()
print(
    json.dumps(
        {
            "assemblies": len(assemblies),
            "people": len(people),
            "session": store.session_key,
            "seconds": time.perf_counter() - started,
        }
    )
)
