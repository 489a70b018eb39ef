"""Several real node processes on loopback that federate, and the steps their assemblies take.

Each node has its own data directory, database and signing key, and one of the
demo assemblies. Ledger origins carry the node's address, so a node's template is
seeded for the port it will serve on; each test copies the templates and serves the
copies on those same ports, one federation after another.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .nodes import (
    CONFEDERAL,
    PG_URL,
    Node,
    NodeDB,
    _pg_admin,
    base_env,
    copy_migrated,
    drop_database,
    free_port,
    run,
    stop,
)

SLUGS = ("food-hub", "energy-coop", "housing")


@dataclass
class Template:
    slug: str
    port: int
    data: Path
    pg_name: str | None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _pg_url(name: str) -> str:
    assert PG_URL
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def node_env(data: Path, port: int, peers: list[str], pg_name: str | None) -> dict[str, str]:
    env = base_env(data)
    env["CONFEDERAL_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env["CONFEDERAL_PEERS"] = ",".join(peers)
    # Quick rounds, so a test sees in seconds what people would see within a minute; not quicker, since three
    # nodes pulling each other every 0.3 s kept most of a core busy doing nothing new.
    env["CONFEDERAL_FEDERATION_SECONDS"] = "1"
    env["CONFEDERAL_TICK_SECONDS"] = "0.5"
    # A clock the test moves forward (POST /_test/clock), so a council's end comes when the test says.
    env["CONFEDERAL_TEST_HOOKS"] = "1"
    if pg_name:
        env["CONFEDERAL_DATABASE_URL"] = _pg_url(pg_name)
    return env


def build_templates(root: Path, migrated: tuple[Path, str | None], slugs: tuple[str, ...] = SLUGS) -> list[Template]:
    """Seed one node per assembly, each for its own port, in parallel, from the migrated database."""

    def one(slug: str) -> Template:
        port = free_port()
        data = root / f"template-{slug}"
        data.mkdir()
        pg_name = copy_migrated(migrated, data, "confederal_fed")
        env = node_env(data, port, [], pg_name)
        result = run([CONFEDERAL, "manage", "seed_demo", "--assemblies", slug], env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        return Template(slug, port, data, pg_name)

    with ThreadPoolExecutor(len(slugs)) as pool:
        return list(pool.map(one, slugs))


def drop_templates(templates: list[Template]) -> None:
    for template in templates:
        if template.pg_name:
            drop_database(template.pg_name)


@dataclass
class FedNode:
    """A node of the federation under test, with its one assembly."""

    slug: str
    port: int
    node: Node

    @property
    def url(self) -> str:
        return self.node.url

    @property
    def origin(self) -> str:
        return f"127.0.0.1:{self.port}/ledgers/{self.slug}"

    def start(self) -> None:
        proc = subprocess.Popen(
            [CONFEDERAL, "serve", "--port", str(self.port)],
            env=self.node.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.node.proc = proc
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"node exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
            try:
                with urllib.request.urlopen(self.url + "/ledgers", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise TimeoutError(f"{self.url} did not start")

    def kill(self) -> None:
        """Stop the process at once, as a power cut would."""
        assert self.node.proc is not None
        self.node.proc.kill()
        self.node.proc.wait()

    def stop(self) -> None:
        if self.node.proc is not None:
            stop(self.node.proc)

    def step(self, *args: str, ok: bool = True) -> Any:
        """``confederal manage federation …`` as this node's assembly; the printed JSON, or the error text."""
        result = run(
            [CONFEDERAL, "manage", "federation", *args, "--assembly", self.slug], env=self.node.env, timeout=120
        )
        if not ok:
            assert result.returncode != 0, result.stdout
            return result.stderr
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def advance(self, seconds: float) -> float:
        """Move this node's clock forward (its test hook); return the node's new offset in seconds."""
        body = json.dumps({"advance": seconds}).encode()
        request = urllib.request.Request(
            self.url + "/_test/clock", data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return float(json.load(response)["offset"])

    def get(self, path: str) -> Any:
        request = urllib.request.Request(self.url + path, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def try_get(self, path: str) -> Any:
        try:
            return self.get(path)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def archive(self, federation: str, council: str) -> Any:
        return self.try_get(f"/federations/{federation}/councils/{council}.json")


def start_federation(templates: list[Template], root: Path, peers: dict[str, list[str]] | None = None) -> list[FedNode]:
    """Copy every template and serve the copies, each following the others (or the ``peers`` given by slug)."""
    nodes = []
    tag = uuid.uuid4().hex[:8]
    for template in templates:
        data = root / f"{template.slug}-{tag}"
        shutil.copytree(template.data, data)
        pg_name = None
        if template.pg_name:
            pg_name = f"confederal_fn_{uuid.uuid4().hex[:10]}"
            _pg_admin(f'CREATE DATABASE "{pg_name}" TEMPLATE "{template.pg_name}"')
        followed = [t.url for t in templates if t is not template]
        if peers is not None:
            followed = peers.get(template.slug, [])
        env = node_env(data, template.port, followed, pg_name)
        db = (
            NodeDB(pg_url=env["CONFEDERAL_DATABASE_URL"])
            if pg_name
            else NodeDB(sqlite_path=data / "confederal.sqlite3")
        )
        nodes.append(FedNode(template.slug, template.port, Node(template.url, data, db, None, env)))
    for fed_node in nodes:
        fed_node.start()
    return nodes


def stop_federation(nodes: list[FedNode]) -> None:
    for fed_node in nodes:
        fed_node.stop()
        if fed_node.node.db.pg_url:
            drop_database(fed_node.node.db.pg_url.rsplit("/", 1)[1])


def each(nodes: list[FedNode], act: Callable[[FedNode], Any]) -> list[Any]:
    """``act`` on every node at once (each node is its own process, as its assembly is its own people)."""
    with ThreadPoolExecutor(len(nodes)) as pool:
        return list(pool.map(act, nodes))


def advance_all(nodes: list[FedNode], seconds: float) -> None:
    """Move every node's clock forward by the same amount, as if ``seconds`` had passed for all of them."""
    offsets = {node.advance(seconds) for node in nodes}
    assert len(offsets) == 1, offsets  # they keep one time between them


def wait_until(
    what: str, check: Callable[[], Any], timeout: float = 60, detail: Callable[[], Any] | None = None
) -> Any:
    """Poll ``check`` until it gives something true; ``detail`` says what was seen instead, on failure."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f"; saw {detail()!r}" if detail is not None else ""
            raise AssertionError(f"timed out after {timeout} s waiting until {what}{seen}")
        time.sleep(0.25)


def later(seconds: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def same_everywhere(nodes: list[FedNode], read: Callable[[FedNode], Any]) -> Any:
    """The value every node reads, once they all read the same non-empty one; else None."""
    values = [read(n) for n in nodes]
    first = values[0]
    return first if first and all(v == first for v in values) else None


def spoil(mode: str, path: str, body: bytes) -> tuple[bytes, dict[str, str]]:
    """A peer's answer to ``path`` spoiled as ``mode`` says (see :class:`HostilePeer`), and any headers it needs."""
    bundle = "/tile/entries/" in path
    if mode == "not-json" and (path.rstrip("/") == "/ledgers" or path.startswith("/ledgers?")):
        return b"<html>Service temporarily unavailable</html>", {"Content-Type": "text/html"}
    if bundle and mode == "corrupt":
        return body[:-1], {}
    if bundle and mode == "oversized":
        return b"\0" * (9 << 20), {}
    if bundle and mode == "gzip-bomb":
        return gzip.compress(b"\0" * (64 << 20), compresslevel=9), {"Content-Encoding": "gzip"}
    return body, {}


class HostilePeer:
    """A real HTTP server in front of a real node that passes its answers on, spoiled as ``mode`` says.

    Modes: ``honest``; ``not-json`` (the list of ledgers is not JSON); ``corrupt`` (entry
    bundles cut short by a byte); ``oversized`` (entry bundles of 9 MiB); ``gzip-bomb``
    (entry bundles that inflate past any limit).
    """

    def __init__(self, target: str) -> None:
        import http.server
        import threading

        self.target = target
        self.mode = "honest"
        self.served: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.served.append(self.path)
                body, status, headers = outer.answer(self.path, self.headers.get("Accept", "*/*"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str, accept: str) -> tuple[bytes, int, dict[str, str]]:
        request = urllib.request.Request(self.target + path, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body, status, kind = response.read(), response.status, response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            body, status, kind = exc.read(), exc.code, exc.headers.get("Content-Type", "")
        if path.rstrip("/") == "/ledgers" or path.startswith("/ledgers?"):
            body = body.replace(self.target.encode(), self.url.encode())
        body, extra = spoil(self.mode, path, body)
        return body, status, {"Content-Type": kind, **extra}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
