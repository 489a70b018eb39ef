"""What a dishonest operator with full access to a node's database and key could do."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from confederal.ledger import (
    TILE_HEIGHT,
    Checkpoint,
    Frontier,
    Signer,
    decode_entry,
    encode_entry,
    leaf_hash,
    parse_note,
    sign_note,
)

from .nodes import NodeDB

LEDGER = "(SELECT id FROM ledgers_ledger WHERE slug = 'food-hub')"


def entry_body(db: NodeDB, seq: int) -> bytes:
    ((body,),) = db.execute(f"SELECT body FROM ledgers_ledgerentry WHERE ledger_id = {LEDGER} AND seq = %s", (seq,))
    return bytes(body)


def set_entry(db: NodeDB, seq: int, body: bytes, hashed: bytes | None = None) -> None:
    if hashed is None:
        db.execute(f"UPDATE ledgers_ledgerentry SET body = %s WHERE ledger_id = {LEDGER} AND seq = %s", (body, seq))
    else:
        db.execute(
            f"UPDATE ledgers_ledgerentry SET body = %s, leaf_hash = %s WHERE ledger_id = {LEDGER} AND seq = %s",
            (body, hashed, seq),
        )


def edit_entry(db: NodeDB, seq: int, old: bytes, new: bytes) -> None:
    body = entry_body(db, seq)
    assert old in body
    set_entry(db, seq, body.replace(old, new))


def drop_entry(db: NodeDB, seq: int) -> None:
    db.execute(f"DELETE FROM ledgers_ledgerentry WHERE ledger_id = {LEDGER} AND seq = %s", (seq,))


def swap_entries(db: NodeDB, a: int, b: int) -> None:
    body_a, body_b = entry_body(db, a), entry_body(db, b)
    set_entry(db, a, body_b, leaf_hash(body_b))
    set_entry(db, b, body_a, leaf_hash(body_a))


def latest_note(db: NodeDB) -> str:
    ((note,),) = db.execute(
        f"SELECT note FROM ledgers_checkpoint WHERE ledger_id = {LEDGER} ORDER BY size DESC LIMIT 1"
    )
    return str(note)


def set_latest_note(db: NodeDB, note: str) -> None:
    db.execute(
        f"UPDATE ledgers_checkpoint SET note = %s WHERE ledger_id = {LEDGER} AND size = "
        f"(SELECT MAX(size) FROM ledgers_checkpoint WHERE ledger_id = {LEDGER})",
        (note,),
    )


def origin(db: NodeDB) -> str:
    ((value,),) = db.execute("SELECT origin FROM ledgers_ledger WHERE slug = 'food-hub'")
    return str(value)


def node_key(data_dir: Path, name: str) -> Signer:
    return Signer.from_skey((data_dir / "signing.key").read_text().strip()).with_name(name)


def _store_tree(db: NodeDB, bodies: list[bytes], signer: Signer, at: str) -> None:
    """Write bodies as the whole ledger, with a consistent tree and a freshly signed checkpoint."""
    db.execute(f"DELETE FROM ledgers_ledgerentry WHERE ledger_id = {LEDGER}")
    db.execute(f"DELETE FROM ledgers_subtreehash WHERE ledger_id = {LEDGER}")
    frontier = Frontier()
    for seq, body in enumerate(bodies):
        hashed = leaf_hash(body)
        db.execute(
            f"INSERT INTO ledgers_ledgerentry (ledger_id, seq, leaf_hash, body) VALUES ({LEDGER}, %s, %s, %s)",
            (seq, hashed, body),
        )
        for level, index, value in frontier.append(hashed):
            if level % TILE_HEIGHT == 0:
                db.execute(
                    f'INSERT INTO ledgers_subtreehash (ledger_id, level, "index", hash) VALUES ({LEDGER}, %s, %s, %s)',
                    (level, index, value),
                )
    db.execute(
        "UPDATE ledgers_ledger SET size = %s, frontier = %s WHERE slug = 'food-hub'",
        (frontier.size, frontier.to_bytes()),
    )
    note = sign_note(Checkpoint(signer.name, frontier.size, frontier.root()).text, [signer])
    db.execute(f"DELETE FROM ledgers_checkpoint WHERE ledger_id = {LEDGER} AND size >= %s", (frontier.size,))
    db.execute(
        f"INSERT INTO ledgers_checkpoint (ledger_id, size, root, note, signed_at) VALUES ({LEDGER}, %s, %s, %s, %s)",
        (frontier.size, frontier.root(), note, at),
    )


def rewrite_history(db: NodeDB, data_dir: Path, seq: int, old: bytes, new: bytes, extra: int = 1) -> None:
    """Change one entry, rebuild everything after it so every check but history passes, append more, re-sign."""
    ((size,),) = db.execute("SELECT size FROM ledgers_ledger WHERE slug = 'food-hub'")
    entries = [decode_entry(entry_body(db, i)) for i in range(size)]
    changed = decode_entry(encode_entry(entries[seq]).replace(old, new))
    entries[seq] = changed
    bodies: list[bytes] = []
    prev = None
    for i, entry in enumerate(
        entries + [replace(entries[-1], body={"title": f"Added after the rewrite {n}"}) for n in range(extra)]
    ):
        entry = replace(entry, seq=i, prev=prev)
        body = encode_entry(entry)
        bodies.append(body)
        prev = leaf_hash(body)
    _store_tree(db, bodies, node_key(data_dir, origin(db)), "2026-11-22 12:00:00+00:00")


def roll_back(db: NodeDB, data_dir: Path, size: int) -> None:
    """Serve an older state of the ledger, as if recent entries had never been written."""
    bodies = [entry_body(db, i) for i in range(size)]
    db.execute(f"DELETE FROM ledgers_checkpoint WHERE ledger_id = {LEDGER} AND size > %s", (size,))
    _store_tree(db, bodies, node_key(data_dir, origin(db)), "2026-11-22 12:00:00+00:00")


def resign_with(db: NodeDB, signer: Signer) -> None:
    """Replace the latest checkpoint's signature with one by another key."""
    text = parse_note(latest_note(db)).text
    set_latest_note(db, sign_note(text, [signer]))


