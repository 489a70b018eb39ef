"""Federation without a centre: charters, councils of mandated delegates, witnessing and sync checks.

Pure functions and values only — no Django, no I/O. A federation and each of its
councils are folded from the records the member assemblies keep in their own
ledgers (:func:`federation_state`, :func:`council_state`); witnesses' cosignatures
give each record the time it happened (:class:`WitnessedClock`); and what a peer
serves is checked against its signature before it is kept (:func:`verify_extension`).
"""

from ._charter import (
    AID_PERIODS,
    BREACH_MODES,
    INSTRUCTIONS,
    SCREEN_LIMIT,
    AidRule,
    CouncilCharter,
    FederationCharter,
    Mandate,
    Question,
    breach,
    parse_time,
)
from ._council import (
    Act,
    CouncilState,
    FederationState,
    Grant,
    Ignored,
    Motion,
    Seat,
    Vote,
    council_state,
    federation_state,
)
from ._errors import FederationError
from ._records import FEDERATION_KINDS, subject_of
from ._sync import Extension, SyncError, conflicts, read_checkpoint, verify_extension
from ._witness import (
    MAX_PROOF_LINES,
    AddCheckpoint,
    Verdict,
    WitnessedClock,
    check_add_checkpoint,
    cosign,
    format_add_checkpoint,
    node_name,
    parse_add_checkpoint,
    witness_verifier,
)

__all__ = [
    "AID_PERIODS",
    "BREACH_MODES",
    "FEDERATION_KINDS",
    "INSTRUCTIONS",
    "MAX_PROOF_LINES",
    "SCREEN_LIMIT",
    "Act",
    "AddCheckpoint",
    "AidRule",
    "CouncilCharter",
    "CouncilState",
    "Extension",
    "FederationCharter",
    "FederationError",
    "FederationState",
    "Grant",
    "Ignored",
    "Mandate",
    "Motion",
    "Question",
    "Seat",
    "SyncError",
    "Verdict",
    "Vote",
    "WitnessedClock",
    "breach",
    "check_add_checkpoint",
    "conflicts",
    "cosign",
    "council_state",
    "federation_state",
    "format_add_checkpoint",
    "node_name",
    "parse_add_checkpoint",
    "parse_time",
    "read_checkpoint",
    "subject_of",
    "verify_extension",
    "witness_verifier",
]
