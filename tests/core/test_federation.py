"""Federation core: charters, the council fold, witnessing and the checks a pull makes."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta

import pytest

from confederal.federation import (
    SCREEN_LIMIT,
    Act,
    CouncilCharter,
    FederationCharter,
    FederationError,
    Mandate,
    SyncError,
    WitnessedClock,
    breach,
    check_add_checkpoint,
    conflicts,
    cosign,
    council_state,
    federation_state,
    format_add_checkpoint,
    parse_add_checkpoint,
    verify_extension,
    witness_verifier,
)
from confederal.ledger import (
    SIG_COSIGNATURE_V1,
    Checkpoint,
    Entry,
    Frontier,
    Signer,
    consistency_proof,
    did_key,
    encode_entry,
    format_time,
    leaf_hash,
    open_checkpoint,
    sign_note,
)
from confederal.ledger import TreeLevels as Tree

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FED = "f" * 64
COUNCIL = "c" * 64
A, B, C = "a.example/ledgers/river", "b.example/ledgers/sun", "c.example/ledgers/roof"

CHARTER = {
    "name": "Valley Commons",
    "principles": ["Decisions are made by those affected.", "Resources move sideways, not up."],
    "transparency": "Every budget and decision is in a public ledger.",
    "recall": "A home assembly may recall its delegate at any time by its own decision.",
    "max_council_days": 30,
    "mutual_aid": "Each assembly gives 2% of its budget to the mutual-aid pool.",
    "sunset": "Every council dissolves at its end; its roles lapse and its minutes are archived.",
    "mandate_breach": "refuse",
    "witnesses": 1,
}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# -- charters and mandates --------------------------------------------------------------------------


def test_a_federation_charter_round_trips_and_fits_on_one_screen():
    charter = FederationCharter.from_json(CHARTER)
    assert FederationCharter.from_json(charter.to_json()) == charter
    assert len(charter.screen_text()) <= SCREEN_LIMIT


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"principles": []}, "bad_principles"),
        ({"principles": ["x"] * 8}, "bad_principles"),
        ({"max_council_days": 0}, "bad_field"),
        ({"max_council_days": True}, "bad_field"),
        ({"mandate_breach": "ignore"}, "bad_field"),
        ({"recall": ""}, "missing_field"),
        ({"name": 5}, "bad_field"),
        ({"principles": ["p" * 160] * 7, "transparency": "t" * 280, "recall": "r" * 280}, "too_long"),
    ],
)
def test_a_malformed_federation_charter_is_refused_with_a_code(change, code):
    with pytest.raises(FederationError) as raised:
        FederationCharter.from_json({**CHARTER, **change})
    assert raised.value.code == code


def test_a_council_may_not_outlast_what_the_federation_allows():
    federation = FederationCharter.from_json(CHARTER)
    ok = CouncilCharter(FED, "Stop the pipeline", T0, T0 + timedelta(days=30))
    ok.check_within(federation)
    with pytest.raises(FederationError) as raised:
        CouncilCharter(FED, "Forever", T0, T0 + timedelta(days=31)).check_within(federation)
    assert raised.value.code == "term_too_long"
    with pytest.raises(FederationError):
        CouncilCharter(FED, "Backwards", T0, T0 - timedelta(minutes=1)).check_within(federation)


def test_a_mandate_allows_what_it_instructs_and_names_what_it_forbids():
    mandate = Mandate("Vote for the blockade.", {"q1": "for", "q2": "judgement", "q3": "abstain"}, ("no violence",))
    assert breach(mandate, "q1", "for") is None
    assert breach(mandate, "q1", "against") == "the mandate says for on q1"
    assert breach(mandate, "q2", "against") is None
    assert breach(mandate, "q3", "for") == "the mandate says abstain on q3"
    assert breach(mandate, None, "against") is None  # no instruction: the delegate's judgement
    assert breach(mandate, "q1", "maybe") is not None
    assert Mandate.from_json(mandate.to_json()) == mandate
    with pytest.raises(FederationError):
        Mandate.from_json({"text": "x", "instructions": {"q1": "always"}})


# -- the council fold -----------------------------------------------------------------------------


class Ledgers:
    """Member ledgers for a fold, each act witnessed at the minute given."""

    def __init__(self) -> None:
        self.acts: list[Act] = []
        self.seq = {A: 0, B: 0, C: 0}

    def add(self, origin: str, kind: str, body: dict, minute: float | None) -> Act:
        seq = self.seq[origin] = self.seq[origin] + 1
        act = Act(origin, seq, kind, body, f"{origin}#{seq}", None if minute is None else at(minute))
        self.acts.append(act)
        return act


def convened(breach_mode: str = "refuse") -> tuple[Ledgers, Act, Act, dict[str, int]]:
    """A federation of A, B and C; a council convened by A from minute 10 to 70; B and C join; one grant each."""
    ledgers = Ledgers()
    charter = ledgers.add(A, "federation.charter", {**CHARTER, "mandate_breach": breach_mode}, 0)
    charter = Act(charter.origin, charter.seq, charter.kind, charter.body, FED, charter.witnessed_at)
    ledgers.acts[0] = charter
    for origin in (B, C):
        ledgers.add(origin, "federation.join", {"federation": FED}, 1)
    body = {
        "federation": FED,
        "objective": "Stop the pipeline",
        "starts_at": format_time(at(10)),
        "ends_at": format_time(at(70)),
        "agenda": [{"id": "q1", "text": "Blockade on the 12th?"}],
    }
    council = ledgers.add(A, "council.charter", body, 2)
    council = Act(council.origin, council.seq, council.kind, council.body, COUNCIL, council.witnessed_at)
    ledgers.acts[-1] = council
    for origin in (B, C):
        ledgers.add(origin, "council.join", {"council": COUNCIL}, 3)
    grants = {}
    for origin, name, instruction in ((A, "ana", "for"), (B, "ben", "judgement"), (C, "cai", "for")):
        mandate = {"text": "Carry our position.", "instructions": {"q1": instruction}, "red_lines": []}
        grants[origin] = ledgers.add(
            origin, "mandate.grant", {"council": COUNCIL, "delegate": name, "mandate": mandate}, 4
        ).seq
    return ledgers, charter, council, grants


def fold(ledgers: Ledgers, charter: Act, council: Act, now: float):
    federation = federation_state(charter, ledgers.acts)
    return council_state(council, federation, ledgers.acts, at(now))


def motion(ledgers: Ledgers, grants, origin=A, minute=12.0) -> dict:
    act = ledgers.add(origin, "delegate.act",
                      {"council": COUNCIL, "grant": grants[origin], "act": "motion", "title": "Blockade",
                       "text": "On the 12th", "question": "q1"}, minute)  # fmt: skip
    return {"origin": act.origin, "seq": act.seq}


def vote(ledgers: Ledgers, grants, origin, ref, choice, minute) -> Act:
    body = {"council": COUNCIL, "grant": grants[origin], "act": "vote", "motion": ref, "choice": choice}
    return ledgers.add(origin, "delegate.act", body, minute)


def test_it_folds_a_council_from_convening_to_dissolution():
    ledgers, charter, council, grants = convened()
    ref = motion(ledgers, grants)
    for origin, minute in ((A, 13), (B, 14), (C, 15)):
        vote(ledgers, grants, origin, ref, "for", minute)
    sitting = fold(ledgers, charter, council, now=20)
    assert sitting.status == "sitting"
    assert sitting.members() == [A, B, C]
    (decided,) = sitting.motions
    assert (decided.adopted, decided.count("for"), decided.decided_at) == (True, 3, at(15))
    over = fold(ledgers, charter, council, now=71)
    assert over.status == "dissolved"
    assert all(s.grants[-1].end_reason == "dissolved" for s in over.seats.values())
    assert over.served() == [(A, "ana"), (B, "ben"), (C, "cai")]


def test_the_same_records_in_any_order_fold_into_the_same_archive():
    ledgers, charter, council, grants = convened()
    ref = motion(ledgers, grants)
    vote(ledgers, grants, B, ref, "against", 13)
    vote(ledgers, grants, C, ref, "for", 14)
    expected = fold(ledgers, charter, council, now=80).archive()
    for seed in range(5):
        random.Random(seed).shuffle(ledgers.acts)
        assert fold(ledgers, charter, council, now=80).archive() == expected
    assert expected["motions"][0]["adopted"] is False  # 1 of 3 for, decided at the end


def test_a_recall_mid_vote_stops_the_delegates_later_acts_and_a_replacement_votes_at_once():
    ledgers, charter, council, grants = convened()
    ref = motion(ledgers, grants)
    vote(ledgers, grants, B, ref, "for", 13)  # before the recall: counts until replaced
    ledgers.add(B, "mandate.recall", {"council": COUNCIL, "grant": grants[B]}, 14)
    late = vote(ledgers, grants, B, ref, "against", 15)  # the recalled delegate tries again
    mandate = {"text": "New delegate.", "instructions": {}, "red_lines": []}
    grants[B] = ledgers.add(B, "mandate.grant", {"council": COUNCIL, "delegate": "bea", "mandate": mandate}, 16).seq
    vote(ledgers, grants, B, ref, "against", 17)
    state = fold(ledgers, charter, council, now=30)
    assert [(i.seq, i.reason) for i in state.ignored] == [
        (late.seq, "the delegate holds no live mandate from this assembly")
    ]
    (m,) = state.motions
    assert (m.votes[B].delegate, m.votes[B].choice) == ("bea", "against")
    assert [g.end_reason for g in state.seats[B].grants] == ["recalled", None]


@pytest.mark.parametrize("mode", ["refuse", "flag"])
def test_a_vote_against_the_mandate_is_refused_or_flagged_as_the_charter_says(mode):
    ledgers, charter, council, grants = convened(mode)
    ref = motion(ledgers, grants)
    against = vote(ledgers, grants, C, ref, "against", 13)  # C's mandate says "for" on q1
    state = fold(ledgers, charter, council, now=30)
    (m,) = state.motions
    if mode == "refuse":
        assert C not in m.votes
        assert [(i.seq, i.reason) for i in state.ignored] == [(against.seq, "refused: the mandate says for on q1")]
    else:
        assert m.votes[C].choice == "against"
        assert m.votes[C].flag == "the mandate says for on q1"
        assert not state.ignored


def test_acts_witnessed_after_the_end_do_not_count_and_unwitnessed_acts_wait():
    ledgers, charter, council, grants = convened()
    ref = motion(ledgers, grants)
    vote(ledgers, grants, A, ref, "for", 20)
    late = vote(ledgers, grants, B, ref, "for", 71)  # written in time, perhaps, but witnessed after the end
    waiting = vote(ledgers, grants, C, ref, "for", None)
    sitting = fold(ledgers, charter, council, now=69)
    assert [a.seq for a in sitting.pending] == [waiting.seq]
    over = fold(ledgers, charter, council, now=75)
    assert (late.origin, late.seq, "witnessed after the council ended") in [
        (i.origin, i.seq, i.reason) for i in over.ignored
    ]
    (m,) = over.motions
    assert (m.adopted, m.count("for"), m.decided_at) == (False, 1, at(70))


def test_an_assembly_outside_the_federation_cannot_join_and_acts_before_the_start_do_not_count():
    ledgers, charter, council, grants = convened()
    ledgers.add(C, "federation.leave", {"federation": FED}, 5)
    ledgers.add(C, "council.join", {"council": COUNCIL}, 6)  # rejoining the council after leaving the federation
    early = motion(ledgers, grants, A, 8)  # before the council starts at minute 10
    state = fold(ledgers, charter, council, now=20)
    reasons = {(i.origin, i.reason) for i in state.ignored}
    assert (C, "the assembly is not in the federation") in reasons
    assert (A, "witnessed before the council started") in reasons
    assert not state.motions
    assert early["origin"] == A
    federation = federation_state(charter, ledgers.acts)
    assert [o for o, _ in federation.members] == [A, B]
    assert [o for o, _ in federation.left] == [C]


def test_a_council_in_another_federation_or_too_long_is_refused():
    ledgers, charter, council, _ = convened()
    federation = federation_state(charter, ledgers.acts)
    other = Act(A, 99, "council.charter", {**council.body, "federation": "e" * 64}, "d" * 64, at(2))
    with pytest.raises(FederationError):
        council_state(other, federation, ledgers.acts, at(20))
    long = Act(A, 99, "council.charter", {**council.body, "ends_at": format_time(at(60 * 24 * 31))}, "d" * 64, at(2))
    with pytest.raises(FederationError) as raised:
        council_state(long, federation, ledgers.acts, at(20))
    assert raised.value.code == "term_too_long"


# -- witnessed time -------------------------------------------------------------------------------


def test_witnessed_time_is_the_earliest_quorum_over_the_checkpoints_that_hold_an_entry():
    clock = WitnessedClock([(3, [100, 90]), (5, [80]), (9, [200, 150, 170])], quorum=2)
    # size 5 has one cosignature only: no quorum. Entries 0–2 are in checkpoint 3 (quorum at 100)
    # and in 9 (quorum at 170): 100. Entries 3–8 are only in 9: 170. Entry 9 is in none yet.
    assert [clock.at(s) for s in (0, 2, 3, 8, 9)] == [100, 100, 170, 170, None]
    assert WitnessedClock([(4, [50])], quorum=1).at(3) == 50


# -- the witness protocol (C2SP tlog-witness) -----------------------------------------------------

LOG = Signer(A, bytes(range(32)))
WITNESS = Signer("b.example", bytes(range(1, 33)), SIG_COSIGNATURE_V1)


def signed(size: int) -> tuple[Tree, str]:
    tree = Tree([leaf_hash(f"entry {i}".encode()) for i in range(size)])
    checkpoint = Checkpoint(A, size, tree.root())
    return tree, sign_note(checkpoint.text, [LOG])


def test_it_parses_the_request_example_of_the_tlog_witness_spec():
    # C2SP tlog-witness.md, "add-checkpoint", example request body (the consistency proof part).
    body = (
        b"old 20852014\n"
        b"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
        b"jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
        b"5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
        b"/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
        b"\n"
        b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    )
    request = parse_add_checkpoint(body)
    assert request.old == 20852014
    assert len(request.proof) == 4
    assert request.proof[0] == base64.b64decode("PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=")
    assert request.note.startswith("example.com/behind-the-sofa\n20852163\n")


@pytest.mark.parametrize(
    "body",
    [b"", b"old 01\n\nx", b"new 3\n\nx", b"old 3\nnot-base64!\n\nx", b"old 3\nAAAA\n\nx", b"old 3\n", b"\xff\xfe"],
)
def test_it_refuses_a_malformed_witness_request(body):
    with pytest.raises(FederationError) as raised:
        parse_add_checkpoint(body)
    assert raised.value.code == "malformed_request"


def test_a_witness_cosigns_a_consistent_checkpoint_and_refuses_every_other_case():
    key = LOG.verifier
    tree5, note5 = signed(5)
    tree9, note9 = signed(9)
    proof = consistency_proof(5, 9, tree9.read)
    first = check_add_checkpoint(parse_add_checkpoint(format_add_checkpoint(0, [], note5)), key, None)
    assert first.status == 200
    assert first.checkpoint is not None
    latest = (5, tree5.root())
    good = check_add_checkpoint(parse_add_checkpoint(format_add_checkpoint(5, proof, note9)), key, latest)
    assert good.status == 200
    assert good.checkpoint is not None
    line = cosign(good.checkpoint, WITNESS, 1_800_000_000)
    opened = open_checkpoint(note9 + line, key, [WITNESS.verifier])
    assert opened.cosignatures == (("b.example", 1_800_000_000),)
    assert check_add_checkpoint(parse_add_checkpoint(format_add_checkpoint(3, proof, note9)), key, latest).size == 5
    assert (
        check_add_checkpoint(parse_add_checkpoint(format_add_checkpoint(5, proof, note9)), None, latest).status == 404
    )
    other = Signer(A, bytes(range(2, 34)))
    forged = sign_note(Checkpoint(A, 9, tree9.root()).text, [other])
    assert (
        check_add_checkpoint(parse_add_checkpoint(format_add_checkpoint(5, proof, forged)), key, latest).status == 403
    )
    _, fork9 = signed(9)
    bent = Tree([leaf_hash(f"other {i}".encode()) for i in range(9)])
    fork9 = sign_note(Checkpoint(A, 9, bent.root()).text, [LOG])
    assert check_add_checkpoint(parse_add_checkpoint(format_add_checkpoint(5, proof, fork9)), key, latest).status == 422
    assert check_add_checkpoint(parse_add_checkpoint(format_add_checkpoint(9, [], note5)), key, latest).status == 400


def test_a_nodes_witness_key_is_its_ledger_key_under_the_nodes_name():
    node = Signer("a.example", bytes(range(32)))
    witness = witness_verifier(node.with_name(A).verifier)
    assert witness == node.with_name("a.example", SIG_COSIGNATURE_V1).verifier


# -- the pull's checks ----------------------------------------------------------------------------

AUTHOR = did_key(LOG.verifier.public_key)


def entries(count: int, start: int = 0, prev: bytes | None = None, word: str = "minutes") -> list[bytes]:
    out = []
    for seq in range(start, start + count):
        data = encode_entry(Entry(A, seq, prev, "2026-12-01T12:00:00Z", "metric", AUTHOR, {"what": f"{word} {seq}"}))
        out.append(data)
        prev = leaf_hash(data)
    return out


def grown(all_entries: list[bytes]) -> tuple[Frontier, str]:
    frontier = Frontier()
    for data in all_entries:
        frontier.append(leaf_hash(data))
    return frontier, sign_note(Checkpoint(A, frontier.size, frontier.root()).text, [LOG])


def test_a_pull_accepts_entries_that_extend_the_verified_prefix_to_the_signed_root():
    history = entries(7)
    prefix, _ = grown(history[:4])
    _, note = grown(history)
    extension = verify_extension(LOG.verifier, 4, prefix, leaf_hash(history[3]), note, history[4:])
    assert extension.checkpoint.size == 7
    assert extension.frontier.root() == grown(history)[0].root()
    assert [r.seq for r in extension.records] == [4, 5, 6]


def test_a_pull_refuses_what_does_not_verify():
    history = entries(7)
    prefix, _ = grown(history[:4])
    _, note = grown(history)
    last = leaf_hash(history[3])
    cases = {
        "wrong_root": (note, [*history[4:6], entries(1, 6, leaf_hash(history[5]), "forged")[0]]),
        "malformed_entry": (note, [history[4], history[6], history[5]]),
        "broken_chain": (note, [*history[4:6], entries(1, 6, leaf_hash(history[4]), "forged")[0]]),
        "bad_checkpoint": (note.replace("7\n", "8\n", 1), history[4:]),
        "behind": (grown(history[:3])[1], []),
    }
    for code, (served, data) in cases.items():
        with pytest.raises(SyncError) as raised:
            verify_extension(LOG.verifier, 4, prefix, last, served, data)
        assert raised.value.code == code, code
    with pytest.raises(SyncError):
        verify_extension(Signer(A, bytes(range(3, 35))).verifier, 4, prefix, last, note, history[4:])


def test_two_signed_histories_that_cannot_both_be_true_are_a_proof_and_bad_data_is_not():
    history = entries(6)
    rewritten = history[:2] + entries(4, 2, leaf_hash(history[1]), "rewritten")
    old = Checkpoint(A, 4, grown(history[:4])[0].root())
    new = Checkpoint(A, 6, grown(rewritten)[0].root())
    theirs = [leaf_hash(d) for d in rewritten]
    assert conflicts(old, new, theirs) == "the history signed at size 6 does not begin with the one signed at size 4"
    honest = Checkpoint(A, 6, grown(history)[0].root())
    assert conflicts(old, honest, [leaf_hash(d) for d in history]) is None
    assert conflicts(old, honest, theirs) is None  # entries that don't match their own signature prove nothing
    assert conflicts(old, Checkpoint(A, 4, new.root), None) == "two different roots signed for size 4"
