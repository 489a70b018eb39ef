"""``confederal demo``: three real nodes on loopback, and a council a person can watch live and dissolve.

This process serves the food hub's node itself (on the address the one-node demo
had) and starts the energy co-op's and the housing group's nodes as child
processes, each with its own SQLite database and signing key under the data
directory. The first time, a story thread then acts the federation out through
the same management steps the tests use: each is an assembly deciding on its own
node, never a shortcut.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["DemoNode", "Story", "demo_nodes", "mail_dir", "start_other_nodes", "stop_nodes"]

CONFEDERAL = str(Path(sys.executable).parent / "confederal")
#: How long the demo's council sits: long enough to watch, short enough to see it dissolve.
COUNCIL_MINUTES = 8


@dataclass
class DemoNode:
    slug: str
    title: str
    port: int
    data_dir: Path
    host: str = "127.0.0.1"
    #: Where the demo's mail sink listens (every node sends its mail there); 0: no mail.
    mail_port: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self, peers: list[str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFEDERAL_", "DJANGO_"))}
        env.update(
            {
                "CONFEDERAL_DATA_DIR": str(self.data_dir),
                "CONFEDERAL_PUBLIC_URL": self.url,
                "CONFEDERAL_PEERS": ",".join(peers),
                "CONFEDERAL_DEMO": "1",
                # The three nodes follow each other on loopback, which a node refuses unless told.
                "CONFEDERAL_ALLOW_PRIVATE_PEERS": "1",
                # Quick rounds and ticks, so what people would see within a minute shows in seconds.
                "CONFEDERAL_FEDERATION_SECONDS": "1",
                "CONFEDERAL_TICK_SECONDS": "2",
            }
        )
        if self.mail_port:
            env["CONFEDERAL_EMAIL_URL"] = f"smtp://127.0.0.1:{self.mail_port}"
            env["CONFEDERAL_EMAIL_FROM"] = f"{self.slug}@demo.example.org"
        return env


#: The mail sink listens just above the three nodes (8003 for 8000).
MAIL_PORT_OFFSET = 3


def mail_dir(nodes: list[DemoNode]) -> Path:
    """Where the demo's mail lands: one ``.eml`` file per message."""
    return nodes[0].data_dir.parent / "mail"


def demo_nodes(data_dir: Path, host: str, port: int) -> list[DemoNode]:
    specs = [
        ("food-hub", "Riverside Food Hub"),
        ("energy-coop", "Hillside Energy Co-op"),
        ("housing", "Tenants of Elm Street"),
    ]
    mail = port + MAIL_PORT_OFFSET
    return [DemoNode(slug, title, port + i, data_dir / slug, host, mail) for i, (slug, title) in enumerate(specs)]


def peers_of(node: DemoNode, nodes: list[DemoNode]) -> list[str]:
    return [n.url for n in nodes if n is not node]


