"""Signed notes (C2SP ``signed-note`` v1) with Ed25519 and ``cosignature/v1`` keys.

A note is a UTF-8 text ending in a newline, a blank line, then signature lines
``— <key name> base64(key ID ‖ signature)``. A key is known by its name *and*
its 4-byte ID, ``SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]``. Verifier keys
travel as ``name+hex(id)+base64(type ‖ public key)``; signer keys use the
format of Go's ``golang.org/x/mod/sumdb/note``
(``PRIVATE+KEY+name+hex(id)+base64(type ‖ seed)``) so the two can be swapped.

Witness cosignatures (C2SP ``tlog-cosignature``, type 0x04) sign
``cosignature/v1\\ntime <T>\\n`` followed by the checkpoint text, and carry
the timestamp in the signature: ``key ID ‖ uint64 T ‖ signature``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from ._errors import NoteError

__all__ = [
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "SIG_COSIGNATURE_V1",
    "SIG_ED25519",
    "Note",
    "Signature",
    "Signer",
    "VerifiedNote",
    "Verifier",
    "b64decode_strict",
    "key_id",
    "open_note",
    "parse_note",
    "sign_note",
]

SIG_ED25519 = 0x01
SIG_COSIGNATURE_V1 = 0x04
_SUPPORTED_TYPES = (SIG_ED25519, SIG_COSIGNATURE_V1)

# The spec asks verifiers to accept at least 16 signatures; Go's verifier stops
# at 100. A note with more is refused before any signature is checked.
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 20
MAX_TIMESTAMP = 2**63 - 1

_DASH = "\u2014 "


def b64decode_strict(text: str, what: str) -> bytes:
    """Decode standard padded base64, refusing non-canonical spellings."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError("bad_base64", "The {what} is not valid base64.", what=what) from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError("bad_base64", "The {what} is not in canonical base64.", what=what)
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _check_key_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() or ord(c) < 0x20 for c in name):
        raise NoteError(
            "bad_key_name",
            "The key name {name!r} is not allowed: it must be non-empty, without spaces or '+'.",
            name=name,
        )


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """Return the 32-bit key ID of a key: the first four bytes of SHA-256(name ‖ 0x0A ‖ type ‖ key)."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures in notes."""

    name: str
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        if self.sig_type not in _SUPPORTED_TYPES:
            raise NoteError("unsupported_key_type", "Key type 0x{type:02x} is not supported.", type=self.sig_type)
        if len(self.public_key) != 32:
            raise NoteError("bad_public_key", "An Ed25519 public key is 32 bytes.")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.sig_type, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key string: ``name+hex(id)+base64(type ‖ key)``."""
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([self.sig_type]) + self.public_key)}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Parse a verifier key string.

        Raises:
            NoteError: the string is malformed or its key ID does not match its key.
        """
        parts = vkey.split("+", 2)  # base64 key material may itself contain '+'
        if len(parts) != 3:
            raise NoteError("bad_vkey", "A verifier key has three parts separated by '+': name, key ID and key.")
        name, hex_id, b64_key = parts
        if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
            raise NoteError("bad_vkey", "The key ID in a verifier key is eight lowercase hex digits.")
        raw = b64decode_strict(b64_key, "verifier key")
        if len(raw) < 2:
            raise NoteError("bad_vkey", "The verifier key holds no key.")
        verifier = cls(name, raw[0], raw[1:])
        if verifier.key_id != int(hex_id, 16):
            raise NoteError("bad_vkey", "The key ID in the verifier key does not match its key.")
        return verifier

    def check(self, text: str, payload: bytes) -> int | None:
        """Check a signature payload (after the key ID) over ``text``.

        Returns the cosignature timestamp for cosignature keys, ``None`` for
        plain Ed25519 keys.

        Raises:
            NoteError: the signature does not verify.
        """
        if self.sig_type == SIG_COSIGNATURE_V1:
            if len(payload) != 8 + 64:
                raise NoteError("bad_signature", "The cosignature by {key} has the wrong length.", key=self.name)
            timestamp = int.from_bytes(payload[:8], "big")
            if timestamp > MAX_TIMESTAMP:
                raise NoteError("bad_signature", "The cosignature by {key} has an impossible time.", key=self.name)
            message, signature, result = _cosigned_message(text, timestamp), payload[8:], timestamp
        else:
            if len(payload) != 64:
                raise NoteError("bad_signature", "The signature by {key} has the wrong length.", key=self.name)
            message, signature, result = text.encode("utf-8"), payload, None
        try:
            nacl.signing.VerifyKey(self.public_key).verify(message, signature)
        except nacl.exceptions.BadSignatureError:
            raise NoteError(
                "bad_signature",
                "The signature by {key} does not verify: the note was changed or signed by another key.",
                key=f"{self.name}+{self.key_id:08x}",
            ) from None
        return result


