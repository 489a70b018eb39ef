"""Real node processes for tests, and raw access to their databases (as a node's operator has)."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

BIN = Path(sys.executable).parent
CONFEDERAL = str(BIN / "confederal")
PG_URL = os.environ.get("CONFEDERAL_DATABASE_URL")


def _port_range() -> range:
    """Where this run's nodes listen: ``CONFEDERAL_TEST_PORTS`` ("20000-25999"), below the ephemeral ports.

    ``scripts/test`` gives its two side-by-side passes ranges that do not overlap, so neither can take a
    port the other's templates are seeded for.
    """
    low, _, high = os.environ.get("CONFEDERAL_TEST_PORTS", "20000-31999").partition("-")
    return range(int(low), int(high) + 1)


_PORTS = _port_range()
# Ports are handed out in turn from a random start: a port is not handed out again until the whole range
# has been, so a node never takes the port a stopped node's template (or another test) was given.
_next_port = random.randrange(len(_PORTS))


def free_port(count: int = 1) -> int:
    """The first of ``count`` consecutive loopback ports that are free now and were not handed out lately."""
    global _next_port
    for _ in range(len(_PORTS)):
        first = _PORTS[_next_port % len(_PORTS)]
        _next_port += count
        if first + count - 1 > _PORTS[-1]:
            continue
        try:
            with contextlib.ExitStack() as stack:
                for port in range(first, first + count):
                    s = stack.enter_context(socket.socket())
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {count} free consecutive ports in {_PORTS.start}-{_PORTS.stop - 1}")


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFEDERAL_", "DJANGO_"))}
    env["CONFEDERAL_DATA_DIR"] = str(data_dir)
    # Test nodes serve and follow each other on 127.0.0.1, which a node refuses as a peer unless told.
    env["CONFEDERAL_ALLOW_PRIVATE_PEERS"] = "1"
    return env


def run(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 120, **kw: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, check=False, **kw)


_FORGE = """
import json, sys
from confederal import records
from confederal.node.clock import now
from confederal.node.federation.services import index_local
from confederal.node.ledgers.models import Ledger
from confederal.node.ledgers.services import Record, append_in_transaction, publish
from django.db import transaction
slug, items = json.load(sys.stdin)
ledger = Ledger.objects.get(slug=slug)
written = [Record(records.parse(kind, body)) for kind, body in items]
with transaction.atomic():
    seqs = append_in_transaction(ledger, written, now())
    index_local(ledger, seqs, written)