def start_other_nodes(nodes: list[DemoNode]) -> list[subprocess.Popen[bytes]]:
    """Seed (the first time) and serve every node but the first, each in its own process; output goes to node.log.

    A seed cut short by Ctrl-C leaves no ``seeded`` mark, so the next start seeds that node afresh.
    """
    procs = []
    if nodes[0].mail_port:
        # The mail sink (aiosmtpd) in its own process: every node's mail lands in .demo/mail/ as files.
        with (mail_dir(nodes).parent / "mail.log").open("ab") as log:
            procs.append(
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "confederal.node.notices.sink",
                        str(mail_dir(nodes)),
                        "--port",
                        str(nodes[0].mail_port),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    for node in nodes[1:]:
        node.data_dir.mkdir(parents=True, exist_ok=True)
        env = node.env(peers_of(node, nodes))
        script = (
            f"cd {node.data_dir} && {{ [ -f seeded ] || {{ rm -f confederal.sqlite3 confederal.sqlite3-* && "
            f"{CONFEDERAL} manage migrate -v0 && {CONFEDERAL} manage seed_demo --assemblies {node.slug} && "
            f"touch seeded; }}; }} && exec {CONFEDERAL} serve --host {node.host} --port {node.port}"
        )
        with (node.data_dir / "node.log").open("ab") as log:
            # The script is built from our own paths, slugs and ports only. Its own session, so that
            # Ctrl-C reaches whatever it is running, seeding included.
            procs.append(
                subprocess.Popen(  # noqa: S603
                    ["/bin/sh", "-c", script], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
    return procs


def stop_nodes(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)  # the node finishes what it is doing and says so in its log
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


#: How the story writes the council's end, for the command line and story.json alike.
STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _now() -> datetime:
    """The food hub node's clock, which this process serves (real time unless a test moved it)."""
    from confederal.node import clock

    return clock.now()


def _later(minutes: float) -> str:
    return (_now() + timedelta(minutes=minutes)).strftime(STAMP)


#: Steps that belong to one council: a council whose term ran out while the demo was stopped is convened anew.
COUNCIL_STEPS = (
    "council",
    "council-joined:",
    "appointed:",
    "seated",
    "motion",
    "vote:",
    "refused",
    "recall",
    "replaced",
)


def resume_steps(steps: dict[str, Any], now: datetime) -> tuple[dict[str, Any], bool]:
    """The finished steps a restarted story keeps, and whether it must convene a new council.

    A council needs a few minutes left to be worth picking up; one that ran out (or nearly)
    while the demo was stopped has dissolved on every node, so its remaining acts would be late.
    """
    council = steps.get("council")
    if not isinstance(council, dict):
        return steps, False
    ends = datetime.strptime(str(council.get("ends", "")), STAMP).replace(tzinfo=UTC)
    if ends - now > timedelta(minutes=2) or "vote:housing" in steps:
        return steps, False
    return {k: v for k, v in steps.items() if not k.startswith(COUNCIL_STEPS)}, True


class Story(threading.Thread):
    """The federation acted out once: found, join, convene, mandate, vote, a refused vote, a recall, a replacement.

    Each finished step is written to ``story.json`` after the node has committed it, so a demo
    stopped mid-story picks up after its last finished step the next time it starts.
    """

    def __init__(self, nodes: list[DemoNode], stopping: threading.Event) -> None:
        super().__init__(name="demo-story", daemon=True)
        self.nodes = nodes
        self.stopping = stopping
        self.state_file = nodes[0].data_dir.parent / "story.json"
        self.steps: dict[str, Any] = {}
        # Pauses let a person watch each act land; tests shorten them.
        self.pace = float(os.environ.get("CONFEDERAL_DEMO_PACE", "1"))

    def say(self, text: str) -> None:
        print(f"  [story] {text}", flush=True)

    def pause(self, seconds: float) -> None:
        if self.stopping.wait(seconds * self.pace):
            raise InterruptedError

    def step(self, node: DemoNode, *args: str, ok: bool = True) -> Any:
        command = [CONFEDERAL, "manage", "federation", *args, "--assembly", node.slug]
        result = subprocess.run(  # noqa: S603 — our own executable, our own arguments
            command, env=node.env(peers_of(node, self.nodes)), capture_output=True, text=True, timeout=120, check=False
        )
        if ok and result.returncode != 0:
            raise RuntimeError(result.stderr.strip() or result.stdout.strip())
        if not ok:
            return result.stderr.strip()
        return json.loads(result.stdout.strip().splitlines()[-1])

    def once(self, key: str, act: Any) -> Any:
        """Run a step unless an earlier run finished it; either way, what it returned."""
        if key not in self.steps:
            value = act()
            self.steps[key] = True if value is None else value
            self.write_state()
        return self.steps[key]

    def write_state(self, finished: bool = False) -> None:
        state = {"steps": self.steps, "finished": finished}
        partial = self.state_file.with_suffix(".tmp")
        partial.write_text(json.dumps(state, indent=1))
        partial.replace(self.state_file)

    def read(self, node: DemoNode, path: str) -> Any:
        request = urllib.request.Request(node.url + path, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.load(response)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def until(self, check: Any, timeout: float = 120) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            self.stopping.wait(0.5)
            if self.stopping.is_set():
                raise InterruptedError
        raise TimeoutError("the nodes did not catch up in time")

    def run(self) -> None:
        if self.state_file.exists():
            try:
                state = json.loads(self.state_file.read_text())
            except ValueError:
                state = {}
            # An earlier demo wrote no steps: its story ran to the end.
            if not isinstance(state, dict) or state.get("finished") or "steps" not in state:
                return
            self.steps, convene_again = resume_steps(dict(state["steps"]), _now())
            if convene_again:
                self.say("the council's term ran out while the demo was stopped: convening a new one.")
            self.say("picking the story up where it stopped.")
        self.write_state()
        try:
            self.act()
            self.write_state(finished=True)
        except InterruptedError:
            pass
        except Exception as exc:  # the nodes keep serving whatever the story hits
            self.say(f"the story stopped early: {exc}")

    def mutual_aid(self, fed: str) -> None:
        """Dues from all three, the housing group's request, a grant by three decisions, paid across the nodes."""
        food, energy, housing = self.nodes
        for node in self.nodes:
            self.once(f"dues:{node.slug}", lambda n=node: self.step(n, "dues", "--federation", fed))
        self.say(
            f"each assembly pays its dues into the fund, held in its own books: {food.url}/federations/{fed}/fund/"
        )
        request = self.once(
            "aid-request",
            lambda: self.step(housing, "ask", "--federation", fed, "--amount", "40.00",
                              "--purpose", "Legal fees for the pipeline blockade")["request"],
        )  # fmt: skip
        self.say("the housing group asks the federation for 40.00 EUR of legal fees for the blockade.")

        def knows_request(n: DemoNode) -> bool:
            fund = self.read(n, f"/api/federations/{fed}/fund") or {}
            return any(r.get("request") == request for r in fund.get("requests", []))

        for node in self.nodes:
            self.until(lambda n=node: knows_request(n))
            self.once(
                f"aid-vote:{node.slug}",
                lambda n=node: self.step(n, "aid-vote", "--federation", fed, "--request", request, "--choice", "for"),
            )
            self.say(f"the {node.slug} assembly decides to vote for the grant.")
            self.pause(5)

        def share_due(n: DemoNode) -> bool:
            fund = self.read(n, f"/api/federations/{fed}/fund") or {}
            return any(r.get("request") == request and r.get("granted") for r in fund.get("requests", []))

        for node in (food, energy):
            self.until(lambda n=node: share_due(n))
            self.once(
                f"aid-give:{node.slug}", lambda n=node: self.step(n, "give", "--federation", fed, "--request", request)
            )
            self.say(f"the {node.slug} treasurer pays its share from the fund it holds.")

        def both_given() -> bool:
            fund = self.read(housing, f"/api/federations/{fed}/fund") or {}
            found: dict[str, Any] = next((r for r in fund.get("requests", []) if r.get("request") == request), {})
            return bool(found.get("shares")) and all(s["given"] >= s["share"] for s in found["shares"])

        self.until(both_given)
        self.once("aid-received", lambda: self.step(housing, "receive", "--federation", fed, "--request", request))
        self.say("the housing group records both shares; every node shows the same fund.")

    def act(self) -> None:
        food, energy, housing = self.nodes
        self.until(lambda: all(self.read(n, "/ledgers") for n in self.nodes), timeout=300)
        self.say("all three nodes are up; each follows and witnesses the other two.")
        fed = self.once(
            "federation",
            lambda: self.step(food, "found", "--name", "River Valley Federation", "--days", "30")["federation"],
        )
        self.say(f"the food hub founded the River Valley Federation: {food.url}/federations/{fed}/")
        for node in (energy, housing):
            self.until(lambda n=node: self.read(n, f"/federations/{fed}/"))
            self.once(f"joined:{node.slug}", lambda n=node: self.step(n, "join", "--federation", fed))
            self.say(f"the {node.slug} assembly decided to join.")
        self.until(lambda: len((self.read(food, f"/federations/{fed}/") or {}).get("members", [])) == 3)

        def convene() -> dict[str, str]:
            ends = _later(COUNCIL_MINUTES)
            council = self.step(
                food,
                "convene",
                "--federation",
                fed,
                "--objective",
                "Stop the pipeline under the river",
                "--ends",
                ends,
                "--agenda",
                "Join the blockade of the pipeline route on 12 December",
                "--agenda",
                "Pool our legal funds for the blockade",
            )["council"]
            return {"id": council, "ends": ends}

        council = self.once("council", convene)["id"]
        page = f"{food.url}/federations/{fed}/councils/{council}/"
        self.say(f"a council is convened for {COUNCIL_MINUTES} minutes; watch it at {page}")
        for node in (energy, housing):
            self.until(lambda n=node: self.read(n, f"/federations/{fed}/councils/{council}/"))
            self.once(f"council-joined:{node.slug}", lambda n=node: self.step(n, "join-council", "--council", council))
        for node, name, instructions in (
            (food, "Amara", ["q1=for", "q2=judgement"]),
            (energy, "Kwame", ["q1=for", "q2=against"]),
            (housing, "Nadia", ["q1=judgement"]),
        ):
            args = ["appoint", "--council", council, "--delegate", name]
            for item in instructions:
                args += ["--instruction", item]
            self.once(f"appointed:{node.slug}", lambda n=node, a=args: self.step(n, *a))
            self.say(f"{node.slug} sends {name} with a written mandate ({', '.join(instructions)}).")

        def seated(n: DemoNode) -> bool:
            data = self.read(n, f"/federations/{fed}/councils/{council}/")
            return bool(data) and len(data.get("members", [])) == 3

        def seat() -> None:
            self.until(lambda: all(seated(n) for n in self.nodes))
            self.pause(15)

        self.once("seated", seat)
        motion = self.once(
            "motion",
            lambda: self.step(
                energy,
                "motion",
                "--council",
                council,
                "--title",
                "Join the blockade on 12 December",
                "--question",
                "q1",
            )["motion"],
        )
        self.say("Kwame moves a motion: join the blockade on 12 December.")

        def knows_motion(n: DemoNode) -> bool:
            archive = (self.read(n, f"/federations/{fed}/councils/{council}/") or {}).get("archive") or {}
            return any(m.get("motion") == motion for m in archive.get("motions", []))

        # Each delegate votes on its own node, which must have pulled the motion from the energy co-op's ledger first.
        for node in self.nodes:
            self.until(lambda n=node: knows_motion(n))
        self.pause(10)
        vote = ["vote", "--council", council, "--motion", motion, "--choice"]
        self.once("vote:food", lambda: self.step(food, *vote, "for"))
        self.say("Amara votes for, as her mandate says.")
        self.pause(5)
        refused = self.once("refused", lambda: self.step(energy, *vote, "against", ok=False))
        self.say(f"Kwame tries to vote against: refused ({refused.split(': ', 2)[-1][:90]}…)")
        self.once("vote:energy", lambda: self.step(energy, *vote, "for"))
        self.say("Kwame votes for.")
        self.pause(20)
        self.once("recall", lambda: self.step(housing, "recall", "--council", council))
        self.say("Mid-vote, the housing assembly recalls Nadia: from that entry on, her acts do not count.")
        self.pause(10)
        self.once(
            "replaced",
            lambda: self.step(
                housing, "appoint", "--council", council, "--delegate", "Oscar", "--instruction", "q1=against"
            ),
        )
        self.say("The housing assembly sends Oscar instead, mandated to vote against.")
        self.pause(15)
        self.once("vote:housing", lambda: self.step(housing, *vote, "against"))
        self.say("Oscar votes against; every node tallies 2 for, 1 against from the member ledgers.")
        self.mutual_aid(fed)
        self.say(f"the council dissolves by itself at its end, {COUNCIL_MINUTES} minutes after it was convened.")