class Signer:
    """A private key that signs notes (Ed25519) or cosigns checkpoints (cosignature/v1)."""

    def __init__(self, name: str, seed: bytes, sig_type: int = SIG_ED25519) -> None:
        if len(seed) != 32:
            raise NoteError("bad_private_key", "An Ed25519 private key seed is 32 bytes.")
        self._key = nacl.signing.SigningKey(seed)
        self._seed = seed
        self.verifier = Verifier(name, sig_type, bytes(self._key.verify_key))

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Parse a signer key string in Go's ``PRIVATE+KEY+name+id+key`` format.

        Raises:
            NoteError: the string is malformed or its key ID does not match.
        """
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("bad_skey", "A signer key reads PRIVATE+KEY+name+keyid+key.")
        _, _, name, hex_id, b64_key = parts
        raw = b64decode_strict(b64_key, "signer key")
        if len(raw) != 33 or raw[0] not in _SUPPORTED_TYPES:
            raise NoteError("bad_skey", "The signer key does not hold an Ed25519 seed.")
        signer = cls(name, raw[1:], raw[0])
        if f"{signer.key_id:08x}" != hex_id:
            raise NoteError("bad_skey", "The key ID in the signer key does not match its key.")
        return signer

    def derive(self, purpose: str, name: str | None = None) -> Signer:
        """Another key for a separate purpose, derived one way from this one (nobody can go back).

        The node's operator signs as such a key, so a reader can always tell a note of
        the operator from an act of the assembly, with no second secret to keep.
        """
        seed = hashlib.sha256(b"confederal derived key\0" + purpose.encode() + b"\0" + self._seed).digest()
        return Signer(name or self.name, seed, self.verifier.sig_type)

    @property
    def skey(self) -> str:
        """The signer key string; keep it secret."""
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{_b64(bytes([self.verifier.sig_type]) + self._seed)}"

    def with_name(self, name: str, sig_type: int = SIG_ED25519) -> Signer:
        """Return a signer with the same private key under another name (and so another key ID)."""
        return Signer(name, self._seed, sig_type)

    def sign(self, text: str, timestamp: int | None = None) -> Signature:
        """Return this key's signature over a note text.

        Cosignature keys need the ``timestamp`` (seconds since the epoch) they vouch for.
        """
        if self.verifier.sig_type == SIG_COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp <= MAX_TIMESTAMP:
                raise NoteError("bad_timestamp", "A cosignature needs a time between 0 and 2^63 − 1.")
            payload = struct.pack(">Q", timestamp) + self._key.sign(_cosigned_message(text, timestamp)).signature
        else:
            payload = self._key.sign(text.encode("utf-8")).signature
        return Signature(self.name, self.key_id, payload)


@dataclass(frozen=True)
class Signature:
    """One signature line of a note."""

    name: str
    key_id: int
    payload: bytes

    @property
    def line(self) -> str:
        return f"{_DASH}{self.name} {_b64(self.key_id.to_bytes(4, 'big') + self.payload)}\n"


@dataclass(frozen=True)
class Note:
    """A parsed, not yet verified, signed note."""

    text: str
    signatures: tuple[Signature, ...]

    def serialize(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)


@dataclass(frozen=True)
class VerifiedNote:
    """A note with at least one signature checked against a known key."""

    text: str
    verified: tuple[tuple[Verifier, Signature, int | None], ...]
    unverified: tuple[Signature, ...]


def parse_note(message: str | bytes) -> Note:
    """Split a signed note into its text and signature lines, checking the format only.

    Raises:
        NoteError: the note is malformed.
    """
    if isinstance(message, bytes):
        if len(message) > MAX_NOTE_BYTES:
            raise NoteError("note_too_large", "The note is larger than {limit} bytes.", limit=MAX_NOTE_BYTES)
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("malformed_note", "The note is not valid UTF-8.") from None
    if len(message) > MAX_NOTE_BYTES:
        raise NoteError("note_too_large", "The note is larger than {limit} bytes.", limit=MAX_NOTE_BYTES)
    if any(ord(c) < 0x20 and c != "\n" for c in message):
        raise NoteError("malformed_note", "The note contains a control character other than newline.")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed_note", "The note has no blank line before its signatures.")
    text, block = message[: split + 1], message[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError("malformed_note", "The note has no signature lines, or they do not end in a newline.")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("malformed_note", "The note has more than {limit} signatures.", limit=MAX_SIGNATURES)
    signatures = []
    for line in lines:
        if not line.startswith(_DASH):
            raise NoteError("malformed_note", "A signature line must start with an em dash and a space.")
        name, space, b64_sig = line[len(_DASH) :].partition(" ")
        if not space:
            raise NoteError("malformed_note", "A signature line needs a key name and a signature.")
        _check_key_name(name)
        raw = b64decode_strict(b64_sig, "signature")
        if len(raw) < 5:
            raise NoteError("malformed_note", "A signature is too short to hold a key ID and a signature.")
        signatures.append(Signature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return Note(text, tuple(signatures))


def open_note(message: str | bytes, verifiers: Sequence[Verifier]) -> VerifiedNote:
    """Parse a note and check its signatures against the known keys.

    Signatures by unknown keys are set aside. A signature by a known key
    that fails, or two by the same known key, reject the whole note.

    Raises:
        NoteError: the note is malformed, a known key's signature is bad, or no
            known key signed it (code ``no_known_signature``).
    """
    note = parse_note(message)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[tuple[Verifier, Signature, int | None]] = []
    unverified: list[Signature] = []
    seen: dict[tuple[str, int], bytes] = {}
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.append(sig)
            continue
        earlier = seen.get((sig.name, sig.key_id))
        if earlier == sig.payload:
            continue  # the same line twice, as merging notes can leave; Go skips it too
        if earlier is not None:
            raise NoteError("duplicate_signature", "The note carries two different signatures by {key}.", key=sig.name)
        seen[(sig.name, sig.key_id)] = sig.payload
        verified.append((verifier, sig, verifier.check(note.text, sig.payload)))
    if not verified:
        names = ", ".join(f"{v.name}+{v.key_id:08x}" for v in verifiers) or "none given"
        raise NoteError(
            "no_known_signature",
            "The note is not signed by the expected key ({keys}).",
            keys=names,
        )
    return VerifiedNote(note.text, tuple(verified), tuple(unverified))


def sign_note(text: str, signers: Sequence[Signer], timestamp: int | None = None) -> str:
    """Return ``text`` signed by each signer, as a note.

    Raises:
        NoteError: the text is empty, does not end in a newline, or has
            control characters.
    """
    if not text.endswith("\n"):
        raise NoteError("malformed_note", "A note text must end with a newline.")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("malformed_note", "A note text may not contain control characters other than newline.")
    if not signers:
        raise NoteError("no_signer", "A note needs at least one signature.")
    return Note(text, tuple(s.sign(text, timestamp) for s in signers)).serialize()
