"""A delegate's inbox holds their council mandate and the council's open votes their assembly has not cast.

The federation's records are stored as a pull from a peer and this node's own appends leave them (``FederationRecord``),
with the peer's cosignatures that give them their witnessed time (``Cosignature``): the council is folded from them
by ``federation.selectors.council``, as on the council's own page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from confederal.federation import node_name
from confederal.ledger import format_time
from confederal.node.federation import selectors as federation
from confederal.node.federation.models import Cosignature, FederationRecord
from confederal.node.notices import selectors

from .cell import build_cell

PEER = "zz.example/ledgers/sun"
FED = "f" * 64
COUNCIL = "c" * 64
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


@pytest.fixture
def council(db):
    """Oak Street (here) founded Valley Commons and convened a council with the peer's assembly, sitting for a
    week from an hour ago; Oak Street sent Fay, the peer sent Ben, and Ben moved a motion an hour ago."""
    cell = build_cell()
    now = timezone.now()
    here = cell.assembly.ledger.origin
    seqs = {here: 0, PEER: 0}

    def record(origin, kind, body, leaf=None):
        seqs[origin] += 1
        seq = seqs[origin]
        leaf = leaf or f"{kind[:8]}{origin}{seq}".encode().hex()[:64]
        subject = body.get("federation") or body.get("council") or leaf
        FederationRecord.objects.create(
            origin=origin,
            seq=seq,
            kind=kind,
            body=body,
            leaf_hash=leaf,
            subject=leaf if leaf in (FED, COUNCIL) else subject,
        )
        return seq

    record(here, "federation.charter", CHARTER, FED)
    record(PEER, "federation.join", {"federation": FED})
    starts = now - timedelta(hours=2)
    record(
        here,
        "council.charter",
        {
            "federation": FED,
            "objective": "Keep the river clean",
            "starts_at": format_time(starts),
            "ends_at": format_time(now + timedelta(days=7)),
            "agenda": [{"id": "q1", "text": "Close the outfall?"}],
        },
        COUNCIL,
    )
    record(PEER, "council.join", {"council": COUNCIL})
    mandate = {"text": "Carry our position.", "instructions": {"q1": "for"}, "red_lines": []}
    fay = record(here, "mandate.grant", {"council": COUNCIL, "delegate": "Fay", "mandate": mandate})
    ben = record(PEER, "mandate.grant", {"council": COUNCIL, "delegate": "Ben", "mandate": mandate})
    motion = record(
        PEER,
        "delegate.act",
        {"council": COUNCIL, "grant": ben, "act": "motion", "title": "Close the outfall", "text": "", "question": "q1"},
    )
    # Each node witnessed the other's ledger: the records up to the grants 90 minutes ago, the motion an hour ago.
    for origin, witness in ((here, node_name(PEER)), (PEER, node_name(here))):
        for size, ago in ((seqs[origin], 60), (seqs[origin] - 1, 90)):
            moment = int((now - timedelta(minutes=ago)).timestamp())
            Cosignature.objects.create(origin=origin, size=size + 1, witness=witness, timestamp=moment, line="—")
    cell.grant, cell.motion = fay, motion
    return cell


def _texts(cell, name, now=None):
    return [item.text for item in selectors.inbox(cell.users[name], now or timezone.now())]


def test_it_shows_fay_her_mandate_and_the_council_vote_that_waits_for_her(council):
    client = Client()
    client.force_login(council.users["fay"])
    text = client.get("/inbox/").content.decode()
    assert "You are the delegate of Oak Street Garden to the council “Keep the river clean”." in text
    assert "The council awaits your vote, as delegate, on “Close the outfall”." in text
    assert f"/federations/{FED}/councils/{COUNCIL}/" in text
    assert "until" in text  # the mandate and the vote have their deadline
    # Ana is no delegate: neither shows in her inbox.
    assert not any("council" in line for line in _texts(council, "ana"))


def test_it_drops_the_council_vote_once_her_assembly_has_cast_it(council):
    here = council.assembly.ledger.origin
    FederationRecord.objects.create(
        origin=here,
        seq=99,
        kind="delegate.act",
        body={
            "council": COUNCIL,
            "grant": council.grant,
            "act": "vote",
            "motion": {"origin": PEER, "seq": council.motion},
            "choice": "for",
        },
        leaf_hash="e" * 64,
        subject=COUNCIL,
    )
    Cosignature.objects.create(
        origin=here, size=100, witness=node_name(PEER), timestamp=int(timezone.now().timestamp()) - 30, line="—"
    )
    (motion,) = federation.council(COUNCIL, timezone.now()).state.motions
    assert here in motion.votes
    texts = _texts(council, "fay")
    assert "You are the delegate of Oak Street Garden to the council “Keep the river clean”." in texts
    assert not any("awaits your vote, as delegate" in line for line in texts)


def test_it_forgets_the_mandate_once_the_council_has_dissolved(council):
    later = timezone.now() + timedelta(days=8)
    assert not any("council" in line for line in _texts(council, "fay", later))
