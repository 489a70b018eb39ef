"""C2SP signed notes and cosignatures, against the spec's example and Go's test keys."""

import json
from pathlib import Path

import pytest

from confederal.ledger import (
    SIG_COSIGNATURE_V1,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    open_note,
    parse_note,
    sign_note,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "signed_note_example.json").read_text())
GO = VECTORS["other"]["go_sumdb_note"]


def test_it_verifies_the_signed_note_spec_example():
    verifier = Verifier.from_vkey(VECTORS["verifier_keys"][0])
    opened = open_note(VECTORS["note"], [verifier])
    assert opened.text == "This is an example message.\n"
    assert [v.name for v, _, _ in opened.verified] == ["example.com/foo"]
    assert verifier.vkey == VECTORS["verifier_keys"][0]


def test_it_parses_the_intro_example_it_cannot_verify():
    intro = VECTORS["other"]["signed_note_intro_example"]
    note = parse_note(intro["note"])
    assert note.text == intro["expected_text"]
    assert (note.signatures[0].name, f"{note.signatures[0].key_id:08x}") == (intro["key_name"], intro["key_id_hex"])
    assert note.serialize() == intro["note"]


def test_a_go_signer_key_reproduces_gos_signature_byte_for_byte():
    signer = Signer.from_skey(GO["signer_keys"][0])
    assert signer.verifier.vkey == GO["verifier_keys"][0]
    assert signer.skey == GO["signer_keys"][0]
    assert sign_note(GO["text"], [signer]) == GO["note_signed_by_peter"]


def test_it_sets_aside_signatures_by_unknown_keys():
    peter = Verifier.from_vkey(GO["verifier_keys"][0])
    opened = open_note(GO["note_signed_by_peter_and_enoch"], [peter])
    assert [v.name for v, _, _ in opened.verified] == ["PeterNeumann"]
    assert [s.name for s in opened.unverified] == ["EnochRoot"]
    both = [peter, Verifier.from_vkey(GO["verifier_keys"][1])]
    assert len(open_note(GO["note_signed_by_peter_and_enoch"], both).verified) == 2


@pytest.mark.parametrize("note", GO["malformed_notes"], ids=range(len(GO["malformed_notes"])))
def test_it_rejects_gos_malformed_notes(note):
    peter = Verifier.from_vkey(GO["verifier_keys"][0])
    with pytest.raises(NoteError):
        open_note(note, [peter])


@pytest.mark.parametrize("vkey", sorted(GO["bad_verifier_keys"]))
def test_it_rejects_gos_bad_verifier_keys(vkey):
    with pytest.raises(NoteError):
        Verifier.from_vkey(vkey)


def test_a_changed_text_fails_with_bad_signature_and_a_stranger_with_no_known_signature():
    peter = Verifier.from_vkey(GO["verifier_keys"][0])
    tampered = GO["note_signed_by_peter"].replace("answer", "anwser")
    with pytest.raises(NoteError) as bad:
        open_note(tampered, [peter])
    assert bad.value.code == "bad_signature"
    stranger = Signer("PeterNeumann", b"\x07" * 32)
    with pytest.raises(NoteError) as unknown:
        open_note(GO["note_signed_by_peter"], [stranger.verifier])
    assert unknown.value.code == "no_known_signature"


def test_a_repeated_signature_line_is_skipped_but_two_different_ones_by_one_key_are_refused():
    signer = Signer("a.example/log", b"\x01" * 32)
    note = sign_note("hello\n", [signer])
    line = note.split("\n\n")[1]
    assert len(open_note(note + line, [signer.verifier]).verified) == 1
    other = signer.sign("another text\n").line
    with pytest.raises(NoteError, match="two different signatures"):
        open_note(note + other, [signer.verifier])


