"""Federation pages for people, and the endpoints other nodes call (witness, cosignatures, observed)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from confederal.federation import INSTRUCTIONS
from confederal.ledger import format_time
from confederal.node import words
from confederal.node.access import access_assembly, is_operator, membership, require_member, require_operator
from confederal.node.assemblies.models import Assembly
from confederal.node.decisions.services import check_federation_proposal, do_propose
from confederal.node.errors import Refused
from confederal.node.ledgers import selectors as ledger_selectors
from confederal.node.web import Done, act, back_with, now, on_this_node
from confederal.node.zones import local_moment
from confederal.permissions import Action

from . import selectors, services

COSIGNED_PAGE = 200
#: A checkpoint, a few cosignatures and a consistency proof of up to 63 hashes fit easily.
ADD_CHECKPOINT_LIMIT = 64 << 10


def _text(status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> HttpResponse:
    return HttpResponse(body, status=status, content_type=content_type)


# -- endpoints for other nodes --------------------------------------------------------------------


@csrf_exempt
@require_POST
def add_checkpoint(request: HttpRequest) -> HttpResponse:
    """C2SP tlog-witness: cosign a consistent checkpoint of a log this node follows."""
    length = request.headers.get("Content-Length", "0")
    if not length.isdigit() or int(length) > ADD_CHECKPOINT_LIMIT:
        return _text(413, _("An add-checkpoint request is at most 64 KiB.").encode() + b"\n")
    status, body, content_type = services.do_add_checkpoint(request.body, now())
    return _text(status, body, content_type)


@require_safe
def cosignatures(request: HttpRequest, slug: str) -> HttpResponse:
    """The checkpoints of one of this node's ledgers that witnesses cosigned, with their cosignatures."""
    ledger = ledger_selectors.ledger_or_404(slug)
    after_text = request.GET.get("after", "0")
    if not after_text.isascii() or not after_text.isdigit() or len(after_text) > 18:
        return _text(400, _("'after' must be a ledger size.").encode())
    after = int(after_text)
    items = []
    for checkpoint in selectors.cosigned_checkpoints(ledger, after, COSIGNED_PAGE):
        items.append({"size": checkpoint.size, "note": services.cosigned_note(checkpoint)})
    response = JsonResponse({"origin": ledger.origin, "cosigned": items})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def observed(request: HttpRequest) -> HttpResponse:
    """The latest checkpoint this node verified of every ledger it follows: peers compare, and a split view shows."""
    found = selectors.observed_heads()
    return JsonResponse({"node": selectors.here(), "observed": found})


# -- pages ----------------------------------------------------------------------------------------


def _my_assemblies(request: HttpRequest) -> list[Assembly]:
    return selectors.assemblies_of(request.user)


@require_safe
def federation_list(request: HttpRequest) -> HttpResponse:
    moment = now()
    feds: list[dict[str, Any]] = []
    for fed in selectors.federations():
        councils = selectors.councils_of(fed, moment)
        feds.append({"fed": fed, "sitting": [c for c in councils if c.state.status == "sitting"]})
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return JsonResponse({"federations": [selectors.federation_json(f["fed"]) for f in feds]})
    return render(
        request,
        "federation/list.html",
        {
            "feds": feds,
            "mine": _my_assemblies(request),
            "peers": selectors.peer_count(),
            "forks": selectors.fork_count(),
        },
    )


def _federation_or_404(federation_id: str) -> selectors.Federation:
    fed = selectors.federation(federation_id)
    if fed is None:
        raise Http404(_("This node knows no such federation."))
    return fed


@require_safe
def federation_page(request: HttpRequest, federation_id: str) -> HttpResponse:
    fed = _federation_or_404(federation_id)
    moment = now()
    councils = selectors.councils_of(fed, moment)
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        data = selectors.federation_json(fed)
        data["councils"] = [selectors.council_summary(c, moment) for c in councils]
        return JsonResponse(data)
    mine = []
    for assembly in _my_assemblies(request):
        mine.append({"assembly": assembly, "member": fed.state.is_member(assembly.ledger.origin)})
    context = {
        "fed": fed,
        "charter": fed.state.charter,
        "members": [(o, fed.title(o)) for o, _ in fed.state.members],
        "councils": [(c, selectors.council_summary(c, moment)) for c in councils],
        "mine": mine,
        "default_start": _local_minute(moment + timedelta(minutes=5)),
        "default_end": _local_minute(moment + timedelta(days=min(7, fed.state.charter.max_council_days))),
        "zone": timezone.get_current_timezone_name(),
    }
    return render(request, "federation/federation.html", context)


