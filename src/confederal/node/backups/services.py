"""Backing up a running node, and restoring it: the one place that copies a node's database wholesale.

A backup is a folder:

- ``manifest.json``: what is in it — the format and its version, when it was made, the database's engine,
  each file's SHA-256 digest and size, every ledger's size and root hash at the moment of the snapshot,
  and the node's public key;
- ``manifest.sha256``: the manifest's own digest, so a damaged manifest is caught too;
- ``database.sqlite3`` (SQLite): a consistent copy made with SQLite's online backup API while the node runs,
  or ``database.pgdump`` (PostgreSQL): ``pg_dump``'s custom format of one snapshot — the same snapshot the
  manifest's ledgers were read from;
- ``signing.key``: the node's Ed25519 key, its identity: without it no ledger of the node can be signed again;
- ``secret.key``: the node's Django secret when it is kept in the data directory (sessions outlive a restore);
- ``verify-state/…``: what ``confederal verify`` pinned on this machine (keys, last checkpoints), if anything.

Blobs (minutes, long proposals) live in the database, so they are in its copy. ``check_*`` validates and
refuses with :class:`Refused` before anything is written; ``do_*`` acts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import psycopg
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from psycopg import sql

from confederal import __version__
from confederal.ledger import Frontier, Signer

from ..errors import Refused

__all__ = [
    "BackupPlan",
    "LedgerState",
    "RestorePlan",
    "RestoreReport",
    "check_backup",
    "check_restore",
    "do_backup",
    "do_restore",
]

FORMAT = "confederal-backup"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
SQLITE_COPY = "database.sqlite3"
PG_COPY = "database.pgdump"
KEY = "signing.key"
SECRET = "secret.key"  # noqa: S105 — a file name, not a secret
PINS = "verify-state"
_TOP_FILES = {SQLITE_COPY, PG_COPY, KEY, SECRET}

_LEDGERS = "SELECT slug, origin, size, frontier, verifier_key FROM ledgers_ledger ORDER BY slug"
_BLOBS = "SELECT COUNT(*) FROM ledgers_blob"
_COUNT_LEDGERS = "SELECT COUNT(*) FROM ledgers_ledger"
_COUNT_USERS = "SELECT COUNT(*) FROM auth_user"
_SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
_PG_TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
_PG_SNAPSHOT = "SELECT pg_export_snapshot()"
_PG_DATABASE = "SELECT 1 FROM pg_database WHERE datname = %s"
_QUICK_CHECK = "SELECT * FROM pragma_quick_check"


@dataclass(frozen=True)
class LedgerState:
    """One ledger as a snapshot holds it."""

    slug: str
    origin: str
    size: int
    root: str  # hex
    verifier_key: str

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "origin": self.origin,
            "size": self.size,
            "root": self.root,
            "verifier_key": self.verifier_key,
        }


@dataclass(frozen=True)
class BackupPlan:
    target: Path
    verify_state: Path | None


@dataclass(frozen=True)
class RestorePlan:
    source: Path
    manifest: Mapping[str, Any]
    verify_state: Path
    force: bool
    held: str | None  # what the node holds now and a forced restore replaces, said as a phrase


@dataclass
class RestoreReport:
    ledgers: list[LedgerState]
    node_key: str | None
    pins_restored: int = 0
    pins_kept: int = 0
    moved_aside: Path | None = None
    notes: list[str] = field(default_factory=list)


# ── where things are ─────────────────────────────────────────────────────────────────────────────


def _engine() -> str:
    return "postgresql" if "postgresql" in str(settings.DATABASES["default"]["ENGINE"]) else "sqlite"


def _sqlite_path() -> Path:
    return Path(str(settings.DATABASES["default"]["NAME"]))


def _pg_params(dbname: str | None = None) -> dict[str, str]:
    db = settings.DATABASES["default"]
    params = {
        "host": str(db.get("HOST") or ""),
        "port": str(db.get("PORT") or ""),
        "user": str(db.get("USER") or ""),
        "password": str(db.get("PASSWORD") or ""),
        "dbname": dbname or str(db["NAME"]),
    }
    return {k: v for k, v in params.items() if v}


def _pg_env() -> dict[str, str]:
    """The environment pg_dump and pg_restore find the node's database server in (the password never on argv)."""
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({names[k]: v for k, v in _pg_params().items() if k in names})
    return env


