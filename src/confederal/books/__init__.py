"""Public books: money in minor units, double entry, budgets and budget vs actual.

Pure values and functions only — no Django, no I/O, no clock: dates are passed
in. Money is an integer count of a currency's minor unit (``Amount``), never a
float; a currency is an ISO 4217 code (its decimal places from the official
table, through the ``iso4217`` package) or a named local unit such as hours. Every ``Transaction`` balances in
each currency; a correction is a ``reverse``-d transaction with its reason,
never an edit. ``balances`` folds transactions into account balances,
``budget_vs_actual`` a ``Budget`` into per-line reports, and ``needs_approval``
applies the rule "spending above a charter threshold, or outside the budget,
needs approval first". ``to_json``/``from_json`` give canonical JSON values
(strings, integers, lists, objects) for the record kinds that will wrap them.
"""

from ._beancount import commodity, to_beancount
from ._books import MAX_POSTINGS, Account, AccountKind, Posting, Transaction, balances, check_accounts, reverse
from ._budget import (
    MAX_LINES,
    Approval,
    Budget,
    BudgetLine,
    LineReport,
    approval_reasons,
    budget_vs_actual,
    line_reports,
    needs_approval,
)
from ._errors import BooksError
from ._fold import AdoptedBudget, Booked, Books, Spend, SpendState, fold_books, fold_entries
from ._money import MAX_LOCAL_EXPONENT, MAX_MINOR, Amount, Currency
from ._records import (
    PURPOSES,
    AccountOpened,
    AidLink,
    BudgetAdopted,
    SpendApproved,
    SpendDeclined,
    SpendRequested,
    TransactionRecorded,
    said,
)
from ._rules import MAX_APPROVERS, BooksRules, Visibility

__all__ = [
    "MAX_APPROVERS",
    "MAX_LINES",
    "MAX_LOCAL_EXPONENT",
    "MAX_MINOR",
    "MAX_POSTINGS",
    "PURPOSES",
    "Account",
    "AccountKind",
    "AccountOpened",
    "AdoptedBudget",
    "AidLink",
    "Amount",
    "Approval",
    "Booked",
    "Books",
    "BooksError",
    "BooksRules",
    "Budget",
    "BudgetAdopted",
    "BudgetLine",
    "Currency",
    "LineReport",
    "Posting",
    "Spend",
    "SpendApproved",
    "SpendDeclined",
    "SpendRequested",
    "SpendState",
    "Transaction",
    "TransactionRecorded",
    "Visibility",
    "approval_reasons",
    "balances",
    "budget_vs_actual",
    "check_accounts",
    "commodity",
    "fold_books",
    "fold_entries",
    "line_reports",
    "needs_approval",
    "reverse",
    "said",
    "to_beancount",
]