publish(ledger, now())
print(json.dumps(seqs))
"""


def forge(env: dict[str, str], slug: str, items: list[tuple[str, Any]]) -> list[int]:
    """Write records straight into a node's ledger, around every check the pages and services make.

    What an operator with a shell on the node could do: the entries are signed by the node's
    key like any act of the assembly. Tests use it to show that audits and folds judge what a
    ledger holds, not what the services allowed.
    """
    import json

    result = run([CONFEDERAL, "manage", "shell", "-c", _FORGE], env=env, input=json.dumps([slug, items]))
    assert result.returncode == 0, result.stderr
    return [int(s) for s in json.loads(result.stdout.strip().splitlines()[-1])]


class _Unfollowed(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


#: Answers redirects with an HTTPError instead of following them.
UNFOLLOWED = urllib.request.build_opener(_Unfollowed)


def wait_for_http(url: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Wait until ``url`` answers; a redirect is an answer (a node behind a TLS proxy sends plain HTTP there)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"node exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with UNFOLLOWED.open(url, timeout=2):
                return
        except urllib.error.HTTPError as answer:
            if 300 <= answer.code < 400:
                return
            time.sleep(0.1)
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen[str], timeout: float = 15) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


@dataclass
class NodeDB:
    """SQL on a node's database, with %s placeholders on either backend."""

    sqlite_path: Path | None = None
    pg_url: str | None = None

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.pg_url:
            with psycopg.connect(self.pg_url, autocommit=True) as conn, conn.cursor() as cur:
                cur.execute(sql, params)
                return (
                    [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cur.fetchall()]
                    if cur.description
                    else []
                )
        conn = sqlite3.connect(str(self.sqlite_path), timeout=30)
        try:
            with conn:
                cur = conn.execute(sql.replace("%s", "?"), params)
                return cur.fetchall()
        finally:
            conn.close()

    def execute_all(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Run ``statements`` in one transaction: the node sees all of them or none."""
        if self.pg_url:
            with psycopg.connect(self.pg_url) as conn, conn.cursor() as cur:
                for sql, params in statements:
                    cur.execute(sql, params)  # type: ignore[arg-type]
            return
        conn = sqlite3.connect(str(self.sqlite_path), timeout=30)
        try:
            with conn:
                for sql, params in statements:
                    conn.execute(sql.replace("%s", "?"), params)
        finally:
            conn.close()


@dataclass
class Node:
    url: str
    data_dir: Path
    db: NodeDB
    proc: subprocess.Popen[str] | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def ledger_url(self) -> str:
        return f"{self.url}/ledgers/food-hub"


def _pg_admin(sql: str) -> None:
    assert PG_URL
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


SQLITE_FILES = ("confederal.sqlite3", "confederal.sqlite3-wal", "confederal.sqlite3-shm")


def migrated_database(root: Path) -> tuple[Path, str | None]:
    """An empty node database with every migration applied, made once per run: seeded templates start from it."""
    data = root / "migrated"
    data.mkdir()
    env = base_env(data)
    pg_name = None
    if PG_URL:
        pg_name = f"confederal_mig_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{pg_name}"')
        env["CONFEDERAL_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + pg_name
    result = run([CONFEDERAL, "manage", "migrate", "-v0"], env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return data, pg_name


def copy_migrated(migrated: tuple[Path, str | None], data: Path, prefix: str) -> str | None:
    """Copy the migrated database (only the database: each node makes its own keys) into ``data``."""
    for name in SQLITE_FILES:
        if (migrated[0] / name).exists():
            shutil.copy2(migrated[0] / name, data / name)
    if migrated[1] is None:
        return None
    pg_name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{pg_name}" TEMPLATE "{migrated[1]}"')
    return pg_name


def seeded_template(root: Path, migrated: tuple[Path, str | None]) -> tuple[Path, str | None]:
    """Build a node database with the demo seeded, once; nodes start from copies of it."""
    data = root / "template"
    data.mkdir()
    env = base_env(data)
    pg_name = copy_migrated(migrated, data, "confederal_tpl")
    if pg_name:
        env["CONFEDERAL_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + pg_name  # type: ignore[union-attr]
    result = run([CONFEDERAL, "manage", "seed_demo"], env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return data, pg_name


def drop_database(name: str) -> None:
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_node(
    template: tuple[Path, str | None],
    root: Path,
    *,
    public_url: str | None = None,
    settings: dict[str, str] | None = None,
) -> Node:
    """A node serving on a free loopback port (its ``url``), reached at ``public_url`` (by default the same)."""
    data = root / f"node-{uuid.uuid4().hex[:8]}"
    shutil.copytree(template[0], data)
    port = free_port()
    env = base_env(data)
    env["CONFEDERAL_PUBLIC_URL"] = public_url or f"http://127.0.0.1:{port}"
    env.update(settings or {})
    if template[1]:
        name = f"confederal_node_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template[1]}"')
        env["CONFEDERAL_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + name  # type: ignore[union-attr]
        db = NodeDB(pg_url=env["CONFEDERAL_DATABASE_URL"])
    else:
        db = NodeDB(sqlite_path=data / "confederal.sqlite3")
    proc = subprocess.Popen(
        [CONFEDERAL, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    node = Node(f"http://127.0.0.1:{port}", data, db, proc, env)
    wait_for_http(node.url + "/ledgers", proc)
    return node


def stop_node(node: Node) -> None:
    if node.proc:
        stop(node.proc)
    if node.db.pg_url:
        drop_database(node.db.pg_url.rsplit("/", 1)[1])
