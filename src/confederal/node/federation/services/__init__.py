"""Every write the federation makes, and the round the ticker runs: the entry to the federation's write path.

The work is in three modules: :mod:`.sync` (peers, verified pulls, the index, forks),
:mod:`.witness` (cosigning and being cosigned) and :mod:`.council` (federation decisions,
delegates' acts, sunsets). Pages, the API and the command line import from here; the three
modules import the core and each other's index, never the pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..models import Peer
from .aid import (
    AskDraft,
    check_ask,
    check_dues,
    check_give,
    check_grant_vote,
    check_receive,
    do_ask,
    dues_outstanding,
    grant_request,
)
from .council import (
    check_federation_action,
    do_cast_council_vote,
    do_move_motion,
    do_sunsets,
    federation_effects,
    live_grant,
)
from .sync import (
    MAX_PULL_ENTRIES,
    check_add_peer,
    check_peer_url,
    check_remove_peer,
    do_add_peer,
    do_remember_peers,
    do_remove_peer,
    do_sync_peer,
    index_local,
    ledger_root_of,
)
from .witness import cosigned_note, do_add_checkpoint, do_request_cosignatures

__all__ = [
    "MAX_PULL_ENTRIES",
    "AskDraft",
    "check_add_peer",
    "check_ask",
    "check_dues",
    "check_federation_action",
    "check_give",
    "check_grant_vote",
    "check_peer_url",
    "check_receive",
    "check_remove_peer",
    "cosigned_note",
    "do_add_checkpoint",
    "do_add_peer",
    "do_ask",
    "do_cast_council_vote",
    "do_federation_round",
    "do_move_motion",
    "do_remember_peers",
    "do_remove_peer",
    "do_request_cosignatures",
    "do_sunsets",
    "do_sync_peer",
    "dues_outstanding",
    "federation_effects",
    "grant_request",
    "index_local",
    "ledger_root_of",
    "live_grant",
]

#: A full round over every peer, even without hints, this often.
SLOW_ROUND = timedelta(seconds=60)
#: A peer that did not answer is tried again after this long (a node coming back is caught up soon).
RETRY = timedelta(seconds=5)


def do_federation_round(now: datetime, everyone: bool = False) -> dict[str, int]:
    """Sync the peers that hinted (all of them every minute), gather cosignatures, write sunsets."""
    pulled = 0
    for peer in Peer.objects.all():
        last = peer.last_attempt_at
        due = (
            everyone
            or peer.wanted
            or last is None
            or last <= now - SLOW_ROUND
            or (bool(peer.last_error) and last <= now - RETRY)
        )
        if due:
            pulled += do_sync_peer(peer, now)
    cosigned = do_request_cosignatures(now)
    sunsets = do_sunsets(now)
    return {"pulled": pulled, "cosigned": cosigned, "sunsets": sunsets}