def _tool(name: str) -> str:
    """The path of one of PostgreSQL's client programs, or a refusal saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise Refused(
            "backup_tool",
            _("%(name)s is not installed; on Debian, apt-get install postgresql-client.") % {"name": name},
        )
    return path


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files_under(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _states(rows: list[tuple[Any, ...]]) -> list[LedgerState]:
    return [
        LedgerState(
            slug=str(slug),
            origin=str(origin),
            size=int(size),
            root=Frontier.from_bytes(int(size), bytes(frontier)).root().hex(),
            verifier_key=str(key),
        )
        for slug, origin, size, frontier, key in rows
    ]


def _read_key(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


# ── backup ──────────────────────────────────────────────────────────────────────────────────────


def check_backup(target: Path, verify_state: Path | None) -> BackupPlan:
    """Check that a backup can be written at ``target``: a new or empty folder in a folder that exists.

    Raises:
        Refused: ``target`` holds something, or its folder is missing or not writable; nothing is written.
    """
    target = target.absolute()
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise Refused("backup_exists", _("%(path)s already exists and is not a folder.") % {"path": target})
        if any(target.iterdir()):
            raise Refused(
                "backup_exists",
                _("%(path)s is not empty: give a new or empty folder, so no earlier backup is overwritten.")
                % {"path": target},
            )
    parent = target.parent
    if not parent.is_dir():
        raise Refused("backup_no_folder", _("The folder %(path)s does not exist.") % {"path": parent})
    if not os.access(parent, os.W_OK | os.X_OK):
        raise Refused("backup_unwritable", _("Cannot write in %(path)s (permission denied).") % {"path": parent})
    key = Path(settings.SIGNING_KEY_FILE)
    if key.exists() and not os.access(key, os.R_OK):
        raise Refused("backup_key", _("Cannot read the node's signing key at %(path)s.") % {"path": key})
    if verify_state is not None and verify_state.exists() and not verify_state.is_dir():
        raise Refused("backup_pins", _("%(path)s is not a folder of verifier pins.") % {"path": verify_state})
    return BackupPlan(target, verify_state if verify_state is not None and verify_state.is_dir() else None)


def do_backup(plan: BackupPlan, now: datetime) -> dict[str, Any]:
    """Write the backup into a folder beside ``plan.target`` and rename it there once complete; return its manifest.

    Nothing half-written is ever left at the target: on any failure the partial folder is removed.

    Raises:
        Refused: the database could not be copied, or the disk filled up; nothing is left at the target.
    """
    work = Path(tempfile.mkdtemp(prefix=f".{plan.target.name}.partial-", dir=plan.target.parent))
    try:
        manifest = _write_backup(work, plan, now)
        for path in _files_under(work):
            _fsync(path)
        if plan.target.is_dir():
            plan.target.rmdir()  # checked empty; a folder that filled meanwhile makes this fail, and nothing is lost
        work.rename(plan.target)
        _fsync(plan.target.parent)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise Refused(
            "backup_failed",
            _("The backup could not be written (%(reason)s); nothing was left at %(path)s.")
            % {"reason": exc.strerror or exc, "path": plan.target},
        ) from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _write_backup(work: Path, plan: BackupPlan, now: datetime) -> dict[str, Any]:
    if _engine() == "sqlite":
        copy = work / SQLITE_COPY
        _sqlite_snapshot(_sqlite_path(), copy)
        ledgers, blobs = _sqlite_ledgers(copy)
    else:
        copy = work / PG_COPY
        ledgers, blobs = _pg_snapshot(copy)

    node_key = None
    key_text = _read_key(Path(settings.SIGNING_KEY_FILE))
    if key_text is not None:
        node_key = Signer.from_skey(key_text).verifier.vkey
        key_file = work / KEY
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key_text + "\n")
    elif ledgers:
        raise Refused(
            "backup_key",
            _("The node's signing key %(path)s is missing, yet it keeps ledgers: restore the key before backing up.")
            % {"path": settings.SIGNING_KEY_FILE},
        )
    secret = settings.DATA_DIR / "secret.key"
    if not os.environ.get("CONFEDERAL_SECRET_KEY") and secret.is_file():
        shutil.copyfile(secret, work / SECRET)
        os.chmod(work / SECRET, 0o600)

    pins = 0
    if plan.verify_state is not None:
        for path in _files_under(plan.verify_state):
            relative = path.relative_to(plan.verify_state)
            destination = work / PINS / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            pins += relative.parts[0] == "ledgers"

    files = {
        path.relative_to(work).as_posix(): {"sha256": _digest(path), "bytes": path.stat().st_size}
        for path in _files_under(work)
    }
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "made_by": f"confederal {__version__}",
        "created_at": now.isoformat(),
        "public_url": settings.PUBLIC_URL,
        "database": {"engine": _engine(), "file": copy.name},
        "node_key": node_key,
        "ledgers": [ledger.to_json() for ledger in ledgers],
        "blobs": {"count": blobs, "where": "in the database"},
        "verify_state": {"ledgers_pinned": pins} if plan.verify_state is not None else None,
        "files": files,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (work / MANIFEST).write_text(text)
    (work / MANIFEST_DIGEST).write_text(hashlib.sha256(text.encode()).hexdigest() + "  " + MANIFEST + "\n")
    return manifest


def _sqlite_snapshot(source_path: Path, copy: Path) -> None:
    """Copy a live SQLite database page by page in one read transaction: a snapshot of one moment."""
    source = sqlite3.connect(source_path, timeout=30)
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    os.chmod(copy, 0o600)  # password hashes and token digests are in it


def _sqlite_ledgers(path: Path) -> tuple[list[LedgerState], int]:
    conn = sqlite3.connect(path)
    try:
        tables = {row[0] for row in conn.execute(_SQLITE_TABLES)}
        if "ledgers_ledger" not in tables:
            return [], 0
        return _states(conn.execute(_LEDGERS).fetchall()), int(conn.execute(_BLOBS).fetchone()[0])
    finally:
        conn.close()


def _pg_snapshot(copy: Path) -> tuple[list[LedgerState], int]:
    """Dump the database with pg_dump from the very snapshot the ledgers' sizes and roots are read from."""
    with psycopg.connect(**_pg_params()) as conn:  # type: ignore[arg-type]
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        row = conn.execute(_PG_SNAPSHOT).fetchone()
        assert row is not None
        tables = {r[0] for r in conn.execute(_PG_TABLES).fetchall()}
        ledgers, blobs = [], 0
        if "ledgers_ledger" in tables:
            ledgers = _states(conn.execute(_LEDGERS).fetchall())
            counted = conn.execute(_BLOBS).fetchone()
            blobs = int(counted[0]) if counted else 0
        dumped = subprocess.run(  # noqa: S603 — PostgreSQL's own tool, arguments from the node's settings
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-password",
                f"--snapshot={row[0]}",
                f"--file={copy}",
                f"--dbname={_pg_params()['dbname']}",
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
            check=False,
        )
    if dumped.returncode == 0:
        os.chmod(copy, 0o600)
    if dumped.returncode != 0:
        raise Refused(
            "backup_failed",
            _("pg_dump could not copy the database: %(reason)s") % {"reason": dumped.stderr.strip()},
        )
    return ledgers, blobs


