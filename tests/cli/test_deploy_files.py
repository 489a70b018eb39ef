"""The files docs/DEPLOY.md tells an operator to install say what the code understands.

(The nginx site is run for real by tests/browser/test_tls_proxy.py.)
"""

from __future__ import annotations

import getpass
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from confederal.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETTINGS = ROOT / "src" / "confederal" / "node" / "settings.py"


def unit_lines(key: str) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in (DEPLOY / "confederal.service").read_text().splitlines()
        if line.startswith(key + "=")
    ]


@pytest.mark.parametrize("name", ["confederal.service", "confederal-backup.service", "confederal-backup.timer"])
def test_systemd_accepts_the_units_as_written(tmp_path, name):
    # Pointed at this checkout's command and settings file: systemd checks that both exist.
    for unit in ("confederal.service", "confederal-backup.service", "confederal-backup.timer"):
        text = (DEPLOY / unit).read_text()
        text = text.replace("/opt/confederal/.venv/bin/confederal", str(Path(sys.executable).parent / "confederal"))
        text = text.replace("/etc/confederal/node.env", str(DEPLOY / "node.env"))
        (tmp_path / unit).write_text(text)
    checked = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == "", checked.stderr  # "Unknown key …" is only a warning to systemd


def test_the_unit_starts_the_node_with_arguments_the_command_takes():
    (start,) = unit_lines("ExecStart")
    command, *arguments = shlex.split(start)
    assert command.endswith("/.venv/bin/confederal")
    parsed = build_parser().parse_args(arguments)
    assert parsed.command == "serve"
    assert parsed.host == "127.0.0.1"  # only the proxy reaches it


def test_every_setting_in_the_example_is_one_the_node_reads():
    read = set(re.findall(r"CONFEDERAL_[A-Z_]+", SETTINGS.read_text()))
    written = [
        line.split("=", 1)[0]
        for line in (DEPLOY / "node.env").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert written, "the example sets nothing"
    unknown = [name for name in written if name not in read]
    assert not unknown, f"node.env sets what settings.py never reads: {unknown}"


@pytest.mark.slow
def test_migrating_again_through_the_operators_wrapper_changes_nothing(tmp_path):
    # As an upgrade does it: the wrapper reads the settings file and runs the command as the node's user.
    settings = tmp_path / "node.env"
    settings.write_text(f"# a test node\nCONFEDERAL_DATA_DIR={tmp_path / 'data'}\nCONFEDERAL_TIME_ZONE=UTC\n")
    env = {
        "PATH": os.environ["PATH"],
        "CONFEDERAL_ENV_FILE": str(settings),
        "CONFEDERAL_HOME": str(Path(sys.executable).parents[1].parent),
        "CONFEDERAL_USER": getpass.getuser(),
    }

    def node(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DEPLOY / "confederal-node"), *arguments],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    first = node("manage", "migrate", "--no-input")
    assert first.returncode == 0, first.stderr
    assert "Applying" in first.stdout
    assert (tmp_path / "data" / "confederal.sqlite3").exists()  # the settings file was read
    again = node("manage", "migrate", "--no-input")
    assert again.returncode == 0, again.stderr
    assert "No migrations to apply." in again.stdout

    env["CONFEDERAL_ENV_FILE"] = str(tmp_path / "missing.env")
    missing = node("manage", "migrate")
    assert missing.returncode == 2
    assert "cannot read the node's settings" in missing.stderr
