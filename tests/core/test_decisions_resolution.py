"""Reasons on votes, and the consent round: which ballots an amendment resets, and how long people get to read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from confederal.decisions import (
    MAX_REASON,
    READING_TIME,
    Ballot,
    DecisionError,
    Method,
    check_reason,
    needs_reason,
    objection_of,
    standing_objections,
    survives_amendment,
    window_after_amendment,
)


@pytest.mark.parametrize(
    ("method", "choice"),
    [
        (Method.CONSENT, "object"),
        (Method.CONSENT, "stand_aside"),
        (Method.CONSENSUS, "block"),
        (Method.CONSENSUS, "stand_aside"),
    ],
)
def test_an_objection_a_block_or_a_stand_aside_without_a_reason_is_refused(method, choice):
    assert needs_reason(method, choice)
    for empty in ("", "   \n "):
        with pytest.raises(DecisionError) as refused:
            check_reason(method, choice, empty)
        assert refused.value.code == "reason_required"
    assert check_reason(method, choice, "  It would cost the food bank its Fridays. ") == (
        "It would cost the food bank its Fridays."
    )


@pytest.mark.parametrize(
    ("method", "choice"),
    [
        (Method.CONSENT, "consent"),
        (Method.CONSENSUS, "agree"),
        (Method.SIMPLE_MAJORITY, "against"),
        (Method.APPROVAL, []),
    ],
)
def test_any_other_vote_may_carry_a_reason_or_none(method, choice):
    assert not needs_reason(method, choice)
    assert check_reason(method, choice, "") == ""
    assert check_reason(method, choice, "Good idea.") == "Good idea."


def test_a_reason_longer_than_the_limit_is_refused():
    assert check_reason(Method.CONSENT, "object", "x" * MAX_REASON) == "x" * MAX_REASON
    with pytest.raises(DecisionError) as refused:
        check_reason(Method.CONSENT, "consent", "x" * (MAX_REASON + 1))
    assert refused.value.code == "reason_too_long"


def test_only_consent_and_consensus_have_an_objection_to_resolve():
    assert objection_of(Method.CONSENT) == "object"
    assert objection_of(Method.CONSENSUS) == "block"
    assert all(objection_of(m) is None for m in Method if m not in (Method.CONSENT, Method.CONSENSUS))


def test_an_amendment_resets_consents_and_stand_asides_but_keeps_objections_until_withdrawn():
    ballots = [Ballot("1", "consent"), Ballot("2", "object"), Ballot("3", "stand_aside"), Ballot("4", "object")]
    kept = [b for b in ballots if survives_amendment(Method.CONSENT, b.choice)]
    assert kept == [ballots[1], ballots[3]]
    assert standing_objections(Method.CONSENT, ballots) == (ballots[1], ballots[3])
    consensus = [Ballot("1", "agree"), Ballot("2", "block"), Ballot("3", "stand_aside")]
    assert [b.voter for b in consensus if survives_amendment(Method.CONSENSUS, b.choice)] == ["2"]
    # Methods without a resolution step keep nothing: every ballot was given to the old text.
    assert not survives_amendment(Method.SIMPLE_MAJORITY, "against")
    assert standing_objections(Method.SIMPLE_MAJORITY, [Ballot("1", "against")]) == ()


def test_an_amendment_late_in_the_window_leaves_a_day_to_read_it():
    now = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    far = now + timedelta(days=3)
    assert window_after_amendment(far, now) == far
    soon = now + timedelta(hours=2)
    assert window_after_amendment(soon, now) == now + READING_TIME == now + timedelta(hours=24)
