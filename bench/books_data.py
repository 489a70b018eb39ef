"""Fill a node database with one assembly's books of 100,000 transactions, for the books page benchmark.

Run by bench/books.py in its own process, with the node's settings in the environment; prints JSON with what
it made and a member's and the treasurer's sessions to browse with.

The assembly is founded, its books opened, a budget adopted by decision and the first transactions recorded through
the services, so every table has what the services write. The bulk is then loaded with SQL, as the services would
leave it (postings, running balances, running totals per budget line), because recording 100,000 payments one
service call at a time would measure the loader, not the page; their ledger entries are not written, since the books
page reads the tables (`confederal audit-books` is measured over a real ledger in bench/books_audit.py).
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
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from confederal.books import Amount, BooksRules, Currency  # noqa: E402
from confederal.node.assemblies.services import (  # noqa: E402
    check_found_assembly,
    do_accept_invitation,
    do_create_invitation,
    do_found_assembly,
)
from confederal.node.books import services  # noqa: E402
from confederal.node.books.models import (  # noqa: E402
    BookAccount,
    BookPosting,
    BookTransaction,
    BudgetLineTotal,
)
from confederal.node.decisions.services import do_propose, do_vote  # noqa: E402
from confederal.node.roles.models import RoleTerm  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--transactions", type=int, default=100_000)
args = parser.parse_args()

call_command("migrate", verbosity=0)
started = time.perf_counter()
now = timezone.now()
rng = random.Random(20261207)
EUR = Currency.iso("EUR")
rules = BooksRules(currency=EUR, threshold=Amount(10**9, EUR))
names = ["Amara", "Jonas", "Lucía", "Tomasz", "Priya"]
PASSWORD = "bench-password-long"  # noqa: S105 - a throwaway database's accounts
users = [User.objects.create_user(f"bench-{i}", password=PASSWORD) for i in range(len(names))]
assembly = do_found_assembly(
    check_found_assembly(
        users[0],
        name="Riverside Food Hub",
        slug="food-hub",
        focus="food",
        principles="Every euro in the open.",
        public_name=names[0],
        today=now.date(),
        changes={"books": rules.to_json()},
    ),
    now,
)
members = [assembly.members.get()]
for user, name in zip(users[1:], names[1:], strict=True):
    members.append(do_accept_invitation(user, do_create_invitation(members[0], now), name, now))
RoleTerm.objects.create(
    assembly=assembly,
    role="treasurer",
    member=members[1],
    start=now.date() - timedelta(days=1),
    end=now.date() + timedelta(days=60),
    method="rota",
    created_at=now,
)
start = now.date() - timedelta(days=365 * 3)
lines = [
    ("Rent", "Rent", "expense", "The kitchen", "900000"),
    ("Food", "Food", "expense", "What we cannot rescue", "900000"),
    ("Transport", "Transport", "expense", "Fuel and repairs", "900000"),
    ("Supplies", "Supplies", "expense", "Cleaning and packing", "900000"),
    ("Contributions", "Members' contributions", "income", "Monthly contributions", "900000"),
]
proposal = do_propose(
    services.check_budget_proposal(
        members[0], title="Three years of the hub", start=start, end=now.date() + timedelta(days=1), lines=lines
    ),
    now,
)
for member in members:
    do_vote(member, proposal, "consent", now)
keeper = members[1]
for line in lines:  # open every account through the services: one real payment each
    direction, account = ("in", "Bank") if line[2] == "income" else ("out", "Bank")
    services.do_record(
        services.check_transaction(
            keeper,
            now=now,
            day=now.date(),
            direction=direction,
            amount="1.00",
            description=f"First {line[0].lower()}",
            account=account,
            category=line[1],
            budget_line=line[0],
        ),
        now,
    )
accounts = {a.name: a for a in BookAccount.objects.filter(assembly=assembly)}
words = ["bread", "rent", "fuel", "soap", "bags", "crates", "apples", "diesel", "repair", "labels", "rice", "oil"]
batch_txns: list[BookTransaction] = []
batch_postings: list[tuple[int, str, int]] = []
number = BookTransaction.objects.filter(assembly=assembly).count()
with transaction.atomic():
    for i in range(args.transactions):
        number += 1
        line = lines[rng.randrange(len(lines))]
        minor = rng.randrange(100, 20_000)
        income = line[2] == "income"
        description = f"{rng.choice(words).capitalize()} {rng.choice(words)} {i}"
        day = start + timedelta(days=rng.randrange((now.date() - start).days))
        debit, credit = ("Bank", line[1]) if income else (line[1], "Bank")
        batch_txns.append(
            BookTransaction(
                assembly=assembly,
                number=number,
                date=day,
                description=description,
                amount=minor,
                flow="in" if income else "out",
                budget_line=line[0],
                recorded_by=keeper.public_name,
                body={},
                ledger_seq=-1,
            )
        )
        batch_postings += [(number, debit, minor), (number, credit, -minor)]
        if len(batch_txns) == 5000 or i == args.transactions - 1:
            made = {t.number: t for t in BookTransaction.objects.bulk_create(batch_txns)}
            if any(t.pk is None for t in made.values()):  # SQLite before 3.35 returns no keys; ours does
                made = {
                    t.number: t
                    for t in BookTransaction.objects.filter(assembly=assembly, number__in=list(made)).only("number")
                }
            BookPosting.objects.bulk_create(
                [BookPosting(transaction=made[n], account=accounts[a], amount=m) for n, a, m in batch_postings]
            )
            batch_txns, batch_postings = [], []
    for account in accounts.values():
        total = BookPosting.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0
        BookAccount.objects.filter(pk=account.pk).update(balance=total)
    for total in BudgetLineTotal.objects.filter(budget__assembly=assembly):
        category = next(line[1] for line in lines if line[0] == total.line)
        spent = (
            BookPosting.objects.filter(account=accounts[category], transaction__budget_line=total.line).aggregate(
                s=Sum("amount")
            )["s"]
            or 0
        )
        total.actual = -spent if total.line == "Contributions" else spent
        total.save(update_fields=["actual"])


if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum does after a bulk load; SQLite nodes keep no statistics


def session(user: User) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


print(
    json.dumps(
        {
            "seconds": time.perf_counter() - started,
            "assembly": assembly.slug,
            "transactions": BookTransaction.objects.filter(assembly=assembly).count(),
            "member": session(users[0]),
            "treasurer": session(users[1]),
            "words": words,
        }
    )
)