def _council_or_404(federation_id: str, council_id: str) -> selectors.Council:
    item = selectors.council(council_id, now())
    if item is None or item.federation.id != federation_id:
        raise Http404(_("This node knows no such council."))
    return item


@require_safe
def council_page(request: HttpRequest, federation_id: str, council_id: str) -> HttpResponse:
    item = _council_or_404(federation_id, council_id)
    moment = now()
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return JsonResponse(
            {
                **selectors.council_summary(item, moment),
                "archive": item.state.archive(),
                "sunsets": selectors.sunsets(item.id),
            }
        )
    state = item.state
    fed = item.federation
    mine = []
    for assembly in _my_assemblies(request):
        origin = assembly.ledger.origin
        seat = state.seats.get(origin)
        seated = seat is not None and seat.left_at is None
        member = membership(request.user, assembly)
        grant = seat.current if seat is not None else None
        mine.append(
            {
                "assembly": assembly,
                "in_federation": fed.state.is_member(origin),
                "seated": seated,
                "grant": grant,
                "delegate": grant is not None and member is not None and grant.delegate == member.public_name,
                "names": selectors.member_names(assembly),
            }
        )
    seats = []
    for origin, seat in sorted(state.seats.items()):
        seats.append(
            {"origin": origin, "title": fed.title(origin), "seat": seat, "ledger": selectors.ledger_link(origin)}
        )
    motions = []
    for motion in state.motions:
        votes = [(fed.title(o), v) for o, v in sorted(motion.votes.items())]
        waiting = [fed.title(o) for o in state.members() if o not in motion.votes]
        motions.append(
            {
                "motion": motion,
                "votes": votes,
                "waiting": waiting,
                "for": motion.count("for"),
                "against": motion.count("against"),
                "abstain": motion.count("abstain"),
            }
        )
    context = {
        "item": item,
        "fed": fed,
        "state": state,
        "charter": state.charter,
        "seats": seats,
        "motions": motions,
        "mine": mine,
        "seconds_left": max(int((state.charter.ends_at - moment).total_seconds()), 0),
        "until_start": max(int((state.charter.starts_at - moment).total_seconds()), 0),
        "ignored": [(fed.title(i.origin), i) for i in state.ignored],
        "pending": [(fed.title(a.origin), a) for a in state.pending],
        "served": [(fed.title(o), name) for o, name in state.served()],
        "sunsets": [(fed.title(str(s["assembly"])), s) for s in selectors.sunsets(item.id)],
        "instructions": INSTRUCTIONS,
    }
    return render(request, "federation/council.html", context)


