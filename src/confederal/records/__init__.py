"""Every kind of record a ledger holds, declared once: its name, its typed body, and how it reads.

A kind is a :class:`~confederal.ledger.RecordBody` subclass in the core package of
its concept (a decision in ``decisions``, a draw in ``sortition``, a mandate in
``federation``…); :data:`KINDS` lists them all. Services write records only as
these bodies, the ledger page and the API describe entries with them, the
federation fold reads its acts with them, and ``confederal append`` lets an
operator write only the kinds marked ``operator``.

To add a kind: write its body class beside the concept it records, list it here,
and write the service that appends it (``CONTRIBUTING.md``).
"""

from collections.abc import Mapping as _Mapping
from types import MappingProxyType as _MappingProxyType

from confederal.books._records import (
    AccountOpened,
    BudgetAdopted,
    SpendApproved,
    SpendDeclined,
    SpendRequested,
    TransactionRecorded,
)
from confederal.charter._records import CharterAdopted
from confederal.decisions._records import (
    PROPOSAL_KINDS,
    Decision,
    DecisionReviewed,
    ProposalAmended,
    PublishedBallot,
    StatedReason,
    outcome_phrase,
)
from confederal.federation._records import (
    FEDERATION_BODIES as _FEDERATION_BODIES,
)
from confederal.federation._records import (
    CouncilConvened,
    CouncilJoined,
    CouncilLeft,
    CouncilSunset,
    DelegateAct,
    FederationFounded,
    FederationJoined,
    FederationLeft,
    MandateGranted,
    MandateRecalled,
)
from confederal.ledger import N_, Amount, Param, Phrase, RecordBody, RecordError
from confederal.ledger import JSONValue as _JSONValue
from confederal.meetings._records import MeetingMinutes
from confederal.mutual_aid._records import AidOffer, AidRequest, AidVote
from confederal.roles._records import REASON_PHRASES, ChoreAssignment, RoleAssignment, reason_phrase
from confederal.sortition._record import DrawAnnounced, DrawContribution, DrawResult
from confederal.splitting._records import AssemblySplit

from ._membership import VIAS, MemberJoined, MemberLeft
from ._operator import FinanceNote, MetricNote

__all__ = [
    "KINDS",
    "N_",
    "OPERATOR_KINDS",
    "PROPOSAL_KINDS",
    "REASON_PHRASES",
    "VIAS",
    "AccountOpened",
    "AidOffer",
    "AidRequest",
    "AidVote",
    "Amount",
    "AssemblySplit",
    "BudgetAdopted",
    "CharterAdopted",
    "ChoreAssignment",
    "CouncilConvened",
    "CouncilJoined",
    "CouncilLeft",
    "CouncilSunset",
    "Decision",
    "DecisionReviewed",
    "DelegateAct",
    "DrawAnnounced",
    "DrawContribution",
    "DrawResult",
    "FederationFounded",
    "FederationJoined",
    "FederationLeft",
    "FinanceNote",
    "MandateGranted",
    "MandateRecalled",
    "MeetingMinutes",
    "MemberJoined",
    "MemberLeft",
    "MetricNote",
    "Param",
    "Phrase",
    "ProposalAmended",
    "PublishedBallot",
    "RecordBody",
    "RecordError",
    "RoleAssignment",
    "SpendApproved",
    "SpendDeclined",
    "SpendRequested",
    "StatedReason",
    "TransactionRecorded",
    "describe",
    "kind_of",
    "outcome_phrase",
    "parse",
    "reason_phrase",
]

_ALL: tuple[type[RecordBody], ...] = (
    # an assembly and its members
    CharterAdopted,
    MemberJoined,
    MemberLeft,
    AssemblySplit,
    # deciding
    Decision,
    DecisionReviewed,
    ProposalAmended,
    MeetingMinutes,
    # roles and lotteries
    RoleAssignment,
    ChoreAssignment,
    DrawAnnounced,
    DrawContribution,
    DrawResult,
    # federation and councils
    *_FEDERATION_BODIES,
    # books
    AccountOpened,
    BudgetAdopted,
    TransactionRecorded,
    SpendRequested,
    SpendApproved,
    SpendDeclined,
    # mutual aid in a federation (its money moves as books transactions)
    AidRequest,
    AidOffer,
    AidVote,
    # notes of a node's operator
    FinanceNote,
    MetricNote,
)

#: Every kind, by its name.
KINDS: _Mapping[str, type[RecordBody]] = _MappingProxyType({cls.kind: cls for cls in _ALL})
#: The kinds ``confederal append`` accepts: notes of the operator, never acts of an assembly.
OPERATOR_KINDS: tuple[str, ...] = tuple(sorted(name for name, cls in KINDS.items() if cls.operator))


def kind_of(name: str) -> type[RecordBody]:
    """The body class of a kind.

    Raises:
        RecordError: ``unknown_kind`` when no kind has that name.
    """
    try:
        return KINDS[name]
    except KeyError:
        raise RecordError("unknown_kind", "{kind!r} is not a kind of record this software knows.", kind=name) from None


def parse(name: str, body: _Mapping[str, _JSONValue]) -> RecordBody:
    """Read a record's body as its kind says.

    Raises:
        RecordError: an unknown kind, or a body malformed for it.
    """
    return kind_of(name).from_json(body)


def describe(name: str, body: _Mapping[str, _JSONValue]) -> Phrase:
    """One sentence about a record, whatever its state: a malformed or unknown one says so."""
    try:
        return parse(name, body).describe()
    except RecordError:
        return Phrase(N_("A record of a kind (%(kind)s) or shape this node cannot read"), {"kind": name})