def rename_ledger(db: NodeDB, new_origin: str, signer: Signer, keep: int) -> None:
    """Present a different, shorter history under a new name and a new key, as if it were another ledger."""
    old = [decode_entry(entry_body(db, i)) for i in range(keep)]
    bodies, prev = [], None
    for i, entry in enumerate(old):
        body = encode_entry(replace(entry, log=new_origin, seq=i, prev=prev))
        bodies.append(body)
        prev = leaf_hash(body)
    _store_tree(db, bodies, signer, "2026-11-22 12:00:00+00:00")
    db.execute(
        "UPDATE ledgers_ledger SET origin = %s, verifier_key = %s WHERE slug = 'food-hub'",
        (new_origin, signer.verifier.vkey),
    )
    db.execute(f"DELETE FROM ledgers_checkpoint WHERE ledger_id = {LEDGER} AND size <> %s", (keep,))


def drop_checkpoint(db: NodeDB, size: int) -> None:
    """Lose a signed checkpoint, as a crash between an append's commit and its signature would."""
    db.execute(f"DELETE FROM ledgers_checkpoint WHERE ledger_id = {LEDGER} AND size = %s", (size,))


def size(db: NodeDB) -> int:
    ((value,),) = db.execute("SELECT size FROM ledgers_ledger WHERE slug = 'food-hub'")
    return int(value)


def find_entry(db: NodeDB, needle: bytes) -> int:
    """Return the seq of the first food-hub entry containing ``needle``."""
    rows = db.execute(f"SELECT seq, body FROM ledgers_ledgerentry WHERE ledger_id = {LEDGER} ORDER BY seq")
    return next(int(seq) for seq, body in rows if needle in bytes(body))


RENT = b'"minor":32000'


# What the functions above may change: the food hub's ledger row and the rows of its tree.
_LEDGER_COLUMNS = ("origin", "verifier_key", "size", "frontier")
_TREE_TABLES = {
    "ledgers_ledgerentry": ("id", "ledger_id", "seq", "leaf_hash", "body"),
    "ledgers_subtreehash": ("id", "ledger_id", "level", '"index"', "hash"),
    "ledgers_checkpoint": ("id", "ledger_id", "size", "root", "note", "signed_at"),
}

Snapshot = dict[str, list[tuple[object, ...]]]


def snapshot(db: NodeDB) -> Snapshot:
    """Everything of the food hub's ledger that the tampering above can change, to put back with :func:`restore`."""
    taken = {
        "ledgers_ledger": db.execute(f"SELECT {', '.join(_LEDGER_COLUMNS)} FROM ledgers_ledger WHERE slug = 'food-hub'")
    }
    for table, columns in _TREE_TABLES.items():
        taken[table] = db.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE ledger_id = {LEDGER} ORDER BY id")
    return taken


def restore(db: NodeDB, taken: Snapshot) -> None:
    """Put the food hub's ledger back as :func:`snapshot` took it (in one transaction), and check that it is."""
    statements: list[tuple[str, tuple[object, ...]]] = [
        (f"DELETE FROM {table} WHERE ledger_id = {LEDGER}", ()) for table in _TREE_TABLES
    ]
    ((row),) = taken["ledgers_ledger"]
    assignments = ", ".join(f"{c} = %s" for c in _LEDGER_COLUMNS)
    statements.append((f"UPDATE ledgers_ledger SET {assignments} WHERE slug = 'food-hub'", row))
    for table, columns in _TREE_TABLES.items():
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        statements.extend((insert, values) for values in taken[table])
    db.execute_all(statements)
    assert snapshot(db) == taken, "the ledger was not put back as it was"
