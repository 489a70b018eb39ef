"""``confederal manage federation STEP …``: federation steps from the command line (the demo and tests use them).

Each step is an assembly acting through the services: decisions are proposals its
members adopt by vote. Ids and results are printed as JSON on the last line.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from confederal.ledger import format_time
from confederal.node import clock
from confederal.node.assemblies.models import Assembly
from confederal.node.errors import Refused
from confederal.node.federation import selectors, services, story
from confederal.node.federation.models import FederationRecord

CHARTER = {
    "principles": ["Decisions are made by those they affect.", "Resources move sideways, never upward."],
    "transparency": "Every budget, decision and result sits in a public ledger anyone can check.",
    "recall": "A home assembly may recall its delegate at any moment by its own decision.",
    "mutual_aid": "Each assembly pays 25.00 of its own currency a month into the mutual-aid fund, held in its own "
    "books; a grant passes when most member assemblies vote for it.",
    "aid": {"period": "month", "fixed": 2500, "grants": "majority"},
    "sunset": "Every council dissolves at its end: its roles lapse, its minutes are archived, those who served are "
    "thanked.",
}


class Command(BaseCommand):
    help = "Run one federation step as an assembly of this node (or a federation round)."
    # One step is one act: Django's system checks (which build every URL and the whole API, half a second of CPU)
    # would run before each of them. `confederal manage check` runs them when wanted.
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "step",
            choices=[
                "found",
                "join",
                "leave",
                "convene",
                "join-council",
                "leave-council",
                "appoint",
                "recall",
                "motion",
                "vote",
                "round",
                "show",
                "peer",
                "dues",
                "ask",
                "aid-vote",
                "give",
                "receive",
                "fund",
            ],
        )
        parser.add_argument("--assembly")
        parser.add_argument("--federation")
        parser.add_argument("--council")
        parser.add_argument("--name", default="Valley Commons")
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--breach", choices=["refuse", "flag"], default="refuse")
        parser.add_argument("--objective", default="Stop the river pipeline")
        parser.add_argument("--starts", help="default: now")
        parser.add_argument("--ends")
        parser.add_argument("--agenda", action="append", default=[])
        parser.add_argument("--delegate")
        parser.add_argument("--mandate", default="Carry our assembly's position; report back after each session.")
        parser.add_argument("--instruction", action="append", default=[], help="q1=for")
        parser.add_argument("--red-line", action="append", default=[])
        parser.add_argument("--title")
        parser.add_argument("--question")
        parser.add_argument("--motion")
        parser.add_argument("--choice")
        parser.add_argument("--url")
        parser.add_argument("--request", help="an aid request, origin#number")
        parser.add_argument("--purpose", default="Legal fees for the pipeline blockade")
        parser.add_argument("--amount", default="40.00")
        parser.add_argument("--by-days", type=int, default=14)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = self.step(options)
        except Refused as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(json.dumps(result))

    def step(self, o: dict[str, Any]) -> Any:
        now = clock.now()
        step = o["step"]
        if step == "round":
            return services.do_federation_round(now, everyone=True)
        if step == "peer":
            return {"peer": services.do_add_peer(o["url"], now).url}
        if step == "show":
            return story.council_json(o["council"], now)
        if step == "fund":
            fed = selectors.federation(o["federation"])
            state = selectors.fund(fed, now.date()) if fed is not None else None
            return selectors.fund_json(fed, state) if fed is not None and state is not None else {}
        assembly = Assembly.objects.select_related("ledger").get(slug=o["assembly"])
        if step == "dues":
            return {"transaction": story.pay_dues(assembly, o["federation"], now)}
        if step == "ask":
            purpose, amount, days = o["purpose"], o["amount"], o["by_days"]
            return {"request": story.ask_for_aid(assembly, o["federation"], purpose, amount, days, now)}
        if step == "aid-vote":
            payload = {
                "action": "aid_vote",
                "federation": o["federation"],
                "request": o["request"],
                "choice": o["choice"],
            }
            proposal = story.decide(assembly, payload, now)
            return {"proposal": proposal.number, "status": proposal.status}
        if step == "give":
            return {"transaction": story.give_share(assembly, o["federation"], o["request"], now)}
        if step == "receive":
            return {"transactions": story.receive_shares(assembly, o["federation"], o["request"], now)}
        if step == "found":
            charter = {
                **CHARTER,
                "name": o["name"],
                "max_council_days": o["days"],
                "mandate_breach": o["breach"],
                "witnesses": 1,
            }
            story.decide(assembly, {"action": "found", "charter": charter}, now)
            record = FederationRecord.objects.filter(origin=assembly.ledger.origin, kind="federation.charter").last()
            return {"federation": record.leaf_hash if record else None}
        if step in {"join", "leave"}:
            proposal = story.decide(assembly, {"action": step, "federation": o["federation"]}, now)
            return {"proposal": proposal.number, "effects": (proposal.outcome or {}).get("status")}
        if step == "convene":
            agenda = [{"id": f"q{i}", "text": text} for i, text in enumerate(o["agenda"], 1)]
            council = {
                "federation": o["federation"],
                "objective": o["objective"],
                "starts_at": o["starts"] or format_time(now.replace(microsecond=0)),
                "ends_at": o["ends"],
                "agenda": agenda,
            }
            story.decide(assembly, {"action": "convene", "council": council}, now)
            record = FederationRecord.objects.filter(origin=assembly.ledger.origin, kind="council.charter").last()
            return {"council": record.leaf_hash if record else None}
        if step in {"join-council", "leave-council", "recall"}:
            action = {"join-council": "join_council", "leave-council": "leave_council", "recall": "recall"}[step]
            proposal = story.decide(assembly, {"action": action, "council": o["council"]}, now)
            return {"proposal": proposal.number}
        if step == "appoint":
            instructions = dict(item.split("=", 1) for item in o["instruction"])
            mandate = {"text": o["mandate"], "instructions": instructions, "red_lines": o["red_line"]}
            payload = {"action": "appoint", "council": o["council"], "delegate": o["delegate"], "mandate": mandate}
            proposal = story.decide(assembly, payload, now)
            return {"proposal": proposal.number}
        if step == "motion":
            return {"motion": story.motion(assembly, o["council"], o["title"], o["question"], now)}
        # vote
        delegate = story.delegate(assembly, o["council"], now)
        seq = services.do_cast_council_vote(delegate, o["council"], o["motion"], o["choice"], now)
        return {
            "vote": seq,
            "delegate": delegate.public_name,
            "council": selectors.council(o["council"], now) is not None,
        }
