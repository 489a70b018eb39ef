"""An assembly's books as one Beancount file, so any Beancount tool can read and check them.

Beancount (https://beancount.github.io/docs/beancount_language_syntax.html)
wants account names under five roots with capitalised, colon-separated parts,
and units in upper case (2 to 24 characters): our names are kept readable
(accents dropped, words capitalised and joined by hyphens) and made unique.
Each transaction carries the ledger entry it came from (``ledger_seq``), its
``number`` in the books, its receipt's digest and, for a correction, what it
reverses and why; a ``balance`` assertion per account closes the file, so a
checker recomputes every balance and compares it with ours.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from ._books import AccountKind
from ._fold import Books
from ._money import Amount, Currency

__all__ = ["to_beancount"]

_ROOTS = {
    AccountKind.CASH: "Assets",
    AccountKind.BANK: "Assets",
    AccountKind.IN_KIND: "Assets",
    AccountKind.INCOME: "Income",
    AccountKind.EXPENSE: "Expenses",
    AccountKind.EQUITY: "Equity",
}
# Beancount's own lower bound for a date; an account that never moved and has no day of its own opens on it.
_EPOCH = dt.date(1970, 1, 1)


def commodity(currency: Currency) -> str:
    """The Beancount unit for ``currency``: the ISO code, or the local unit's name in upper case."""
    if currency.is_iso:
        return currency.code
    name = re.sub(r"[^A-Z0-9]+", "-", currency.code.upper()).strip("-")[:24].rstrip("-")
    return name if len(name) >= 2 else name + "-UNIT"


def _component(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[A-Za-z0-9]+", plain)
    return "-".join(word[:1].upper() + word[1:] for word in words) or "Account"


def account_names(books: Books) -> dict[str, str]:
    """Each account's Beancount name, unique, in the order the accounts were opened."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for name, account in books.accounts.items():
        base = f"{_ROOTS[account.kind]}:{_component(name)}"
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate.lower())
        names[name] = candidate
    return names


def _string(text: str) -> str:
    # Beancount strings may not hold raw control characters; a quote or backslash is escaped.
    flat = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_beancount(books: Books, title: str | None = None) -> str:
    """The text of one ``.beancount`` file holding ``books`` whole, ending with a balance per account."""
    currency = books.currency
    if currency is None:
        return f"; {title or 'These books'}: no charter has opened the books yet.\n"
    unit = commodity(currency)
    names = account_names(books)
    first: dict[str, dt.date] = {}
    last = None
    for booked in books.transactions.values():
        day = booked.transaction.date
        last = day if last is None or day > last else last
        for posting in booked.transaction.postings:
            if posting.account not in first or day < first[posting.account]:
                first[posting.account] = day
    opened = {}
    for name in books.accounts:
        days = [d for d in (books.opened.get(name), first.get(name)) if d is not None]
        opened[name] = min(days) if days else (min(first.values()) if first else _EPOCH)
    start = min(opened.values(), default=_EPOCH)
    end = max([d for d in (last, *opened.values()) if d is not None], default=_EPOCH) + dt.timedelta(days=1)

    out = [
        f"; The books of {title or 'an assembly'}, folded from the first {books.size} entries of its public ledger.",
        "; Each transaction names its ledger entry (ledger_seq); the closing balance assertions are the books' own.",
        "",
    ]
    if title:
        out.append(f"option {_string('title')} {_string(title)}")
    out += [f'option "operating_currency" "{unit}"', "", f"{start.isoformat()} commodity {unit}"]
    if not currency.is_iso:
        out.append(f"  name: {_string(currency.code)}")
    out.append("")
    for name in books.accounts:
        out.append(f"{opened[name].isoformat()} open {names[name]} {unit}")
    out.append("")
    for booked in books.transactions.values():
        txn = booked.transaction
        out.append(f"{txn.date.isoformat()} * {_string(txn.description)}")
        out.append(f"  ledger_seq: {booked.seq}")
        out.append(f"  number: {booked.number}")
        for key in ("budget_line", "receipt", "reverses", "reason"):
            value = getattr(txn, key)
            if value is not None:
                out.append(f"  {key}: {_string(value)}")
        for posting in txn.postings:
            out.append(f"  {names[posting.account]}  {posting.amount.format()} {unit}")
        out.append("")
    for name in books.accounts:
        amount = Amount(books.balances[name], currency).format()
        out.append(f"{end.isoformat()} balance {names[name]}  {amount} {unit}")
    return "\n".join(out) + "\n"
