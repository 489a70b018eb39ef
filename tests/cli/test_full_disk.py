"""A node whose storage stops taking writes says so (503, one sentence), keeps serving reads, loses nothing it
acknowledged, and takes writes again once there is room.

On SQLite the node's data directory is a real filesystem of fixed size (a 8 MB tmpfs, mounted here, which needs
root) filled to the last byte, so SQLite meets ENOSPC. (``chmod`` would not do: root writes through it, and a node
keeps its database open.) On PostgreSQL the database lives on a server other tests share, whose disk a test cannot
fill; there the node's database is made read-only (``default_transaction_read_only``), the nearest real fault.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.acts import api_token, found, ledgers
from tests.support.nodes import CONFEDERAL, _pg_admin, run, start_node, stop_node


@contextlib.contextmanager
def small_filesystem(path: Path, size: str = "8m") -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "--lazy", str(path)], check=False)


def fill(directory: Path) -> Path:
    """Fill the filesystem holding ``directory`` to the last byte; return the ballast file."""
    ballast = directory / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (64 << 10, 4096, 512, 1):
            with contextlib.suppress(OSError):  # ENOSPC: on to smaller writes, down to the last byte
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return ballast


def _pg_read_only(node, on: bool) -> None:
    name = node.db.pg_url.rsplit("/", 1)[1]
    setting = "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
    _pg_admin(f'ALTER DATABASE "{name}" {setting}')
    # The node's open connections keep the old setting; end them, and it reconnects with the new one.
    _pg_admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")  # noqa: S608


def _answer(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read()


@pytest.mark.slow
def test_a_node_out_of_storage_answers_503_keeps_reading_loses_nothing_and_recovers(template, tmp_path):
    started = time.monotonic()
    on_pg = bool(template[1])
    with contextlib.ExitStack() as stack:
        root = tmp_path if on_pg else stack.enter_context(small_filesystem(tmp_path / "small"))
        node = start_node(template, root)
        stack.callback(stop_node, node)
        token = api_token(node.env)
        acknowledged = [slug for slug in (f"before-{i}" for i in range(3)) if found(node.url, token, slug) == 201]
        assert len(acknowledged) == 3

        ballast = None
        if on_pg:
            _pg_read_only(node, True)
        else:
            ballast = fill(node.data_dir)
        # Writes may still land in space SQLite already holds; the first one that needs more is refused.
        statuses: list[int] = []
        for i in range(400):
            slug = f"full-{i}"
            request = urllib.request.Request(
                node.url + "/api/assemblies",
                data=json.dumps(
                    {"name": f"Cell {i}", "slug": slug, "focus": "care", "principles": "p", "public_name": "Amara"}
                ).encode(),
                method="POST",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    statuses.append(response.status)
                    acknowledged.append(slug)
            except urllib.error.HTTPError as answer:
                statuses.append(answer.code)
                refusal = answer
                body = json.loads(answer.read())
                break
        else:
            pytest.fail(f"400 writes went through on a full disk: {statuses[-5:]}")
        assert refusal.code == 503, (refusal.code, body)
        assert body["code"] == "storage_unavailable"
        assert body["detail"].startswith("This node cannot store anything right now: its disk is full")
        assert refusal.headers["Retry-After"] == "60"
        assert set(statuses[:-1]) <= {201}  # never a 500 on the way
        # Reads go on: pages and the API, and every acknowledged act is there.
        status, html = _answer(node.url + "/ledgers/food-hub/")
        assert status == 200
        assert b"Ledger of Riverside Food Hub" in html
        present = ledgers(node.url)
        assert [slug for slug in acknowledged if slug not in present] == []
        refused_while_full = len(statuses)

        # Room again: writes work again, by themselves.
        if on_pg:
            _pg_read_only(node, False)
        else:
            os.unlink(ballast)
        assert found(node.url, token, f"after-{uuid.uuid4().hex[:6]}") == 201
        present = ledgers(node.url)
        assert [slug for slug in acknowledged if present.get(slug, {}).get("size", 0) < 2] == []
        checked = run([CONFEDERAL, "verify", node.ledger_url, "--state-dir", str(tmp_path / "pins")])
        assert checked.returncode == 0, checked.stderr
        for slug in acknowledged[-2:]:
            one = run([CONFEDERAL, "verify", f"{node.url}/ledgers/{slug}", "--state-dir", str(tmp_path / "pins")])
            assert one.returncode == 0, one.stderr
    print(
        f"\nout of storage ({'read-only PostgreSQL database' if on_pg else 'full 8 MB tmpfs'}): "
        f"{refused_while_full - 1} writes still fitted, then 503; {len(acknowledged)} acknowledged, lost 0; "
        f"{time.monotonic() - started:.1f} s"
    )
