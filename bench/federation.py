"""Federation benchmarks (issue 5): catching up with a peer, and a council across many real nodes.

Sync: node A serves a ledger; node B follows it, then A appends 10,000 entries and
B pulls them (checkpoint, entry bundles, cosignature list, observed heads). A byte-counting
TCP relay between them measures what crosses the wire, both directions, headers
included; the goal is at most twice the entries' own size.

Scale: N real node processes (default 50) on loopback, each with its own SQLite
database, key and one-member assembly, each following all the others. One founds a
federation and convenes a council; every assembly joins it, mandates its delegate and
votes on one motion. Measured: from the last vote cast until every node's council
archive is identical and shows the motion decided — in seconds and in federation
rounds (one round per CONFEDERAL_FEDERATION_SECONDS).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import ROOT, machine, publish, table

PY = sys.executable
CONFEDERAL = str(Path(PY).parent / "confederal")
NODE = str(Path(__file__).with_name("federation_node.py"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(data: Path, port: int, peers: list[str], rounds: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFEDERAL_", "DJANGO_"))}
    env.update(
        CONFEDERAL_DATA_DIR=str(data),
        CONFEDERAL_PUBLIC_URL=f"http://127.0.0.1:{port}",
        CONFEDERAL_PEERS=",".join(peers),
        CONFEDERAL_FEDERATION_SECONDS=str(rounds),
        CONFEDERAL_TICK_SECONDS="1",
        CONFEDERAL_ALLOW_PRIVATE_PEERS="1",
    )
    return env


def call(args: list[str], env: dict[str, str], timeout: float = 900) -> list[dict[str, object]]:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed: {result.stderr[-2000:]}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [CONFEDERAL, "serve", "--port", str(port), "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ledgers", timeout=5):
                return proc
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"node on {port} did not start")


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.send_signal(2)
    # One deadline for all: fifty loaded nodes each given its own grace would take minutes.
    deadline = time.monotonic() + 20
    for proc in procs:
        try:
            proc.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Relay:
    """A TCP relay that counts every byte it carries, in both directions."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.bytes = 0
        self.lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                with self.lock:
                    self.bytes += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def bench_sync(root: Path, count: int) -> dict[str, object]:
    a_port, b_port = free_port(), free_port()
    relay = Relay(a_port)
    # A's public address is the relay's, so every link A hands out (its tiles included) crosses the relay.
    a_env = env_for(root / "a", relay.port, [], 3600)
    b_env = env_for(root / "b", b_port, [], 3600)
    for env in (a_env, b_env):
        call([CONFEDERAL, "manage", "migrate", "-v0"], env)
    call([PY, NODE, "found", "food-hub", "Riverside Food Hub"], a_env)
    call([PY, NODE, "grow", "food-hub", "100"], a_env)
    a = serve(a_env, a_port)
    try:
        (first,) = call([PY, NODE, "sync", f"http://127.0.0.1:{relay.port}"], b_env)
        call([PY, NODE, "grow", "food-hub", str(count)], a_env)
        relay.bytes = 0
        (second,) = call([PY, NODE, "sync", f"http://127.0.0.1:{relay.port}"], b_env)
        time.sleep(0.5)
        wire = relay.bytes
    finally:
        stop([a])
    entries = int(second["entries"]) - int(first["entries"])  # type: ignore[call-overload]
    entry_bytes = int(second["entry_bytes"]) - int(first["entry_bytes"])  # type: ignore[call-overload]
    return {
        "entries": entries,
        "seconds": float(second["seconds"]),  # type: ignore[arg-type]
        "wire": wire,
        "entry_bytes": entry_bytes,
        "error": second["error"],
    }


def council_view(port: int, federation: str, council: str) -> object:
    url = f"http://127.0.0.1:{port}/federations/{federation}/councils/{council}.json"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data = json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None
    motions = data.get("motions") or []
    return json.dumps(data, sort_keys=True) if motions and motions[0].get("decided_at") else None


