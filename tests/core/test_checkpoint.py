"""C2SP tlog-checkpoint bodies."""

import json
from pathlib import Path

import pytest

from confederal.ledger import (
    Checkpoint,
    CheckpointError,
    NoteError,
    Signer,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
    sign_note,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "signed_note_example.json").read_text())["other"]


def test_it_parses_the_spec_example_checkpoint():
    example = VECTORS["tlog_checkpoint_example"]
    checkpoint = parse_checkpoint(parse_note(example["note"]).text)
    assert (checkpoint.origin, checkpoint.size) == (example["origin"], example["tree_size"])
    assert checkpoint.text == parse_note(example["note"]).text


def test_it_round_trips_a_checkpoint_with_extension_lines():
    checkpoint = Checkpoint("a.example/log", 12, b"\x01" * 32, ("ext one",))
    assert parse_checkpoint(checkpoint.text) == checkpoint


@pytest.mark.parametrize(
    "text",
    [
        "a.example/log\n12\n",
        "a.example/log\n012\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n",
        "a.example/log\n-1\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n",
        "a.example/log\n0x12\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n",
        "a.example/log\n12\nAQEB\n",
        "a.example/log\n12\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
        "a.example/log\n12\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n\nextension after blank\n",
        "\n12\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n",
        "a.example/log\n99999999999999999999\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n",
    ],
)
def test_it_rejects_bad_checkpoint_text(text):
    with pytest.raises(CheckpointError) as err:
        parse_checkpoint(text)
    assert err.value.code == "malformed_checkpoint"


def test_a_checkpoint_signed_for_another_origin_is_refused():
    key = Signer("a.example/log", b"\x05" * 32)
    other = Checkpoint("b.example/log", 0, b"\x00" * 32)
    with pytest.raises(CheckpointError, match=r"is for 'b\.example/log'"):
        open_checkpoint(sign_note(other.text, [key]), key.verifier)


def test_a_checkpoint_signed_by_another_key_is_refused():
    key, impostor = Signer("a.example/log", b"\x05" * 32), Signer("a.example/log", b"\x06" * 32)
    note = sign_note(Checkpoint("a.example/log", 0, b"\x00" * 32).text, [impostor])
    with pytest.raises(NoteError) as err:
        open_checkpoint(note, key.verifier)
    assert err.value.code == "no_known_signature"