# ── restore ─────────────────────────────────────────────────────────────────────────────────────


def _damaged(what: str) -> Refused:
    return Refused("backup_damaged", _("The backup is damaged: %(what)s. Nothing was restored.") % {"what": what})


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return False
    return name in _TOP_FILES or (path.parts[0] == PINS and len(path.parts) > 1)


def _read_manifest(source: Path) -> dict[str, Any]:
    if not source.is_dir():
        raise Refused("backup_missing", _("%(path)s is not a folder holding a backup.") % {"path": source})
    try:
        text = (source / MANIFEST).read_bytes()
        recorded = (source / MANIFEST_DIGEST).read_text().split()
    except FileNotFoundError as exc:
        raise _damaged(_("%(name)s is missing") % {"name": Path(str(exc.filename)).name}) from exc
    except OSError as exc:
        raise Refused("backup_unreadable", _("Cannot read the backup: %(reason)s.") % {"reason": exc.strerror}) from exc
    if not recorded or hashlib.sha256(text).hexdigest() != recorded[0]:
        raise _damaged(_("its manifest does not match the manifest's digest"))
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise _damaged(_("its manifest is not readable")) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged(_("its manifest is not a Confederal backup's"))
    if manifest.get("version") != VERSION:
        raise Refused(
            "backup_version",
            _("This backup is in format %(version)s, which this Confederal (%(mine)s) cannot read; upgrade it first.")
            % {"version": manifest.get("version"), "mine": __version__},
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
        raise _damaged(_("its manifest lists no files"))
    for name, info in sorted(files.items()):
        if not _safe_name(name):
            raise _damaged(_("its manifest names a file outside the backup (%(name)s)") % {"name": name})
        path = source / name
        if not path.is_file():
            raise _damaged(_("%(name)s is missing") % {"name": name})
        if path.stat().st_size != info.get("bytes") or _digest(path) != info.get("sha256"):
            raise _damaged(_("%(name)s does not match its digest in the manifest") % {"name": name})
    database = manifest.get("database")
    if (
        not isinstance(database, dict)
        or database.get("file") not in files
        or (KEY not in files and manifest.get("ledgers"))
    ):
        raise _damaged(_("it holds no database or no signing key"))
    return manifest


def _held_sqlite() -> str | None:
    path = _sqlite_path()
    if not path.exists():
        return None
    conn = sqlite3.connect(path, timeout=30)
    try:
        tables = {row[0] for row in conn.execute(_SQLITE_TABLES)}
        ledgers = int(conn.execute(_COUNT_LEDGERS).fetchone()[0]) if "ledgers_ledger" in tables else 0
        users = int(conn.execute(_COUNT_USERS).fetchone()[0]) if "auth_user" in tables else 0
    finally:
        conn.close()
    return _held(ledgers, users, path)


def _held(ledgers: int, users: int, where: object) -> str | None:
    if not ledgers and not users:
        return None
    return _("%(ledgers)s and %(users)s in %(where)s") % {
        "ledgers": ngettext("%(n)s ledger", "%(n)s ledgers", ledgers) % {"n": ledgers},
        "users": ngettext("%(n)s account", "%(n)s accounts", users) % {"n": users},
        "where": where,
    }


def _pg_exists() -> bool:
    try:
        with psycopg.connect(**_pg_params(), connect_timeout=10):  # type: ignore[arg-type]
            return True
    except psycopg.OperationalError as exc:
        if exc.sqlstate == "3D000" or "does not exist" in str(exc):
            return False
        raise Refused(
            "restore_database", _("Cannot reach the node's database: %(reason)s") % {"reason": str(exc).strip()}
        ) from exc


def _held_pg() -> str | None:
    if not _pg_exists():
        return None
    with psycopg.connect(**_pg_params()) as conn:  # type: ignore[arg-type]
        tables = {r[0] for r in conn.execute(_PG_TABLES).fetchall()}
        ledgers = users = 0
        if "ledgers_ledger" in tables:
            ledgers = int(conn.execute(_COUNT_LEDGERS).fetchone()[0])  # type: ignore[index]
        if "auth_user" in tables:
            users = int(conn.execute(_COUNT_USERS).fetchone()[0])  # type: ignore[index]
    return _held(ledgers, users, _("the database %(name)s") % {"name": _pg_params()["dbname"]})


def check_restore(source: Path, *, force: bool, verify_state: Path) -> RestorePlan:
    """Check a backup against its manifest's digests, and that this node may take it, before anything changes.

    Raises:
        Refused: the backup is damaged or of another database engine, or this node holds data or another key
            and ``force`` is not given; nothing was changed.
    """
    source = source.absolute()
    manifest = _read_manifest(source)
    engine = manifest["database"].get("engine")
    if engine != _engine():
        raise Refused(
            "restore_engine",
            _("This backup holds a %(theirs)s database, but this node is set up for %(mine)s; nothing was restored.")
            % {"theirs": engine, "mine": _engine()},
        )
    held = _held_sqlite() if _engine() == "sqlite" else _held_pg()
    key_path = Path(settings.SIGNING_KEY_FILE)
    current_key = _read_key(key_path)
    backup_key = _read_key(source / KEY)
    other_key = current_key is not None and current_key != backup_key
    if not force and held:
        raise Refused(
            "restore_not_empty",
            _(
                "This node already holds data (%(held)s); restoring would replace it. Nothing was restored: "
                "run again with --force if that is what you want."
            )
            % {"held": held},
        )
    if not force and other_key:
        raise Refused(
            "restore_other_key",
            _(
                "This node already has another signing key, %(path)s: another node's identity. Nothing was restored: "
                "run again with --force to replace it (the old key is kept beside it)."
            )
            % {"path": key_path},
        )
    if verify_state.exists() and not verify_state.is_dir():
        raise Refused("restore_pins", _("%(path)s is not a folder of verifier pins.") % {"path": verify_state})
    return RestorePlan(source, manifest, verify_state, force, held or (_("a signing key") if other_key else None))


def do_restore(plan: RestorePlan, now: datetime) -> RestoreReport:
    """Put the backup's database, key, secret and pins in place, then check the ledgers against the manifest.

    With ``force``, the SQLite database and the key this node had are moved into a folder beside them first.

    Raises:
        Refused: the database could not be restored (PostgreSQL: nothing of it was kept, in one transaction).
    """
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    aside = settings.DATA_DIR / f"before-restore-{stamp}"
    report = RestoreReport([], plan.manifest.get("node_key"))
    if _engine() == "sqlite":
        moved = _restore_sqlite(plan.source / SQLITE_COPY, aside)
    else:
        moved = _restore_pg(plan.source / PG_COPY)
    moved |= _restore_file(plan.source / KEY, Path(settings.SIGNING_KEY_FILE), aside)
    if (plan.source / SECRET).is_file() and not os.environ.get("CONFEDERAL_SECRET_KEY"):
        _restore_file(plan.source / SECRET, settings.DATA_DIR / "secret.key", None)
    if moved:
        report.moved_aside = aside

    pins = plan.source / PINS
    if pins.is_dir():
        for path in _files_under(pins):
            relative = path.relative_to(pins)
            destination = plan.verify_state / relative
            pin = relative.parts[0] == "ledgers"  # one file per ledger pinned; the others say which address served it
            if destination.exists():
                report.pins_kept += pin
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            report.pins_restored += pin

    report.ledgers = _restored_ledgers()
    expected = [LedgerState(**ledger) for ledger in plan.manifest["ledgers"]]
    if report.ledgers != expected:
        raise Refused(
            "restore_mismatch",
            _("The restored database does not hold the ledgers the manifest lists; do not start the node on it."),
        )
    return report


def _replace_atomically(content_from: Path, destination: Path, mode: int) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(destination.name + ".restoring")
    shutil.copyfile(content_from, tmp)
    os.chmod(tmp, mode)
    _fsync(tmp)
    os.replace(tmp, destination)
    _fsync(destination.parent)


def _move_aside(path: Path, aside: Path | None) -> bool:
    if not path.exists():
        return False
    if aside is None:
        path.unlink()
        return False
    aside.mkdir(parents=True, exist_ok=True)
    os.replace(path, aside / path.name)
    return True


def _restore_file(source: Path, destination: Path, aside: Path | None) -> bool:
    if not source.is_file():
        return False
    moved = False
    if destination.exists() and destination.read_bytes() != source.read_bytes():
        moved = _move_aside(destination, aside)
    _replace_atomically(source, destination, 0o600)
    return moved


def _restore_sqlite(copy: Path, aside: Path) -> bool:
    database = _sqlite_path()
    tmp = database.with_name(database.name + ".restoring")
    shutil.copyfile(copy, tmp)
    os.chmod(tmp, 0o600)
    conn = sqlite3.connect(tmp)
    try:
        ok = conn.execute(_QUICK_CHECK).fetchone()
    finally:
        conn.close()
    if not ok or ok[0] != "ok":
        tmp.unlink()
        raise _damaged(_("its database does not pass SQLite's check"))
    _fsync(tmp)
    moved = False
    # The old write-ahead log goes with the old database: replayed onto the restored one, it would corrupt it.
    for suffix in ("", "-wal", "-shm"):
        moved |= _move_aside(database.with_name(database.name + suffix), aside)
    os.replace(tmp, database)
    _fsync(database.parent)
    return moved


def _restore_pg(dump: Path) -> bool:
    name = _pg_params()["dbname"]
    if not _pg_exists():
        try:
            with psycopg.connect(**_pg_params("postgres"), autocommit=True) as admin:  # type: ignore[arg-type]
                if not admin.execute(_PG_DATABASE, (name,)).fetchone():
                    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise Refused(
                "restore_database",
                _("The database %(name)s does not exist and could not be created: %(reason)s")
                % {"name": name, "reason": str(exc).strip()},
            ) from exc
    with psycopg.connect(**_pg_params()) as conn:  # type: ignore[arg-type]
        has_tables = bool(conn.execute(_PG_TABLES).fetchall())
    command = [
        "pg_restore",
        "--no-password",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
    ]
    if has_tables:
        command += ["--clean", "--if-exists"]
    restored = subprocess.run(  # noqa: S603 — PostgreSQL's own tool, arguments from the node's settings
        [*command, f"--dbname={name}", str(dump)], env=_pg_env(), capture_output=True, text=True, check=False
    )
    if restored.returncode != 0:
        raise Refused(
            "restore_failed",
            _("pg_restore could not restore the database, and changed nothing in it: %(reason)s")
            % {"reason": restored.stderr.strip()},
        )
    return False


def _restored_ledgers() -> list[LedgerState]:
    if _engine() == "sqlite":
        return _sqlite_ledgers(_sqlite_path())[0]
    with psycopg.connect(**_pg_params()) as conn:  # type: ignore[arg-type]
        return _states(conn.execute(_LEDGERS).fetchall())