def bench_scale(root: Path, nodes: int, rounds: float) -> dict[str, object]:
    template = root / "template"
    call([CONFEDERAL, "manage", "migrate", "-v0"], env_for(template, 1, [], rounds))
    ports = [free_port() for _ in range(nodes)]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    envs = []
    for i, port in enumerate(ports):
        data = root / f"node-{i:02d}"
        data.mkdir()
        shutil.copy(template / "confederal.sqlite3", data / "confederal.sqlite3")
        envs.append(env_for(data, port, [u for u in urls if u != urls[i]], rounds))
    begin = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda i: call([PY, NODE, "found", f"cell-{i:02d}", f"Cell {i:02d}"], envs[i]), range(nodes)))
    procs = []
    try:
        with ThreadPoolExecutor(4) as pool:
            procs = list(pool.map(lambda i: serve(envs[i], ports[i]), range(nodes)))
        started = time.perf_counter()
        with ThreadPoolExecutor(nodes) as pool:
            roles = ["lead"] + ["member"] * (nodes - 1)
            results = list(
                pool.map(lambda i: call([PY, NODE, "agent", roles[i], str(nodes)], envs[i], 3600), range(nodes))
            )
        voted = [r for lines in results for r in lines if r.get("step") == "voted"]
        last_vote = max(float(r["at"]) for r in voted)  # type: ignore[arg-type]
        steps = {r["step"]: float(r["at"]) for r in results[0]}  # type: ignore[arg-type]
        federation, council = str(voted[0]["federation"]), str(voted[0]["council"])
        while True:
            views = [council_view(p, federation, council) for p in ports]
            if views[0] and all(v == views[0] for v in views):
                break
            time.sleep(1)
        agreed = time.time()
        archive = json.loads(views[0])  # type: ignore[arg-type]
    finally:
        stop(procs)
    motion = archive["motions"][0]
    return {
        "nodes": nodes,
        "rounds_seconds": rounds,
        "setup": started - begin,
        "to_seated": steps["seated"] - steps["found"],
        "vote_to_agreement": agreed - last_vote,
        "tally": f"{motion['for']} for, {motion['against']} against of {motion['members']}",
    }


def render(facts: dict[str, str], sync: dict[str, object], scale: dict[str, object], note: str) -> str:
    ratio = int(sync["wire"]) / max(int(sync["entry_bytes"]), 1)  # type: ignore[call-overload]
    sync_table = table(
        ["catching up", "entries", "time", "entries/s", "bytes on the wire", "entries' own bytes", "wire ÷ entries"],
        [
            [
                "B pulls A's new entries",
                f"{sync['entries']:,}",
                f"{float(sync['seconds']):.2f} s",  # type: ignore[arg-type]
                f"{int(sync['entries']) / float(sync['seconds']):,.0f}",  # type: ignore[call-overload, arg-type]
                f"{int(sync['wire']):,}",  # type: ignore[call-overload]
                f"{int(sync['entry_bytes']):,}",  # type: ignore[call-overload]
                f"{ratio:.2f}×",
            ]
        ],
    )
    per_round = float(scale["rounds_seconds"])  # type: ignore[arg-type]
    seconds = float(scale["vote_to_agreement"])  # type: ignore[arg-type]
    scale_table = table(
        ["federation", "nodes", "last vote → identical tally everywhere", "in rounds", "found → all seated", "tally"],
        [
            [
                "one council, one motion",
                scale["nodes"],
                f"{seconds:.1f} s",
                f"{seconds / per_round:.1f} (one round = {per_round:g} s)",
                f"{float(scale['to_seated']):.0f} s",  # type: ignore[arg-type]
                scale["tally"],
            ]
        ],
    )
    goal = "met" if ratio <= 2 else "**not met**"
    return f"""<!-- bench:federation:start -->
## Federation (issue 5)

Measured {facts["date"]} on {facts["cpu"]}, {facts["memory"]}; Python {facts["python"]}, SQLite
{facts["sqlite"]}; load average at start {facts["load"]}. One run of `bench/run federation`.

**Sync** — a node catching up {int(sync["entries"]):,} new entries from a peer through a byte-counting relay
(checkpoint, entry bundles, the cosignature list and observed heads; requests and answers, headers included).
Goal: bytes on the wire at most 2× the entries' own size — **{goal}** ({ratio:.2f}×).

{sync_table}

**Scale** — {scale["nodes"]} real node processes on loopback, each with its own SQLite database, key and
one-member assembly, each following and witnessing all the others. Every assembly joins one federation
and one council by its own decision, mandates its delegate, and the delegate votes on one motion; the
time runs from the last vote cast until all {scale["nodes"]} nodes serve the same council archive with the
motion decided. All {scale["nodes"]} processes share the machine's two cores.

{scale_table}
{note}
<!-- bench:federation:end -->"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--round", type=float, default=3.0, help="seconds between a node's federation rounds")
    parser.add_argument("--note", default="")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    facts = machine()
    with tempfile.TemporaryDirectory(prefix="confederal-bench-fed-") as tmp:
        root = Path(tmp)
        (root / "sync").mkdir()
        sync = bench_sync(root / "sync", args.entries)
        print(json.dumps(sync), file=sys.stderr, flush=True)
        (root / "scale").mkdir()
        scale = bench_scale(root / "scale", args.nodes, args.round)
        print(json.dumps(scale), file=sys.stderr, flush=True)
    section = render(facts, sync, scale, args.note)
    publish("federation", section, args.out, write=args.nodes >= 50 and args.entries >= 10_000)


if __name__ == "__main__":
    main()
