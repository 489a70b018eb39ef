"""Fill a node database with 1,000 assemblies of 15 members and 1,000 decisions each, for the page benchmark.

Run by bench/pages.py in its own process, with the node's settings in the
environment; prints JSON with what it made and the sessions to browse with.

Each assembly is founded through the services (charter, ledger, founder,
checkpoint). The bulk — members, role terms, proposals with their tallies,
ballots, meetings — is loaded with SQL, because making a million decisions one
service call at a time would take hours and measure nothing the benchmark is
about. The decisions' own ledger entries are not written: no page measured here
reads them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confederal.node.settings")
import django

django.setup()
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from confederal.decisions import Ballot, Method, Rules, tally  # noqa: E402
from confederal.node.assemblies.models import Assembly, Member  # noqa: E402
from confederal.node.assemblies.services import check_found_assembly, do_found_assembly  # noqa: E402
from confederal.node.decisions.models import Proposal  # noqa: E402
from confederal.node.ledgers.services import check_operator_record, do_append  # noqa: E402
from confederal.node.meetings.models import Meeting  # noqa: E402
from confederal.node.roles.models import RoleTerm  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--assemblies", type=int, default=1000)
parser.add_argument("--members", type=int, default=15)
parser.add_argument("--decisions", type=int, default=1000)
parser.add_argument("--sessions", type=int, default=50)
parser.add_argument(
    "--ledger-entries",
    type=int,
    default=0,
    help="operator notes appended to the first assembly's ledger (for full tiles)",
)
args = parser.parse_args()

call_command("migrate", verbosity=0)
started = time.perf_counter()
now = timezone.now()
rng = random.Random(20261122)
founded = now - timedelta(days=400)

# A few real tallies to copy: every closed decision carries a genuine outcome.
rules = Rules(Method.CONSENT)
outcomes = []
for pattern in ("adopted", "blocked", "no_quorum"):
    voters = args.members if pattern != "no_quorum" else 3
    ballots = [Ballot(str(i), "object" if pattern == "blocked" and i == 0 else "consent") for i in range(voters)]
    outcomes.append(tally(rules, [], ballots, args.members).to_json())
options = json.dumps(
    [
        {"id": "consent", "label": "Consent"},
        {"id": "object", "label": "Object"},
        {"id": "stand_aside", "label": "Stand aside"},
    ]
)
rules_json = json.dumps(rules.to_json())

users: list[User] = []
for a in range(args.assemblies):
    founder = User.objects.create(username=f"u{a}-0")
    users.append(founder)
    request = check_found_assembly(
        founder,
        name=f"Assembly {a}",
        slug=f"assembly-{a}",
        focus="food",
        principles=f"Principles of assembly {a}.",
        public_name="Member 0",
        today=founded.date(),
    )
    do_found_assembly(request, founded)
print(f"  founded {args.assemblies} assemblies in {time.perf_counter() - started:.0f} s", flush=True)

with transaction.atomic():
    assemblies = list(Assembly.objects.order_by("pk"))
    more = [User(username=f"u{a}-{m}") for a in range(args.assemblies) for m in range(1, args.members)]
    User.objects.bulk_create(more, batch_size=5000)
    by_name = {u.username: u for u in User.objects.all()}
    Member.objects.bulk_create(
        [
            Member(
                assembly=assembly,
                user=by_name[f"u{a}-{m}"],
                public_name=f"Member {m}",
                via="invitation",
                joined_at=founded,
            )
            for a, assembly in enumerate(assemblies)
            for m in range(1, args.members)
        ],
        batch_size=5000,
    )
    members = {}
    for member in Member.objects.all().only("pk", "assembly_id", "public_name"):
        members.setdefault(member.assembly_id, []).append(member)
    RoleTerm.objects.bulk_create(
        [
            RoleTerm(
                assembly=assembly,
                role=role,
                member=members[assembly.pk][i],
                start=now.date() - timedelta(days=5),
                end=now.date() + timedelta(days=25),
                method="rota",
                pick={},
                created_at=now,
            )
            for assembly in assemblies
            for i, role in enumerate(("facilitator", "note-taker", "treasurer"))
        ],
        batch_size=5000,
    )
    Meeting.objects.bulk_create(
        [
            Meeting(
                assembly=assembly,
                number=n + 1,
                title=f"Meeting {n + 1}",
                starts_at=founded + timedelta(days=20 * n),
                ends_at=founded + timedelta(days=20 * n, hours=2),
                created_by=members[assembly.pk][0],
                status="published" if n < 19 else "planned",
            )
            for assembly in assemblies
            for n in range(20)
        ],
        batch_size=5000,
    )
print(f"  members, terms and meetings after {time.perf_counter() - started:.0f} s", flush=True)

# Proposals: the last ten of each assembly are open, the rest closed with a real tally.
columns = (
    "assembly_id, number, author_id, kind, title, text, method, options, rules, secret, payload, opens_at, closes_at, "
    "status, closed_at, eligible, outcome, review_on, reviewed_at, ledger_seq, version"
)
placeholder = "(" + ", ".join(["%s"] * 21) + ")"
with connection.cursor() as cursor:
    for assembly in assemblies:
        authors = members[assembly.pk]
        rows = []
        for n in range(1, args.decisions + 1):
            opens = founded + timedelta(hours=9 * n)
            is_open = n > args.decisions - 10
            closes = (now + timedelta(days=3)) if is_open else opens + timedelta(days=3)
            outcome = None if is_open else json.dumps(outcomes[n % 3])
            review = (closes + timedelta(days=180)).date() if not is_open and n % 3 == 0 else None
            rows.append(
                (
                    assembly.pk,
                    n,
                    authors[n % len(authors)].pk,
                    "decision",
                    f"Decision {n} of assembly {assembly.pk}",
                    "We propose to try something for three months and review it.",
                    "consent",
                    options,
                    rules_json,
                    False,
                    "{}",
                    opens,
                    closes,
                    "open" if is_open else "closed",
                    None if is_open else closes,
                    None if is_open else args.members,
                    outcome,
                    review,
                    None,
                    None,
                    1,
                )
            )
        cursor.executemany(f"INSERT INTO decisions_proposal ({columns}) VALUES {placeholder}", rows)  # noqa: S608
        Assembly.objects.filter(pk=assembly.pk).update(next_proposal_number=args.decisions + 1, next_meeting_number=21)
print(f"  proposals after {time.perf_counter() - started:.0f} s", flush=True)

# Ballots: every member on every closed decision, in one statement per database.
with connection.cursor() as cursor:
    cursor.execute(
        "INSERT INTO decisions_ballot (proposal_id, member_id, choice, reason, cast_at, changed_at) "
        "SELECT p.id, m.id, '\"consent\"', '', p.opens_at, p.opens_at FROM decisions_proposal p "
        "JOIN assemblies_member m ON m.assembly_id = p.assembly_id WHERE p.status = 'closed'"
    )
    if connection.vendor == "postgresql":  # fresh statistics, as autovacuum keeps; SQLite nodes keep none
        cursor.execute("ANALYZE")
print(f"  ballots after {time.perf_counter() - started:.0f} s", flush=True)

# Full tiles need 256 entries: the decisions' own entries are not written, so the operator notes a metric instead.
if args.ledger_entries:
    ledger = assemblies[0].ledger
    for first in range(0, args.ledger_entries, 100):
        notes = [
            check_operator_record("metric", json.dumps({"name": "meals_served", "value": n, "unit": "meals"}).encode())
            for n in range(first, min(first + 100, args.ledger_entries))
        ]
        do_append(ledger, notes, now)
    print(f"  {args.ledger_entries} ledger entries after {time.perf_counter() - started:.0f} s", flush=True)

sessions = []
for a in rng.sample(range(args.assemblies), min(args.sessions, args.assemblies)):
    user = by_name[f"u{a}-{rng.randrange(args.members)}"]
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    sessions.append({"assembly": f"assembly-{a}", "session": store.session_key})

with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*) FROM decisions_ballot")
    ballots = cursor.fetchone()[0]
print(
    json.dumps(
        {
            "assemblies": Assembly.objects.count(),
            "members": Member.objects.count(),
            "proposals": Proposal.objects.count(),
            "ballots": ballots,
            "seconds": time.perf_counter() - started,
            "sessions": sessions,
        }
    )
)
