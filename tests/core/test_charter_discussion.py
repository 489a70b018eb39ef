"""A charter says who may read the assembly's discussions: its members (the default) or the public."""

from datetime import date

import pytest

from confederal.charter import Charter, CharterError, default_charter, describe_rule

TODAY = date(2026, 12, 7)
REVIEW = date(2027, 6, 1)


def _charter() -> Charter:
    return default_charter("Riverside Food Hub", "food", "We feed each other.", TODAY)


def test_discussions_are_for_members_until_the_charter_says_otherwise_and_old_charters_read_back_exactly():
    written = _charter().to_json()
    assert "discussion" not in written["rules"]
    charter = Charter.from_json(written)
    assert charter.discussion is None
    assert not charter.public_discussion
    assert charter.to_json() == written


def test_an_amendment_opens_the_discussions_to_the_public_with_a_review_date_and_can_close_them_again():
    opened = _charter().amended({"discussion": "public"}, REVIEW)
    assert opened.public_discussion
    written = opened.to_json()
    assert written["rules"]["discussion"] == {"value": "public", "review_on": "2027-06-01"}
    assert Charter.from_json(written) == opened
    assert "discussion" in opened.due_for_review(REVIEW)
    closed = opened.amended({"discussion": "members"}, REVIEW)
    assert not closed.public_discussion
    assert closed.version == opened.version + 1


@pytest.mark.parametrize("value", ["everyone", None, 1, ["public"]])
def test_anything_but_members_or_public_is_refused(value):
    with pytest.raises(CharterError) as err:
        _charter().amended({"discussion": value}, REVIEW)
    assert err.value.code == "bad_value"
    written = _charter().to_json()
    written["rules"]["discussion"] = {"value": value, "review_on": "2027-06-01"}
    with pytest.raises(CharterError):
        Charter.from_json(written)


def test_the_rule_reads_as_a_sentence():
    assert "Anyone may read" in describe_rule("discussion", "public").text
    assert "Only members" in describe_rule("discussion", "members").text
