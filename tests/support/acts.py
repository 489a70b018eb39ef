"""Acts made against a real node as fast as a client can, remembering which ones the node acknowledged."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from tests.support.nodes import CONFEDERAL, Node, run, wait_for_http

_TOKEN = """
from django.contrib.auth.models import User
from confederal.node.accounts.services import do_create_token
from confederal.node.clock import now
user = User.objects.get(username={username!r})
print(do_create_token(user, "faults", now()))
"""


def api_token(env: dict[str, str], username: str = "amara") -> str:
    """An API token for a demo member, made as the node's operator would (``confederal manage shell``)."""
    result = run([CONFEDERAL, "manage", "shell", "-c", _TOKEN.format(username=username)], env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def found(url: str, token: str, slug: str, timeout: float = 10) -> int:
    """Found an assembly through the API (its ledger gets its charter and its founder); return the status."""
    body = {
        "name": f"Cell {slug}",
        "slug": slug,
        "focus": "care",
        "principles": "We meet weekly.",
        "public_name": "Amara",
    }
    request = urllib.request.Request(
        url + "/api/assemblies",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as answer:
        return int(answer.code)


@dataclass
class Founder:
    """Founds assemblies one after another, as fast as the node answers, until stopped or the node is gone.

    ``acknowledged`` holds the slugs the node answered 2xx for, with the monotonic time of the answer.
    """

    url: str
    token: str
    prefix: str
    acknowledged: list[tuple[str, float]] = field(default_factory=list)
    failed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _n: int = 0

    def start(self) -> Founder:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            slug = f"{self.prefix}-{self._n}"
            self._n += 1
            try:
                status = found(self.url, self.token, slug)
            except (urllib.error.URLError, OSError):
                self.failed += 1  # the node is gone, or went away mid-answer: not acknowledged
                time.sleep(0.01)
                continue
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                self.acknowledged.append((slug, time.monotonic()))

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count:
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} acts acknowledged: {self.statuses}"
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15)


def restart(node: Node) -> None:
    """Start ``confederal serve`` again for a node that was stopped or killed: same data, same port, same settings."""
    port = node.url.rsplit(":", 1)[1]
    node.proc = subprocess.Popen(
        [CONFEDERAL, "serve", "--port", port], env=node.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    wait_for_http(node.url + "/ledgers", node.proc)


def ledgers(url: str) -> dict[str, dict[str, Any]]:
    """The node's ledgers by slug, as its API lists them (size and root of the latest signed checkpoint)."""
    request = urllib.request.Request(url + "/api/ledgers", headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return {ledger["slug"]: ledger for ledger in json.load(response)}
