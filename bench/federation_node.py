"""One node's side of the federation benchmark, run in that node's environment (CONFEDERAL_* variables).

  found SLUG NAME           found a one-member assembly (its founder decides alone: quick to script)
  grow SLUG N               append N ordinary records to the assembly's ledger, in batches
  sync URL                  follow a peer and pull everything new from it; print time and sizes as JSON
  agent ROLE MEMBERS        act one node's part of a council: the convener ("lead") or a member ("member")

Prints one JSON line per result.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confederal.node.settings")
import django

django.setup()
from django.contrib.auth.models import User  # noqa: E402
from django.utils import timezone  # noqa: E402

from confederal.ledger import format_time  # noqa: E402
from confederal.node.assemblies.models import Assembly  # noqa: E402
from confederal.node.assemblies.services import check_found_assembly, do_found_assembly  # noqa: E402
from confederal.node.federation import selectors, services, story  # noqa: E402
from confederal.node.federation.management.commands.federation import CHARTER  # noqa: E402
from confederal.node.federation.models import FederationRecord, RemoteEntry  # noqa: E402
from confederal.node.ledgers.services import Record, do_append  # noqa: E402
from confederal.records import Amount, FinanceNote  # noqa: E402


def out(**values: object) -> None:
    print(json.dumps({"at": time.time(), **values}), flush=True)


def found(slug: str, name: str) -> None:
    user = User.objects.create_user(username=f"founder-{slug}", password=None)
    request = check_found_assembly(
        user,
        name=name,
        slug=slug,
        focus="other",
        principles="We decide together.",
        public_name=f"Delegate of {name}",
        today=timezone.now().date(),
    )
    do_found_assembly(request, timezone.now())
    out(founded=slug)


def grow(slug: str, count: int) -> None:
    ledger = Assembly.objects.get(slug=slug).ledger
    for start in range(0, count, 500):
        records = [
            Record(FinanceNote(f"Payment {i} for the community kitchen", "out", Amount(32000 + i, "EUR"), "rent"))
            for i in range(start, min(count, start + 500))
        ]
        do_append(ledger, records, timezone.now())
    out(size=ledger.entries.count())


def sync(url: str) -> None:
    begin = time.perf_counter()
    peer = services.do_add_peer(url, timezone.now())
    seconds = time.perf_counter() - begin
    bodies = RemoteEntry.objects.values_list("body", flat=True)
    out(seconds=seconds, entries=len(bodies), entry_bytes=sum(len(bytes(b)) for b in bodies), error=peer.last_error)


def wait(check, timeout: float = 900, pause: float = 0.3):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(pause)
    raise SystemExit(f"timed out waiting in {sys.argv[1:]}")


def agent(role: str, members: int) -> None:
    """Act this node's assembly's part: lead founds and convenes; everyone joins, appoints and votes."""
    assembly = Assembly.objects.select_related("ledger").get()
    name = assembly.members.get().public_name
    if role == "lead":
        charter = {**CHARTER, "name": "Benchmark Federation", "max_council_days": 30, "mandate_breach": "refuse"}
        story.decide(assembly, {"action": "found", "charter": {**charter, "witnesses": 1}}, timezone.now())
        out(step="found")
    fed = wait(lambda: selectors.federations())[0]
    if role != "lead":
        story.decide(assembly, {"action": "join", "federation": fed.id}, timezone.now())
    if role == "lead":
        wait(lambda: len(selectors.federation(fed.id).state.members) == members)  # type: ignore[union-attr]
        now = timezone.now().replace(microsecond=0)
        council = {
            "federation": fed.id,
            "objective": "Share the winter heating fund",
            "starts_at": format_time(now),
            "ends_at": format_time(now + timedelta(days=1)),
            "agenda": [{"id": "q1", "text": "Adopt the fund's rules"}],
        }
        story.decide(assembly, {"action": "convene", "council": council}, timezone.now())
        out(step="convened")
    record = wait(lambda: FederationRecord.objects.filter(kind="council.charter").first())
    council_id = record.leaf_hash
    if role != "lead":
        wait(lambda: selectors.council(council_id, timezone.now()))
        story.decide(assembly, {"action": "join_council", "council": council_id}, timezone.now())
    mandate = {"text": "Vote for the fund's rules.", "instructions": {"q1": "for"}, "red_lines": []}
    payload = {"action": "appoint", "council": council_id, "delegate": name, "mandate": mandate}
    story.decide(assembly, payload, timezone.now())
    if role == "lead":

        def everyone_seated():  # type: ignore[no-untyped-def]
            item = selectors.council(council_id, timezone.now())
            return item and sum(1 for s in item.state.seats.values() if s.current) == members

        wait(everyone_seated)
        out(step="seated")
        story.motion(assembly, council_id, "Adopt the fund's rules", "q1", timezone.now())
        out(step="motion")

    def the_motion():  # type: ignore[no-untyped-def]
        item = selectors.council(council_id, timezone.now())
        return item.state.motions[0] if item and item.state.motions else None

    motion = wait(the_motion)
    delegate = story.delegate(assembly, council_id, timezone.now())
    services.do_cast_council_vote(delegate, council_id, motion.id, "for", timezone.now())
    out(step="voted", council=council_id, federation=fed.id)


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "found":
        found(rest[0], rest[1])
    elif command == "grow":
        grow(rest[0], int(rest[1]))
    elif command == "sync":
        sync(rest[0])
    elif command == "agent":
        agent(rest[0], int(rest[1]))
    else:
        raise SystemExit(__doc__)
