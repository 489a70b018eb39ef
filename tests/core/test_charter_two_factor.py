"""A charter may ask the holders of some roles (money, keys) to sign in with a two-factor code."""

from datetime import date

import pytest

from confederal.charter import Charter, CharterError, default_charter, describe_rule
from confederal.ledger import Phrase

TODAY = date(2026, 12, 7)
REVIEW = date(2027, 6, 1)


def _charter() -> Charter:
    return default_charter("Riverside Food Hub", "food", "We feed each other.", TODAY)


def _english(phrase: Phrase) -> str:
    params = {k: ", ".join(v) if isinstance(v, tuple) else v for k, v in phrase.params.items()}
    return phrase.text % params


def test_a_charter_without_the_rule_reads_back_exactly_as_it_was_written():
    written = _charter().to_json()
    assert "two_factor_roles" not in written["rules"]
    charter = Charter.from_json(written)
    assert charter.two_factor_roles is None
    assert charter.to_json() == written


def test_an_amendment_adds_the_rule_with_its_review_date_and_an_empty_list_removes_it():
    amended = _charter().amended({"two_factor_roles": ["treasurer"]}, REVIEW)
    assert amended.two_factor_roles is not None
    assert (amended.two_factor_roles.value, amended.two_factor_roles.review_on) == (("treasurer",), REVIEW)
    written = amended.to_json()
    assert written["rules"]["two_factor_roles"] == {"value": ["treasurer"], "review_on": "2027-06-01"}
    assert Charter.from_json(written) == amended
    assert "two_factor_roles" in amended.due_for_review(REVIEW)
    removed = amended.amended({"two_factor_roles": []}, REVIEW)
    assert removed.two_factor_roles is None
    assert "two_factor_roles" not in removed.to_json()["rules"]


@pytest.mark.parametrize("value", ["treasurer", ["Treasurer"], ["treasurer", "treasurer"], [3], ["x"] * 21])
def test_a_malformed_list_of_roles_is_refused(value):
    with pytest.raises(CharterError):
        _charter().amended({"two_factor_roles": value}, REVIEW)


@pytest.mark.parametrize("rule", ["treasurer", {"value": "treasurer", "review_on": "2027-06-01"}, {"value": []}])
def test_a_malformed_rule_in_a_written_charter_is_refused(rule):
    written = _charter().to_json()
    written["rules"]["two_factor_roles"] = rule
    with pytest.raises(CharterError):
        Charter.from_json(written)


def test_the_rule_reads_as_a_sentence():
    said = _english(describe_rule("two_factor_roles", ["treasurer", "keyholder"]))
    assert said == (
        "Holders of these roles act in them only after signing in with a two-factor code: treasurer, keyholder"
    )
    assert _english(describe_rule("two_factor_roles", [])) == "No role asks its holders for two-factor sign-in"
