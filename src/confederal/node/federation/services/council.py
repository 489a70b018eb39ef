"""Federation decisions, delegates' acts and sunsets: what an assembly here writes about federations and councils.

``check_*`` validates and authorises, raising :class:`Refused`; ``do_*`` acts. Part of the
federation's write path, with :mod:`.sync` and :mod:`.witness`.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from confederal import records
from confederal.federation import (
    CouncilCharter,
    FederationCharter,
    FederationError,
    Mandate,
    breach,
)
from confederal.ledger import canonical_json
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.errors import Refused
from confederal.node.ledgers.models import Blob
from confederal.node.ledgers.services import Record, append_in_transaction, publish
from confederal.node.text import check_line, clean, one_line
from confederal.node.ticker import on_its_own

from .. import selectors
from ..models import Sunset
from .sync import index_local

__all__ = [
    "check_federation_action",
    "do_cast_council_vote",
    "do_move_motion",
    "do_sunsets",
    "federation_effects",
    "live_grant",
]

logger = logging.getLogger(__name__)


# -- federation decisions (an assembly's own proposals) -------------------------------------------
def _append(assembly: Assembly, records: list[Record], now: datetime) -> list[int]:
    """Append federation records to an assembly's ledger and index them, all in the caller's transaction."""
    seqs = append_in_transaction(assembly.ledger, records, now)
    index_local(assembly.ledger, seqs, records)
    return seqs


def _known_federation(federation_id: str) -> selectors.Federation:
    fed = selectors.federation(federation_id)
    if fed is None:
        raise Refused(
            "unknown_federation", _("This node knows no federation with that id; add a peer that hosts it."), 404
        )
    return fed


def _member_of(assembly: Assembly, fed: selectors.Federation) -> bool:
    return fed.state.is_member(assembly.ledger.origin)


def _an_id(payload: dict[str, Any], key: str) -> str:
    """The federation's or council's id the payload names (text; an empty one is unknown).

    Raises:
        Refused: it is not text (a convened council's charter goes with ``convene`` only).
    """
    value = payload.get(key, "")
    if not isinstance(value, str):
        raise Refused(
            "bad_field", _("%(field)s must be the id of a %(field)s: 64 hexadecimal digits.") % {"field": key}
        )
    return value


def check_federation_action(assembly: Assembly, payload: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    """Check what a federation proposal would do; return its title and its clean payload.

    Raises:
        Refused: the action is unknown or cannot happen now (it is checked again when the vote closes).
    """
    action = payload.get("action")
    if action == "found":
        try:
            charter = FederationCharter.from_json(payload.get("charter") or {})
        except FederationError as exc:
            raise Refused(exc.code, exc.message) from exc
        check_line(charter.name, 1, 80, "bad_field", _("Give the federation a name of 1 to 80 characters."))
        return _("Found the federation %(name)s") % {"name": charter.name}, {
            "action": "found",
            "charter": charter.to_json(),
        }
    federation_id = _an_id(payload, "federation")
    if action in {"join", "leave"}:
        fed = _known_federation(federation_id)
        member = _member_of(assembly, fed)
        if action == "join" and member:
            raise Refused(
                "already_member", _("This assembly is already in %(name)s.") % {"name": fed.state.charter.name}, 409
            )
        if action == "leave" and not member:
            raise Refused("not_member", _("This assembly is not in that federation."), 409)
        title = _("Join %(name)s") if action == "join" else _("Withdraw from %(name)s")
        return title % {"name": fed.state.charter.name}, {"action": action, "federation": fed.id}
    if action == "convene":
        council = payload.get("council") or {}
        try:
            convened = CouncilCharter.from_json(council)
        except FederationError as exc:
            raise Refused(exc.code, exc.message) from exc
        check_line(convened.objective, 1, 500, "bad_field", _("Give the council an objective of 1 to 500 characters."))
        for question in convened.agenda:
            check_line(question.text, 1, 280, "bad_agenda", _("Keep each agenda question under 280 characters."))
        fed = _known_federation(convened.federation)
        if not _member_of(assembly, fed):
            raise Refused("not_member", _("Only a member of the federation can convene one of its councils."), 403)
        try:
            convened.check_within(fed.state.charter)
        except FederationError as exc:
            raise Refused(exc.code, exc.message) from exc
        if convened.ends_at <= now:
            raise Refused("bad_term", _("A council must end in the future."))
        return _("Convene a council: %(objective)s") % {"objective": convened.objective[:120]}, {
            "action": "convene",
            "council": convened.to_json(),
        }
    if action == "aid_vote":
        return _aid_vote(assembly, federation_id, payload, now)
    council_id = _an_id(payload, "council")
    if action in {"join_council", "leave_council", "appoint", "recall"}:
        item = selectors.council(council_id, now)
        if item is None:
            raise Refused("unknown_council", _("This node knows no council with that id."), 404)
        origin = assembly.ledger.origin
        seat = item.state.seats.get(origin)
        seated = seat is not None and seat.left_at is None
        objective = item.state.charter.objective[:100]
        if item.state.status == "dissolved":
            raise Refused("council_over", _("This council has dissolved."), 409)
        if action == "join_council":
            if seated:
                raise Refused("already_member", _("This assembly already sits on that council."), 409)
            if not _member_of(assembly, item.federation):
                raise Refused("not_member", _("Join the federation first: only its members sit on its councils."), 403)
            return _("Join the council: %(objective)s") % {"objective": objective}, {
                "action": action,
                "council": item.id,
            }
        if not seated and action != "appoint":
            raise Refused("not_seated", _("This assembly does not sit on that council."), 409)
        if action == "leave_council":
            return _("Leave the council: %(objective)s") % {"objective": objective}, {
                "action": action,
                "council": item.id,
            }
        if action == "recall":
            current = seat.current if seat is not None else None
            if current is None:
                raise Refused("no_delegate", _("This assembly has no delegate on that council to recall."), 409)
            return _("Recall %(name)s from the council") % {"name": current.delegate}, {
                "action": "recall",
                "council": item.id,
                "grant": current.seq,
                "delegate": current.delegate,
            }
        # appoint
        name = one_line(str(payload.get("delegate", "")))
        if not assembly.members.filter(public_name=name, left_at__isnull=True).exists():
            raise Refused("not_a_member", _("The delegate must be a current member of this assembly."))
        try:
            mandate = Mandate.from_json(payload.get("mandate") or {})
        except FederationError as exc:
            raise Refused(exc.code, exc.message) from exc
        unknown = [q for q in mandate.instructions if item.state.charter.question(q) is None]
        if unknown:
            raise Refused(
                "bad_mandate",
                _("The mandate instructs on questions not on the agenda: %(q)s.") % {"q": ", ".join(unknown)},
            )
        return _("Send %(name)s as delegate, with a written mandate") % {"name": name}, {
            "action": "appoint",
            "council": item.id,
            "delegate": name,
            "mandate": {**mandate.to_json(), "text": clean(mandate.text)},
        }
    raise Refused(
        "bad_action",
        _(
            "A federation proposal founds, joins or leaves a federation, convenes or joins a "
            "council, appoints or recalls a delegate, or votes on a grant of mutual aid."
        ),
    )


def _aid_vote(
    assembly: Assembly, federation_id: str, payload: dict[str, Any], now: datetime
) -> tuple[str, dict[str, Any]]:
    from .aid import grant_request

    choice = payload.get("choice")
    if choice not in ("for", "against"):
        raise Refused("bad_choice", _("Vote for or against the grant."))
    ref = payload.get("request")
    # A vote after the grant passed still counts in the tally: each assembly's decision is on record either way.
    found = grant_request(assembly, federation_id, str(ref), now.date())
    fed = _known_federation(federation_id)
    words = {
        "for": _("Vote for granting %(assembly)s aid: %(purpose)s"),
        "against": _("Vote against granting %(assembly)s aid: %(purpose)s"),
    }
    title = words[choice] % {"assembly": fed.title(found.origin), "purpose": found.request.purpose[:120]}
    return title, {"action": "aid_vote", "federation": fed.id, "request": found.ref, "choice": choice}


def federation_effects(
    assembly: Assembly, payload: dict[str, Any], number: int, now: datetime
) -> tuple[dict[str, Any], list[Record]]:
    """What an adopted federation proposal writes, checked again now (inside the closing transaction)."""
    try:
        _title, clean_payload = check_federation_action(assembly, payload, now)
    except Refused as exc:
        return {"federation": f"not carried out: {exc.message}"}, []
    action = clean_payload["action"]
    if action == "found":
        charter = FederationCharter.from_json(clean_payload["charter"])
        return {"federation": "founded"}, [Record(records.FederationFounded(charter, number))]
    if action == "join":
        return {"federation": "join recorded"}, [Record(records.FederationJoined(clean_payload["federation"], number))]
    if action == "leave":
        return {"federation": "leave recorded"}, [Record(records.FederationLeft(clean_payload["federation"], number))]
    if action == "convene":
        council = CouncilCharter.from_json(clean_payload["council"])
        return {"council": "convened"}, [Record(records.CouncilConvened(council, number))]
    if action == "join_council":
        return {"council": "council.join recorded"}, [Record(records.CouncilJoined(clean_payload["council"], number))]
    if action == "leave_council":
        return {"council": "council.leave recorded"}, [Record(records.CouncilLeft(clean_payload["council"], number))]
    if action == "appoint":
        mandate = Mandate.from_json(clean_payload["mandate"])
        grant = records.MandateGranted(clean_payload["council"], clean_payload["delegate"], mandate, number)
        return {"delegate": clean_payload["delegate"]}, [Record(grant)]
    if action == "aid_vote":
        vote = records.AidVote(clean_payload["federation"], clean_payload["request"], clean_payload["choice"], number)
        return {"aid": f"voted {vote.choice}"}, [Record(vote)]
    recall = records.MandateRecalled(clean_payload["council"], clean_payload["grant"], number)
    return {"recalled": clean_payload["delegate"]}, [Record(recall)]


# -- delegates' acts ------------------------------------------------------------------------------


def live_grant(member: Member, council_id: str, now: datetime) -> tuple[selectors.Council, Any]:
    """The council and the live mandate ``member`` holds on it for their assembly.

    Raises:
        Refused: no such council, it is not sitting, or the member holds no live mandate.
    """
    item = selectors.council(council_id, now)
    if item is None:
        raise Refused("unknown_council", _("This node knows no council with that id."), 404)
    if item.state.status != "sitting":
        message = (
            _("This council has not started yet.")
            if item.state.status == "upcoming"
            else _("This council has dissolved: nothing more can be done in it.")
        )
        raise Refused("council_not_sitting", message, 409)
    seat = item.state.seats.get(member.assembly.ledger.origin)
    grant = seat.current if seat is not None else None
    if grant is None or grant.delegate != member.public_name or not grant.live(now):
        raise Refused(
            "not_delegate",
            _("You hold no live mandate from %(assembly)s on this council.") % {"assembly": member.assembly.name},
            403,
        )
    return item, grant


def do_move_motion(member: Member, council_id: str, title: str, text: str, question: str | None, now: datetime) -> int:
    """Put a motion to the council, in the delegate's home ledger; return its entry number."""
    item, grant = live_grant(member, council_id, now)
    title = check_line(title, 3, 200, "bad_title", _("Give the motion a title of 3 to 200 characters."))
    text = clean(text)
    if len(text) > 4000:
        raise Refused("text_too_long", _("Keep a motion under 4,000 characters."))
    if question and item.state.charter.question(question) is None:
        raise Refused("bad_question", _("That question is not on the council's agenda."))
    return _act(
        member.assembly, records.DelegateAct(council_id, grant.seq, "motion", title, text, question or None), now
    )


def do_cast_council_vote(member: Member, council_id: str, motion: str, choice: str, now: datetime) -> int:
    """Cast the delegate's vote; refused (or flagged) when it goes against the mandate, as the charter says."""
    item, grant = live_grant(member, council_id, now)
    found = next((m for m in item.state.motions if m.id == motion), None)
    if found is None:
        raise Refused("unknown_motion", _("There is no such motion on this council."), 404)
    if found.decided_at is not None:
        raise Refused("motion_decided", _("This motion is already decided."), 409)
    if choice not in {"for", "against", "abstain"}:
        raise Refused("bad_choice", _("Vote for, against or abstain."))
    why = breach(grant.mandate, found.question, choice)
    if why is not None and item.federation.state.charter.mandate_breach == "refuse":
        raise Refused(
            "against_mandate",
            _("Your mandate does not allow this vote: %(why)s. Ask your assembly to change the mandate first.")
            % {"why": why},
            409,
        )
    act = records.DelegateAct(
        council_id, grant.seq, "vote", motion_origin=found.origin, motion_seq=found.seq, choice=choice, breach=why
    )
    return _act(member.assembly, act, now)


def _act(assembly: Assembly, act: records.DelegateAct, now: datetime) -> int:
    with transaction.atomic(durable=True):
        locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
        (seq,) = _append(locked, [Record(act)], now)
    publish(assembly.ledger, now)
    return seq


# -- sunset ---------------------------------------------------------------------------------------


def do_sunsets(now: datetime) -> int:
    """After a council dissolves, each member assembly here thanks its delegates and archives the record."""
    written = 0
    local = {a.ledger.origin: a for a in Assembly.objects.select_related("ledger")}
    for fed in selectors.federations():
        for item in selectors.councils_of(fed, now):
            if item.state.status != "dissolved" or now < item.state.charter.ends_at + timedelta(seconds=10):
                continue
            for origin, seat in item.state.seats.items():
                assembly = local.get(origin)
                if assembly is None or Sunset.objects.filter(council=item.id, ledger=assembly.ledger).exists():
                    continue
                thank = partial(_sunset, assembly, item, [g.delegate for g in seat.grants], now)
                written += on_its_own("writing a council's sunset", assembly.slug, thank, 0)
    return written


def _sunset(assembly: Assembly, item: selectors.Council, delegates: list[str], now: datetime) -> int:
    archive = canonical_json(item.state.archive())
    digest = "sha256:" + hashlib.sha256(archive).hexdigest()
    thanks = list(dict.fromkeys(delegates))
    # The note is part of the permanent record, so it is written in the protocol's language, not the reader's.
    body = records.CouncilSunset(
        item.id, tuple(thanks), digest, "The council has dissolved. Thank you for serving, and for stepping back."
    )
    try:
        with transaction.atomic(durable=True):
            locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
            Blob.objects.get_or_create(
                digest=digest, defaults={"data": archive, "media_type": "application/json", "created_at": now}
            )
            (seq,) = _append(locked, [Record(body)], now)
            Sunset.objects.create(council=item.id, ledger=assembly.ledger, seq=seq)
    except IntegrityError:
        return 0
    publish(assembly.ledger, now)
    return 1
