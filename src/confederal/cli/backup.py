"""``confederal backup`` and ``confederal restore``: a whole node, into a folder and back (node/backups/services.py)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import verify

__all__ = ["add_backup_arguments", "add_restore_arguments", "run_backup", "run_restore"]

BACKUP_DESCRIPTION = (
    "Writes a consistent snapshot of this node while it runs — its database (SQLite's online backup, or pg_dump), "
    "its signing key, its secret, and what `confederal verify` pinned on this machine — into PATH, a new or empty "
    "folder, with a manifest of every file's digest and every ledger's size and root. Settings come from the same "
    "CONFEDERAL_* variables as `serve`. The signing key is the node's identity: keep backups where strangers cannot "
    "read them."
)
RESTORE_DESCRIPTION = (
    "Checks the backup in PATH against its manifest, then puts its database, signing key and pins in place for this "
    "node (settings from the CONFEDERAL_* variables). Stop the node first. A node that already holds data or another "
    "key is refused unless --force is given."
)


def add_backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="a new (or empty) folder to write the backup into")
    parser.add_argument(
        "--verify-state",
        type=Path,
        default=None,
        help="the pins of `confederal verify` to include (default: its own default folder, if it exists)",
    )


def add_restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the backup's folder")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the data and key this node holds (SQLite's database and the key are moved aside, not deleted)",
    )
    parser.add_argument(
        "--verify-state",
        type=Path,
        default=None,
        help="where to put the backup's verifier pins (default: the folder `confederal verify` uses); pins already "
        "there are kept",
    )


def _setup() -> None:
    from .main import _setup_django

    _setup_django()


def run_backup(args: argparse.Namespace) -> int:
    _setup()
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from confederal.node import clock
    from confederal.node.backups.services import check_backup, do_backup
    from confederal.node.errors import Refused

    started = time.monotonic()
    pins = args.verify_state if args.verify_state is not None else verify.default_state_dir()
    try:
        manifest = do_backup(check_backup(args.path, pins), clock.now())
    except Refused as exc:
        print(_("confederal backup: %(message)s") % {"message": exc.message}, file=sys.stderr)
        return 1
    ledgers = manifest["ledgers"]
    pinned = manifest["verify_state"]["ledgers_pinned"] if manifest["verify_state"] else 0
    print(
        _(
            "Backed up %(ledgers)s ledgers (%(entries)s entries), %(blobs)s blobs, the node's key and %(pins)s "
            "into %(path)s in %(seconds).1f s."
        )
        % {
            "ledgers": len(ledgers),
            "entries": sum(ledger["size"] for ledger in ledgers),
            "blobs": manifest["blobs"]["count"],
            "pins": ngettext("the verifier's pin of %(n)s ledger", "the verifier's pins of %(n)s ledgers", pinned)
            % {"n": pinned}
            if manifest["verify_state"]
            else _("no verifier pins"),
            "path": args.path.absolute(),
            "seconds": time.monotonic() - started,
        }
    )
    if manifest["node_key"]:
        print(_("The node's public key is %(key)s.") % {"key": manifest["node_key"]})
    print(_("It holds the node's secret signing key: keep it where only you can read it."))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    _setup()
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from confederal.node import clock
    from confederal.node.backups.services import check_restore, do_restore
    from confederal.node.errors import Refused

    pins = args.verify_state if args.verify_state is not None else verify.default_state_dir()
    try:
        plan = check_restore(args.path, force=args.force, verify_state=pins)
        report = do_restore(plan, clock.now())
    except Refused as exc:
        print(_("confederal restore: %(message)s") % {"message": exc.message}, file=sys.stderr)
        return 1
    print(
        _("Restored %(ledgers)s ledgers (%(entries)s entries) made on %(when)s, and the node's key %(key)s.")
        % {
            "ledgers": len(report.ledgers),
            "entries": sum(ledger.size for ledger in report.ledgers),
            "when": plan.manifest["created_at"],
            "key": report.node_key,
        }
    )
    if report.moved_aside:
        print(_("What this node held before is kept in %(path)s.") % {"path": report.moved_aside})
    if report.pins_restored or report.pins_kept:
        print(
            ngettext(
                "The verifier's pin of %(restored)s ledger restored into %(path)s (%(kept)s already there kept).",
                "The verifier's pins of %(restored)s ledgers restored into %(path)s (%(kept)s already there kept).",
                report.pins_restored,
            )
            % {"restored": report.pins_restored, "kept": report.pins_kept, "path": plan.verify_state}
        )
    print(_("Next: confederal manage migrate (if this Confederal is newer), then confederal serve."))
    return 0
