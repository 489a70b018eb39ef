"""Books: money in minor units, balanced transactions, reversals, balances, budgets and approval."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confederal.books import (
    MAX_MINOR,
    Account,
    AccountKind,
    Amount,
    Approval,
    BooksError,
    Budget,
    BudgetLine,
    Currency,
    Posting,
    Transaction,
    approval_reasons,
    balances,
    budget_vs_actual,
    needs_approval,
    reverse,
)
from confederal.ledger import canonical_json, parse_canonical_json

EUR = Currency.iso("EUR")
JPY = Currency.iso("JPY")
HOURS = Currency.local("hours", 2)
DAY = dt.date(2026, 12, 7)
RECEIPT = "ab" * 32

CASH = Account("Cash", AccountKind.CASH)
BANK = Account("Bank", AccountKind.BANK)
FOOD = Account("Food", AccountKind.EXPENSE)
RENT = Account("Rent", AccountKind.EXPENSE)
DUES = Account("Dues", AccountKind.INCOME)
OPENING = Account("Opening balances", AccountKind.EQUITY)
ACCOUNTS = (CASH, BANK, FOOD, RENT, DUES, OPENING)

BUDGET = Budget(
    dt.date(2026, 12, 1),
    dt.date(2026, 12, 31),
    (
        BudgetLine("food", FOOD, "Vegetables for the weekly kitchen", Amount(30000, EUR)),
        BudgetLine("dues", DUES, "Members' monthly dues", Amount(50000, EUR)),
    ),
)


def eur(text):
    return Amount.parse(text, EUR)


def pay(amount, expense="Food", line="food", day=DAY, source="Cash"):
    return Transaction(
        day, "Market", (Posting(expense, eur(amount)), Posting(source, -eur(amount))), budget_line=line, receipt=RECEIPT
    )


def refused(code, call, *args, **kwargs):
    with pytest.raises(BooksError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    assert str(caught.value).endswith(".")
    assert "{" not in str(caught.value)
    return caught.value


# --- money -------------------------------------------------------------------------------------


def test_iso_currencies_take_their_exponent_from_iso_4217():
    assert (EUR.exponent, JPY.exponent, Currency.iso("BHD").exponent) == (2, 0, 3)
    # ISO 4217 itself, not CLDR's display precision (which says 0 for both).
    assert (Currency.iso("IQD").exponent, Currency.iso("RSD").exponent) == (3, 2)
    assert Currency.iso("EUR") == Currency("EUR", 2, True)
    refused("unknown_currency", Currency.iso, "XYZ")
    refused("unknown_currency", Currency.iso, "eur")
    refused("unknown_currency", Currency.iso, "XAU")  # gold: no minor unit
    refused("unknown_currency", Currency, "DEM", 2, True)  # withdrawn
    refused("wrong_exponent", Currency, "EUR", 3, True)


def test_local_units_take_the_exponent_the_assembly_chooses():
    assert Currency.local("seed packets", 0).exponent == 0
    refused("bad_local_unit", Currency.local, "", 0)
    refused("bad_local_unit", Currency.local, "Hours", 0)
    refused("bad_exponent", Currency.local, "hours", 7)
    refused("bad_exponent", Currency.local, "hours", -1)
    refused("not_integer", Currency.local, "hours", 1.0)


@pytest.mark.parametrize("value", [1.5, 1.0, True, "12", None])
def test_amounts_refuse_anything_but_integers(value):
    refused("not_integer", Amount, value, EUR)


def test_amounts_are_bounded():
    assert Amount(MAX_MINOR - 1, EUR).minor == MAX_MINOR - 1
    refused("too_large", Amount, MAX_MINOR, EUR)
    refused("too_large", Amount, -MAX_MINOR, EUR)
    refused("too_large", lambda: Amount(MAX_MINOR - 1, EUR) + Amount(1, EUR))
    refused("too_large", Amount.parse, "10000000000000.00", EUR)


def test_amounts_never_mix_currencies():
    refused("currency_mismatch", lambda: eur("1") + Amount(1, JPY))
    refused("currency_mismatch", lambda: eur("1") - Amount(1, HOURS))


def test_parsing_is_exact_and_formatting_pads_to_the_exponent():
    assert eur("12.5") == Amount(1250, EUR)
    assert eur("-0.05").minor == -5
    assert eur("12.5").format() == "12.50"
    assert str(Amount(-5, EUR)) == "-0.05 EUR"
    assert Amount(1200, JPY).format() == "1200"
    assert Amount.parse("0.1", Currency.local("kwh", 3)).minor == 100


@pytest.mark.parametrize("text", ["12.505", "1e3", "+1", "1,000.00", " 1", "", ".5", "5.", "--1", "١٢"])
def test_parsing_refuses_what_is_not_a_plain_decimal(text):
    with pytest.raises(BooksError) as caught:
        Amount.parse(text, EUR)
    assert caught.value.code in {"bad_decimal", "too_precise"}


def test_parsing_refuses_fractions_of_a_currency_without_them():
    refused("too_precise", Amount.parse, "1.5", JPY)


currencies = st.sampled_from([EUR, JPY, Currency.iso("BHD"), HOURS, Currency.local("kwh", 6)])
amounts = st.builds(Amount, st.integers(-MAX_MINOR + 1, MAX_MINOR - 1), currencies)


@given(amounts)
def test_format_then_parse_round_trips(amount):
    assert Amount.parse(amount.format(), amount.currency) == amount


@given(st.from_regex(r"-?[1-9][0-9]{0,10}\.[0-9]{2}", fullmatch=True))
def test_parse_then_format_round_trips_canonical_strings(text):
    assert eur(text).format() == text


# --- transactions ------------------------------------------------------------------------------


def test_a_transaction_must_balance_in_each_currency():
    refused("unbalanced", Transaction, DAY, "Market", (Posting("Food", eur("10")), Posting("Cash", eur("-9.99"))))
    error = refused(
        "unbalanced",
        Transaction,
        DAY,
        "Mixed",
        (
            Posting("Food", eur("10")),
            Posting("Cash", eur("-10")),
            Posting("Food", Amount(1, JPY)),
            Posting("Cash", Amount(-2, JPY)),
        ),
    )
    assert error.params["unit"] == "JPY"


def test_a_transaction_needs_two_nonzero_postings():
    refused("too_few_postings", Transaction, DAY, "Alone", (Posting("Food", eur("0.01")),))
    refused("zero_posting", Posting, "Food", eur("0"))


def test_a_transaction_checks_its_text_receipt_and_reversal():
    postings = pay("5").postings
    refused("bad_text", Transaction, DAY, "  ", postings)
    refused("bad_date", Transaction, dt.datetime(2026, 12, 7, 12), "Market", postings)
    refused("bad_receipt", Transaction, DAY, "Market", postings, receipt="not a digest")
    refused("reason_needed", Transaction, DAY, "Market", postings, reverses="abc")
    refused("bad_postings", Transaction, DAY, "Market", list(postings))


def test_balances_refuse_undeclared_or_duplicate_accounts():
    refused("unknown_account", balances, (CASH,), [pay("5")])
    refused("duplicate_account", balances, (CASH, CASH), [])


def test_balances_and_a_correction():
    opening = Transaction(DAY, "Opening", (Posting("Cash", eur("100")), Posting("Opening balances", eur("-100"))))
    wrong = pay("12.00")
    correction = reverse(wrong, "Typed 12.00 for 21.00", DAY)
    right = pay("21.00")
    result = balances(ACCOUNTS, [opening, wrong, correction, right])
    assert result["Cash"] == {EUR: eur("79")}
    assert result["Food"] == {EUR: eur("21")}
    assert result["Rent"] == {}
    assert correction.reverses == wrong.digest()
    assert correction.reason == "Typed 12.00 for 21.00"
    refused("reverse_reversal", reverse, correction, "Again", DAY)


# --- budgets -----------------------------------------------------------------------------------


def test_budget_vs_actual_per_line():
    dues = Transaction(DAY, "Dues", (Posting("Bank", eur("400")), Posting("Dues", eur("-400"))), budget_line="dues")
    outside = pay("999", day=dt.date(2027, 1, 1))
    food, income = budget_vs_actual(BUDGET, [pay("200"), pay("150"), dues, outside, pay("7", line=None)])
    assert (food.budgeted, food.spent, food.remaining, food.over) == (eur("300"), eur("350"), eur("-50"), True)
    assert (income.spent, income.remaining, income.over) == (eur("400"), eur("100"), False)


def test_budgets_refuse_bad_periods_lines_and_categories():
    line = BUDGET.lines[0]
    refused("bad_period", Budget, DAY, DAY - dt.timedelta(days=1), (line,))
    refused("duplicate_line", Budget, DAY, DAY, (line, line))
    refused("bad_lines", Budget, DAY, DAY, ())
    refused("bad_category", BudgetLine, "cash", CASH, "Float", eur("1"))
    refused("bad_line_amount", BudgetLine, "food", FOOD, "Food", eur("-1"))


def test_spending_above_the_threshold_or_outside_the_budget_needs_approval():
    threshold = eur("100")
    assert not needs_approval(pay("100"), BUDGET, threshold, ACCOUNTS)
    assert approval_reasons(pay("100.01"), BUDGET, threshold, ACCOUNTS) == (Approval.ABOVE_THRESHOLD,)
    assert approval_reasons(pay("5", line=None), BUDGET, threshold, ACCOUNTS) == (Approval.OUTSIDE_BUDGET,)
    assert approval_reasons(pay("5", line="nothing"), BUDGET, threshold, ACCOUNTS) == (Approval.OUTSIDE_BUDGET,)
    assert approval_reasons(pay("5", expense="Rent"), BUDGET, threshold, ACCOUNTS) == (Approval.OUTSIDE_BUDGET,)
    assert approval_reasons(pay("5"), None, threshold, ACCOUNTS) == (Approval.OUTSIDE_BUDGET,)
    late = pay("5", day=dt.date(2027, 1, 1))
    assert approval_reasons(late, BUDGET, threshold, ACCOUNTS) == (Approval.OUTSIDE_PERIOD,)
    earlier = [pay("99"), pay("99"), pay("99")]
    assert approval_reasons(pay("5"), BUDGET, threshold, ACCOUNTS, earlier) == (Approval.OVER_BUDGET,)
    # Income, moving cash to the bank, and a reversal spend nothing.
    move = Transaction(DAY, "Deposit", (Posting("Bank", eur("500")), Posting("Cash", eur("-500"))))
    assert not needs_approval(move, BUDGET, threshold, ACCOUNTS)
    assert not needs_approval(reverse(pay("500"), "Refunded", DAY), BUDGET, threshold, ACCOUNTS)
    refused("currency_mismatch", needs_approval, pay("5"), BUDGET, Amount(100, JPY), ACCOUNTS)
    refused("unknown_account", needs_approval, pay("5"), BUDGET, threshold, (CASH,))
    refused("bad_threshold", needs_approval, pay("5"), BUDGET, eur("-1"), ACCOUNTS)


# --- JSON --------------------------------------------------------------------------------------


def test_to_json_is_canonical_json():
    txn = reverse(pay("12.34"), "Wrong shop", DAY)
    for value in (EUR, HOURS, eur("1.5"), txn, BUDGET):
        data = value.to_json()
        assert parse_canonical_json(canonical_json(data)) == data
        assert type(value).from_json(data) == value


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (Currency, {"code": "EUR", "exponent": 2}),
        (Currency, {"code": "EUR", "exponent": 2, "kind": "crypto"}),
        (Currency, ["EUR"]),
        (Amount, {"currency": EUR.to_json(), "minor": 1.5}),
        (Amount, {"currency": EUR.to_json(), "minor": 1, "extra": 0}),
        (Transaction, {"date": "2026-12-07", "description": "x", "postings": "none"}),
        (Transaction, {"date": "2026-13-07", "description": "x", "postings": []}),
        (Transaction, {"date": "20261207", "description": "x", "postings": []}),
        (Transaction, {**pay("1").to_json(), "postings": [pay("1").to_json()["postings"][0]]}),
        (Budget, {"start": "2026-12-01", "end": "2026-12-31", "lines": None}),
        (Budget, {**BUDGET.to_json(), "lines": [{**BUDGET.lines[0].to_json(), "category": {"name": "F"}}]}),
    ],
)
def test_from_json_refuses_malformed_input(kind, data):
    with pytest.raises(BooksError):
        kind.from_json(data)


# --- properties --------------------------------------------------------------------------------

names = [account.name for account in ACCOUNTS]


@st.composite
def transactions(draw):
    currency = draw(st.sampled_from([EUR, HOURS]))
    legs = draw(st.lists(st.integers(-(10**9), 10**9).filter(bool), min_size=1, max_size=5))
    postings = [Posting(draw(st.sampled_from(names)), Amount(minor, currency)) for minor in legs]
    total = sum(legs)
    if total:
        postings.append(Posting(draw(st.sampled_from(names)), Amount(-total, currency)))
    else:
        postings.append(Posting("Cash", Amount(1, currency)))
        postings.append(Posting("Bank", Amount(-1, currency)))
    day = draw(st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)))
    line = draw(st.sampled_from([None, "food", "dues"]))
    return Transaction(day, draw(st.sampled_from(["Market", "Dues", "Rent"])), tuple(postings), budget_line=line)


@settings(max_examples=200, deadline=None)
@given(st.lists(transactions(), max_size=20))
def test_every_transaction_balances_and_balances_are_sums_of_postings(txns):
    result = balances(ACCOUNTS, txns)
    for txn in txns:
        for currency in {p.amount.currency for p in txn.postings}:
            assert sum(p.amount.minor for p in txn.postings if p.amount.currency == currency) == 0
    for name in names:
        for currency in (EUR, HOURS):
            expected = sum(
                p.amount.minor for t in txns for p in t.postings if p.account == name and p.amount.currency == currency
            )
            assert result[name].get(currency, Amount.zero(currency)).minor == expected
    for currency in (EUR, HOURS):
        assert sum(per.get(currency, Amount.zero(currency)).minor for per in result.values()) == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(names), amounts), min_size=1, max_size=5), st.booleans())
def test_every_accepted_transaction_balances_and_every_unbalanced_one_is_refused(legs, close):
    if close:  # usually make it balance, so both branches are exercised
        for currency in {amount.currency for _, amount in legs}:
            total = sum(a.minor for _, a in legs if a.currency == currency)
            if total and abs(total) < MAX_MINOR:
                legs.append(("Cash", Amount(-total, currency)))
    postings = tuple(Posting(name, amount) for name, amount in legs if amount.minor)
    totals = {
        c: sum(p.amount.minor for p in postings if p.amount.currency == c)
        for c in {p.amount.currency for p in postings}
    }
    if len(postings) >= 2 and not any(totals.values()):
        assert Transaction(DAY, "Anything", postings).postings == postings
    else:
        with pytest.raises(BooksError) as caught:
            Transaction(DAY, "Anything", postings)
        assert caught.value.code in {"unbalanced", "too_few_postings"}


@settings(max_examples=200, deadline=None)
@given(st.lists(transactions(), max_size=10), transactions())
def test_a_reversal_restores_every_balance(txns, extra):
    before = balances(ACCOUNTS, txns)
    after = balances(ACCOUNTS, [*txns, extra, reverse(extra, "Entered by mistake", extra.date)])
    assert after == before


@settings(max_examples=200, deadline=None)
@given(transactions(), st.sampled_from([None, RECEIPT]))
def test_transactions_round_trip_through_json(txn, receipt):
    txn = Transaction(txn.date, txn.description, txn.postings, txn.budget_line, receipt)
    assert Transaction.from_json(parse_canonical_json(canonical_json(txn.to_json()))) == txn
    assert Transaction.from_json(reverse(txn, "Why", DAY).to_json()) == reverse(txn, "Why", DAY)


@given(amounts)
def test_amounts_round_trip_through_json(amount):
    assert Amount.from_json(amount.to_json()) == amount
    assert Currency.from_json(amount.currency.to_json()) == amount.currency