@require_safe
def council_archive(request: HttpRequest, federation_id: str, council_id: str) -> HttpResponse:
    item = _council_or_404(federation_id, council_id)
    body = json.dumps(item.state.archive(), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="council-{council_id[:12]}.json"'
    return response


@require_safe
def peers_page(request: HttpRequest) -> HttpResponse:
    operator = is_operator(request.user)
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return JsonResponse(selectors.peers_json(details=operator))
    peers = selectors.peers()
    followed = selectors.remote_ledgers()
    forks = selectors.forks()
    return render(
        request,
        "federation/peers.html",
        {"peers": peers, "followed": followed, "forks": forks, "here": selectors.here(), "operator": operator},
    )


@require_POST
def add_peer(request: HttpRequest) -> HttpResponse:

    def follow() -> Done:
        require_operator(request.user)
        peer = services.do_add_peer(request.POST.get("url", ""), now())
        if peer.last_error:
            return Done(
                _("Added %(url)s, but it did not answer yet (%(error)s); it will be tried again.")
                % {"url": peer.url, "error": peer.last_error},
                warning=True,
            )
        return Done(_("Added %(url)s: its ledgers are followed and checked.") % {"url": peer.url})

    return act(request, reverse("federation-peers"), follow)


@require_http_methods(["GET", "POST"])
def remove_peer(request: HttpRequest) -> HttpResponse:
    """Stop following a peer, as the node's operator: GET asks to confirm, POST removes."""
    back = reverse("federation-peers")
    url = request.POST.get("url", "") if request.method == "POST" else request.GET.get("url", "")
    if request.method == "GET":
        try:
            require_operator(request.user)
            peer = selectors.peer_at(url)
            if peer is None:
                raise Refused("unknown_peer", _("This node follows no peer at that address."), 404)
        except Refused as refused:
            return back_with(request, refused, back)
        return render(request, "federation/remove_peer.html", {"peer": peer})

    def remove() -> Done:
        require_operator(request.user)
        peer = services.check_remove_peer(url)
        services.do_remove_peer(peer)
        return Done(_("This node no longer follows %(url)s.") % {"url": peer.url})

    return act(request, back, remove)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _payload(request: HttpRequest) -> dict[str, Any]:
    """A federation proposal's payload from a form."""
    post = request.POST
    action = post.get("action", "")
    if action == "found":
        return {
            "action": action,
            "charter": {
                "name": post.get("name", ""),
                "principles": _lines(post.get("principles", "")),
                "transparency": post.get("transparency", ""),
                "recall": post.get("recall", ""),
                "max_council_days": _int(post.get("max_council_days", "")),
                "mutual_aid": post.get("mutual_aid", ""),
                "sunset": post.get("sunset", ""),
                "mandate_breach": post.get("mandate_breach", "refuse"),
                "witnesses": _int(post.get("witnesses", "1")),
            },
        }
    if action == "convene":
        agenda = [{"id": f"q{i}", "text": text} for i, text in enumerate(_lines(post.get("agenda", "")), 1)]
        return {
            "action": action,
            "council": {
                "federation": post.get("federation", ""),
                "objective": post.get("objective", ""),
                "starts_at": _minute(post.get("starts_at", "")),
                "ends_at": _minute(post.get("ends_at", "")),
                "agenda": agenda,
            },
        }
    if action == "appoint":
        instructions = {
            key[len("instruction-") :]: value
            for key, value in post.items()
            if key.startswith("instruction-") and value and value != "none"
        }
        return {
            "action": action,
            "council": post.get("council", ""),
            "delegate": post.get("delegate", ""),
            "mandate": {
                "text": post.get("mandate", ""),
                "instructions": instructions,
                "red_lines": _lines(post.get("red_lines", "")),
            },
        }
    return {"action": action, "federation": post.get("federation", ""), "council": post.get("council", "")}


def _int(text: str) -> int | str:
    return int(text) if text.strip().isdigit() and len(text.strip()) < 6 else text


def _minute(text: str) -> str:
    """A datetime-local value (2026-12-01T18:00), typed in the reader's zone (the active one), as a ledger time."""
    text = text.strip()
    if not text:
        return text
    day_text, _sep, time_text = text.partition("T")
    return format_time(local_moment(day_text, time_text[:5] if len(time_text) >= 5 else time_text))


def _local_minute(moment: datetime) -> str:
    """A moment as a datetime-local value in the active zone (what :func:`_minute` reads back)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    """Put a federation action to an assembly's own decision."""
    back = on_this_node(request, request.POST.get("back"), reverse("federations"))

    def put_to_assembly() -> Done:
        assembly = access_assembly(request.POST.get("assembly", ""))
        member = require_member(request.user, assembly, Action.PROPOSE, now().date())
        draft = check_federation_proposal(member, _payload(request), request.POST.get("text", ""), now())
        proposal = do_propose(draft, now())
        return Done(
            _("Proposed to %(assembly)s: it happens if the assembly decides so.") % {"assembly": assembly.name},
            reverse("proposal", args=[assembly.slug, proposal.number]),
        )

    return act(request, back, put_to_assembly)


@require_POST
def move_motion(request: HttpRequest, federation_id: str, council_id: str) -> HttpResponse:

    def move() -> Done:
        assembly = access_assembly(request.POST.get("assembly", ""))
        member = require_member(request.user, assembly, Action.VOTE, now().date())
        question = request.POST.get("question") or None
        services.do_move_motion(
            member, council_id, request.POST.get("title", ""), request.POST.get("text", ""), question, now()
        )
        return Done(
            _(
                "Your motion is in %(assembly)s's ledger; it counts once other members' nodes have "
                "witnessed it, in a few seconds."
            )
            % {"assembly": assembly.name}
        )

    return act(request, reverse("council", args=[federation_id, council_id]), move)


@require_POST
def council_vote(request: HttpRequest, federation_id: str, council_id: str) -> HttpResponse:

    def cast() -> Done:
        assembly = access_assembly(request.POST.get("assembly", ""))
        member = require_member(request.user, assembly, Action.VOTE, now().date())
        services.do_cast_council_vote(
            member, council_id, request.POST.get("motion", ""), request.POST.get("choice", ""), now()
        )
        return Done(_("Your vote is in %(assembly)s's ledger; it counts once witnessed.") % {"assembly": assembly.name})

    return act(request, reverse("council", args=[federation_id, council_id]), cast)


# -- the mutual-aid fund --------------------------------------------------------------------------


def _mismatch_sentence(fed: selectors.Federation, m: Any) -> str:
    """A mismatch between two ledgers, said in a sentence with the assemblies' names."""
    values = {
        "giver": fed.title(m.giver),
        "receiver": fed.title(m.receiver),
        "given": str(m.given) if m.given is not None else "",
        "received": str(m.received) if m.received is not None else "",
        "assembly": fed.title(m.origin),
        "number": m.number,
    }
    if m.why == "unmatched":
        return (
            _(
                "%(giver)s recorded giving %(given)s toward a grant to %(receiver)s, and %(receiver)s recorded "
                "receiving %(received)s from it."
            )
            % values
        )
    if m.why == "not_granted":
        return _("%(giver)s recorded giving %(given)s to %(receiver)s for a request the members have not granted.") % (
            values
        )
    if m.why == "not_requester":
        return _("%(giver)s recorded giving %(given)s to %(receiver)s, which is not the assembly that asked.") % values
    return _("Transaction %(number)s of %(assembly)s is marked as dues but moves nothing into its fund holding.") % (
        values
    )


def fund_context(fed: selectors.Federation, state: Any, user: Any) -> dict[str, Any]:
    """What the fund page shows: per assembly, its dues and holding; the grants; the open asks; the mismatches."""
    from confederal.books import Amount

    def money(holder: Any, minor: int) -> str:
        return str(Amount(minor, holder.currency)) if holder.currency is not None else "—"

    holders = [
        {
            "title": fed.title(h.origin),
            "owed": money(h, h.owed),
            "paid": money(h, h.paid),
            "behind": h.owed > h.paid,
            "held": money(h, h.held),
            "given": money(h, h.given),
            "received": money(h, h.received),
            "periods": [
                {"start": p.start, "end": p.end, "income": str(p.income), "owed": str(p.owed), "paid": str(p.paid)}
                for p in h.periods[-3:]
            ],
        }
        for h in state.holders
    ]
    requests = []
    for r in state.requests:
        amount = r.request.amount
        requests.append(
            {
                "ref": r.ref,
                "title": fed.title(r.origin),
                "origin": r.origin,
                "request": r.request,
                "what": str(amount) if amount is not None else "",
                "for": r.count("for"),
                "against": r.count("against"),
                "members": r.members,
                "granted": r.granted,
                "paid": r.paid_in_full,
                "short": str(Amount(r.short, amount.currency)) if amount is not None and r.short else "",
                "shares": [
                    {
                        "origin": origin,
                        "title": fed.title(origin),
                        "share": str(Amount(share, amount.currency)) if amount else "",
                        "given": str(Amount(r.given.get(origin, 0), amount.currency)) if amount else "",
                        "received": str(Amount(r.received.get(origin, 0), amount.currency)) if amount else "",
                        "given_minor": r.given.get(origin, 0),
                        "received_minor": r.received.get(origin, 0),
                        "share_minor": share,
                    }
                    for origin, share in sorted(r.shares.items())
                ],
            }
        )
    mine = []
    for assembly in selectors.assemblies_of(user):
        if fed.state.is_member(assembly.ledger.origin):
            owed = services.dues_outstanding(assembly, state)
            mine.append({"assembly": assembly, "origin": assembly.ledger.origin, "owed": str(owed) if owed else ""})
    rule = state.rule
    if rule.share is not None:
        dues = _("%(percent)s %% of the income its own books show") % {
            "percent": words.number(Fraction(rule.share, 100), 2, trim=True)
        }
    else:
        currency = next((h.currency for h in state.holders if h.currency is not None), None)
        fixed = str(Amount(rule.fixed, currency)) if currency is not None else str(rule.fixed)
        dues = _("a fixed %(amount)s, in its own currency") % {"amount": fixed}
    return {
        "fed": fed,
        "rule": rule,
        "dues": dues,
        "holders": holders,
        "totals": [str(t) for t in state.totals()],
        "requests": requests,
        "offers": [(fed.title(o), offer) for o, offer in state.offers],
        "mismatches": [_mismatch_sentence(fed, m) for m in state.mismatches],
        "mine": mine,
    }


@require_safe
def fund_page(request: HttpRequest, federation_id: str) -> HttpResponse:
    fed = _federation_or_404(federation_id)
    state = selectors.fund(fed, now().date())
    if state is None:
        raise Http404(_("This federation's charter sets no mutual-aid rule: it has no fund."))
    context = fund_context(fed, state, request.user)
    context["today"] = now().date().isoformat()
    return render(request, "federation/fund.html", context)


def _day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused("bad_day", _("Give a day such as 2026-12-20.")) from None


@require_POST
def fund_act(request: HttpRequest, federation_id: str) -> HttpResponse:
    """One form for every mutual-aid act of an assembly here: ask, offer, pay dues, vote, give, receive."""
    back = reverse("fund", args=[federation_id])
    post = request.POST

    def run() -> Done:
        from confederal.node.books.services import do_record

        assembly = access_assembly(post.get("assembly", ""))
        what = post.get("what", "")
        moment = now()
        if what == "vote":
            member = require_member(request.user, assembly, Action.PROPOSE, moment.date())
            draft = services.check_grant_vote(
                member, federation_id, post.get("request", ""), post.get("choice", ""), post.get("text", ""), moment
            )
            proposal = do_propose(draft, moment)
            return Done(
                _("Proposed to %(assembly)s: its vote on the grant counts once the assembly decides.")
                % {"assembly": assembly.name},
                reverse("proposal", args=[assembly.slug, proposal.number]),
            )
        member = require_member(request.user, assembly, Action.VIEW, moment.date())
        if what in ("request", "offer"):
            quantity = post.get("quantity", "").strip()
            draft_ask = services.check_ask(
                member,
                federation_id,
                offer=what == "offer",
                purpose=post.get("purpose", ""),
                by=_day(post.get("by", "")),
                amount=post.get("amount", ""),
                goods=post.get("goods", ""),
                quantity=int(quantity) if quantity.isdigit() and len(quantity) < 10 else None,
                unit=post.get("unit", ""),
                now=moment,
            )
            number = services.do_ask(draft_ask, moment)
            said = (
                _("Request %(number)s is in the ledger.")
                if what == "request"
                else _("Offer %(number)s is in the ledger.")
            )
            return Done(said % {"number": number})
        day = _day(post.get("day", "") or moment.date().isoformat())
        if what == "dues":
            draft = services.check_dues(member, federation_id, day=day, amount=post.get("amount", ""), now=moment)
        elif what == "give":
            draft = services.check_give(member, federation_id, post.get("request", ""), day=day, now=moment)
        elif what == "receive":
            draft = services.check_receive(
                member, federation_id, post.get("request", ""), post.get("giver", ""), day=day, now=moment
            )
        else:
            raise Refused(
                "bad_action", _("Ask, offer, pay dues, vote on a grant, give a share or record receiving it.")
            )
        do_record(draft, moment)
        return Done(_("Recorded in %(assembly)s's books.") % {"assembly": assembly.name})

    return act(request, back, run)
