"""Books written as a real ledger: an assembly's records, their entries, and the directory `confederal verify` reads.

``sample_books`` tells a season of an assembly's money (opening balance, dues, rent on a budget line, donated food
in kind, a correction, a spend that was approved and paid, one declined), in any currency; ``publish`` writes the
entries as a node publishes them (tiles and a signed checkpoint) so the CLI checks them exactly as it checks a node.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from confederal import books
from confederal.charter import default_charter
from confederal.ledger import (
    Checkpoint,
    Entry,
    Signer,
    TreeLevels,
    did_key,
    encode_entry,
    leaf_hash,
    leaf_hashes,
    sign_note,
    tile_files,
)
from confederal.records import CharterAdopted, MemberJoined, RecordBody

ORIGIN = "books.example.org/ledgers/food-hub"
SIGNER = Signer(ORIGIN, b"\x07" * 32)
DAY0 = date(2026, 11, 2)
EUR = books.Currency.iso("EUR")
HOURS = books.Currency.local("hours", 2)


def charter(currency: books.Currency, threshold: int = 20000) -> CharterAdopted:
    rules = books.BooksRules(
        currency, books.Amount(threshold, currency), approvals_needed=2, approvers=("Amara", "Jonas", "Lucía")
    )
    founded = default_charter("Riverside Food Hub", "food", "We feed each other.", DAY0)
    return CharterAdopted(founded.amended({"books": rules.to_json()}, date(2027, 11, 1)))


def sample_books(currency: books.Currency = EUR, count: int = 36, seed: int = 7) -> list[RecordBody]:
    """A charter, members, accounts, a budget and ``count`` transactions (one a reversal), with spends."""
    rng = random.Random(seed)

    def money(minor: int) -> books.Amount:
        return books.Amount(minor, currency)

    def pay(day: date, text: str, debit: str, credit: str, minor: int, line: str | None = None) -> books.Transaction:
        postings = (books.Posting(debit, money(minor)), books.Posting(credit, money(-minor)))
        return books.Transaction(day, text, postings, budget_line=line, receipt=f"{rng.getrandbits(256):064x}")

    kinds = {
        "Bank": books.AccountKind.BANK,
        "Petty cash": books.AccountKind.CASH,
        "Pantry (donated food)": books.AccountKind.IN_KIND,
        "Dues": books.AccountKind.INCOME,
        "Donations in kind": books.AccountKind.INCOME,
        "Kitchen rent": books.AccountKind.EXPENSE,
        "Food": books.AccountKind.EXPENSE,
        "Opening balance": books.AccountKind.EQUITY,
    }
    accounts = {name: books.Account(name, kind) for name, kind in kinds.items()}
    budget = books.Budget(
        DAY0,
        DAY0 + timedelta(days=120),
        (
            books.BudgetLine("Kitchen", accounts["Kitchen rent"], "The hall on Tuesdays", money(150000)),
            books.BudgetLine("Groceries", accounts["Food"], "What we cook", money(60000)),
            books.BudgetLine("Dues", accounts["Dues"], "What members give", money(90000)),
        ),
    )
    out: list[RecordBody] = [
        charter(currency),
        MemberJoined(1, "Amara", "founding"),
        MemberJoined(2, "Jonas", "founding"),
    ]
    out += [books.AccountOpened(account) for account in accounts.values()]
    out.append(books.BudgetAdopted(1, "Winter budget", budget))
    number = 0

    def record(txn: books.Transaction, **kw: object) -> None:
        nonlocal number
        number += 1
        out.append(books.TransactionRecorded(number, txn, "Lucía", **kw))  # type: ignore[arg-type]

    record(pay(DAY0, "Money brought in at the founding", "Bank", "Opening balance", 250000))
    for i in range(count - 4):
        day = DAY0 + timedelta(days=1 + i * 3)
        pick = i % 4
        if pick == 0:
            record(pay(day, f"Dues, week {i}", "Bank", "Dues", rng.randint(500, 9000), "Dues"))
        elif pick == 1:
            record(pay(day, f"Kitchen rent {i}", "Kitchen rent", "Bank", rng.randint(10000, 32000), "Kitchen"))
        elif pick == 2:
            record(pay(day, f"Vegetables {i}", "Food", "Petty cash", rng.randint(100, 4000), "Groceries"))
        else:
            record(pay(day, f"Bread from the bakery {i}", "Pantry (donated food)", "Donations in kind", 1250))
    record(pay(DAY0 + timedelta(days=3), "Cash for the market", "Petty cash", "Bank", 20000))
    # A correction: the mistaken rent is reversed, never edited.
    wrong = pay(DAY0 + timedelta(days=40), "Kitchen rent, typed twice", "Kitchen rent", "Bank", 32000, "Kitchen")
    record(wrong)
    record(books.reverse(wrong, "Entered twice by mistake", DAY0 + timedelta(days=41), str(number)))
    oven = pay(DAY0 + timedelta(days=50), "A second-hand oven", "Kitchen rent", "Bank", 45000, "Kitchen")
    out.append(books.SpendRequested(1, oven, "Lucía", (books.Approval.ABOVE_THRESHOLD,)))
    out += [books.SpendApproved(1, approver="Amara"), books.SpendApproved(1, approver="Jonas")]
    record(oven, approval=1)
    out.append(books.SpendRequested(2, oven, "Lucía", (books.Approval.ABOVE_THRESHOLD,)))
    out.append(books.SpendDeclined(2, "Jonas", "One oven is enough."))
    return out


def entries(bodies: list[RecordBody], origin: str = ORIGIN) -> list[bytes]:
    """The ledger entries of ``bodies``, chained, one a day from DAY0 (as the node writes them)."""
    author = did_key(b"\x07" * 32)
    out: list[bytes] = []
    prev = None
    for seq, body in enumerate(bodies):
        time = f"{(DAY0 + timedelta(days=seq // 4)).isoformat()}T12:00:00Z"
        data = encode_entry(Entry(origin, seq, prev, time, body.kind, author, body.to_json()))
        out.append(data)
        prev = leaf_hash(data)
    return out


def publish(directory: Path, items: list[bytes], signer: Signer = SIGNER) -> str:
    """Write ``items`` as a published ledger (tiles and a signed checkpoint) into ``directory``; its verifier key."""
    tree = TreeLevels(leaf_hashes(items))
    files = tile_files(items, tree.read)
    files["checkpoint"] = sign_note(Checkpoint(signer.name, len(items), tree.root()).text, [signer]).encode()
    for path, data in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return signer.verifier.vkey
