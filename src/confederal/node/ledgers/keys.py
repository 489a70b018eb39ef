"""The node's signing key: one Ed25519 key, named per ledger by the ledger's origin."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from confederal.ledger import Signer, Verifier

from .models import Ledger

__all__ = ["KeyError_", "key_trouble", "ledger_signer", "ledger_verifier", "node_signer", "operator_signer"]

_lock = threading.Lock()
_cache: dict[Path, Signer] = {}
_operators: dict[str, Signer] = {}


class KeyError_(RuntimeError):
    """The node's key is missing or does not match its ledgers."""


def node_signer() -> Signer:
    """Return the node's key, creating it on first use if no ledger exists yet.

    Raises:
        KeyError_: the key file is gone while ledgers signed by it exist, or is unreadable.
    """
    path = Path(settings.SIGNING_KEY_FILE)
    with _lock:
        if path in _cache:
            return _cache[path]
        if not path.exists():
            if Ledger.objects.exists():
                raise KeyError_(
                    f"The signing key file {path} is missing, but this node already keeps ledgers signed "
                    "with it. Restore it from a backup: a new key would make every ledger look forged."
                )
            _create_key_file(path)
        try:
            signer = Signer.from_skey(path.read_text().strip())
        except ValueError as exc:
            raise KeyError_(f"The signing key file {path} is not a valid key: {exc}") from exc
        _cache[path] = signer
        return signer


def key_trouble() -> str | None:
    """What is wrong with the node's key, in a sentence for its operator, or None. Never creates a key."""
    path = Path(settings.SIGNING_KEY_FILE)
    with _lock:
        if path in _cache:
            return None
    if not path.exists():
        if Ledger.objects.exists():
            return _("the key file is missing, but ledgers signed with it exist. Restore it from a backup.")
        return None  # a new node: the key is made with its first ledger
    try:
        Signer.from_skey(path.read_text().strip())
    except (OSError, ValueError):
        return _("the key file cannot be read as a key. Restore it from a backup.")
    return None


def operator_signer() -> Signer:
    """The key the node's operator appends notes as: derived from the node's key, so nothing more to back up."""
    node = node_signer()
    with _lock:
        derived = _operators.get(node.verifier.vkey)
        if derived is None:
            derived = _operators[node.verifier.vkey] = node.derive("operator")
        return derived


def _create_key_file(path: Path) -> None:
    """Write a new key durably: the ledgers it will sign are committed to disk, so must it be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = Signer(settings.ORIGIN_BASE.split("/")[0] or "confederal-node", secrets.token_bytes(32))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process of this node created it first; use theirs
    with os.fdopen(fd, "w") as f:
        f.write(signer.skey + "\n")
        f.flush()
        os.fsync(f.fileno())
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def ledger_signer(ledger: Ledger) -> Signer:
    """Return the key that signs this ledger's checkpoints.

    Raises:
        KeyError_: the node's key is not the one the ledger was created with.
    """
    signer = node_signer().with_name(ledger.origin)
    if signer.verifier.vkey != ledger.verifier_key:
        raise KeyError_(
            f"This node's signing key is not the key ledger {ledger.origin} was created with "
            f"({ledger.verifier_key}). Refusing to sign with another key."
        )
    return signer


def ledger_verifier(ledger: Ledger) -> Verifier:
    """Return the ledger's public verifier key."""
    return Verifier.from_vkey(ledger.verifier_key)