def test_a_checkpoint_must_carry_an_ed25519_log_signature_not_a_cosignature():
    witness = Signer("a.example/log", b"\x03" * 32, SIG_COSIGNATURE_V1)
    text = "a.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    note = text + "\n" + witness.sign(text, 1_800_000_000).line
    with pytest.raises(NoteError, match="Ed25519 key"):
        open_checkpoint(note, witness.verifier)


@pytest.mark.parametrize(
    "message",
    [
        "no blank line\n— a.example/log AAAAAAAA\n",
        "text\n\nnot a signature line\n",
        "text\n\n— a.example/log\n",
        "text\r\n\n— a.example/log AAAAAAAA\n",
        "text\n\n— a+b AAAAAAAA\n",
        "text\n\n— a.example/log AAAA\n",
        "text\n\n— a.example/log AAAAAAB=\n",  # non-canonical base64 (stray low bits)
        "text\n\n" + "— a.example/log AAAAAAAA\n" * 101,
    ],
)
def test_it_rejects_malformed_notes_with_a_clear_error(message):
    with pytest.raises(NoteError) as err:
        parse_note(message)
    assert err.value.message


def test_it_refuses_to_sign_a_text_without_final_newline():
    with pytest.raises(NoteError, match="newline"):
        sign_note("hello", [Signer("a.example/log", b"\x01" * 32)])


def test_the_design_notes_example_checkpoint_verifies_with_its_log_key_and_witness_cosignature():
    # ../shared/design/ledger-federation.md §4.2 gives a checkpoint signed by a log key and
    # cosigned (cosignature/v1) by a witness, with both verifier keys.
    note = (
        "assembly.example.org/ledger\n2\nnUwsQAo7X2Y/pHn2J6UcEcW8SFxWm1rPq6apuqXl+cM=\n\n"
        "— assembly.example.org/ledger YwK4cCPaM5rzFPq1SZ6W5IB3wSEard/LRy8hQ89OQSJ7vvLycJi6NcCaq/"
        "8ecDBcOV40BuO8Xm0lzZfq/F36ruhg2gQ=\n"
        "— witness.other-assembly.example.net GUODvQAAAABq/YbAkk/x3wJ7CsAiocxUE8l9uOuANzq9X9/RTSH/"
        "juAiPZ3+ghQws8kbKvxIVd4fkp3RpY4jfLBeX95pxMB96tS6Dg==\n"
    )
    log = Verifier.from_vkey("assembly.example.org/ledger+6302b870+ATBwpI0klHFnGEsgVBYxkA9HmYJwuN3zKCqXthsQ4vVK")
    witness = Verifier.from_vkey(
        "witness.other-assembly.example.net+194383bd+BE5hQpRT2M0ufr6DG5mrJTKl6o/AitU2u4CckX9b4Sdy"
    )
    assert witness.sig_type == SIG_COSIGNATURE_V1
    opened = open_checkpoint(note, log, [witness])
    assert opened.checkpoint.size == 2
    assert [name for name, _ in opened.cosignatures] == ["witness.other-assembly.example.net"]
    assert opened.cosignatures[0][1] > 1_700_000_000


def test_a_cosignature_covers_its_timestamp():
    log = Signer("assembly.example.org/ledger", b"\x02" * 32)
    witness = Signer("witness.example", b"\x03" * 32, SIG_COSIGNATURE_V1)
    text = "assembly.example.org/ledger\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    note = sign_note(text, [log]) + witness.sign(text, 1_800_000_000).line
    opened = open_checkpoint(note, log.verifier, [witness.verifier])
    assert opened.cosignatures == (("witness.example", 1_800_000_000),)
    # The same signature bytes under another claimed time must not verify.
    forged = witness.sign(text, 1_800_000_000)
    shifted = forged.payload[:7] + bytes([forged.payload[7] ^ 1]) + forged.payload[8:]
    from confederal.ledger import Signature

    bad = sign_note(text, [log]) + Signature(forged.name, forged.key_id, shifted).line
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(bad, log.verifier, [witness.verifier])
