"""Joining, leaving, the size guard, and splitting into two cells."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from confederal.ledger import Verifier, audit_ledger, decode_entry
from confederal.node.assemblies import services
from confederal.node.assemblies.models import Assembly, JoinRequest, Member
from confederal.node.decisions import services as decisions
from confederal.node.errors import Refused
from confederal.node.ledgers.models import LedgerEntry
from confederal.node.roles.models import RoleTerm

from .cell import build_cell, user


@pytest.fixture
def cell(db):
    return build_cell()


def _kinds(assembly):
    rows = LedgerEntry.objects.filter(ledger=assembly.ledger).order_by("seq").values_list("body", flat=True)
    return [decode_entry(bytes(b)) for b in rows]


def test_an_invitation_works_once_and_records_who_invited(cell):
    invitation = services.do_create_invitation(cell.members["ana"], timezone.now())
    newcomer = user("pia")
    checked, name = services.check_accept_invitation(newcomer, invitation.token, "Pia", timezone.now())
    member = services.do_accept_invitation(newcomer, checked, name, timezone.now())
    assert member.via == Member.Via.INVITATION
    last = _kinds(cell.assembly)[-1]
    assert (last.kind, last.body["name"], last.body["invited_by"]) == ("member.joined", "Pia", "Ana")
    with pytest.raises(Refused) as used:
        services.check_accept_invitation(user("quin"), invitation.token, "Quin", timezone.now())
    assert used.value.code == "invitation_used"


@pytest.mark.parametrize(
    ("token", "when_days", "code"),
    [("nope", 0, "bad_invitation"), (None, 15, "invitation_expired")],
)
def test_bad_or_expired_invitations_are_refused(cell, token, when_days, code):
    invitation = services.do_create_invitation(cell.members["ana"], timezone.now())
    with pytest.raises(Refused) as err:
        services.check_accept_invitation(
            user("pia"), token or invitation.token, "Pia", timezone.now() + timedelta(days=when_days)
        )
    assert err.value.code == code


def test_a_member_cannot_join_twice_and_public_names_are_unique(cell):
    invitation = services.do_create_invitation(cell.members["ana"], timezone.now())
    with pytest.raises(Refused) as twice:
        services.check_accept_invitation(cell.users["fay"], invitation.token, "Fay again", timezone.now())
    assert twice.value.code == "already_member"
    with pytest.raises(Refused) as taken:
        services.check_accept_invitation(user("other"), invitation.token, "Fay", timezone.now())
    assert taken.value.code == "public_name_taken"


def test_a_join_request_needs_a_member_to_approve_it(cell):
    approved = services.do_decide_join_request(cell.members["fay"], cell.request, True, timezone.now())
    assert approved is not None
    assert approved.public_name == "Rita"
    assert _kinds(cell.assembly)[-1].body["approved_by"] == "Fay"
    with pytest.raises(Refused) as again:
        services.do_decide_join_request(cell.members["ana"], cell.request, False, timezone.now())
    assert again.value.code == "request_decided"


def test_a_declined_request_adds_nobody_and_leaves_no_public_trace(cell):
    before = len(_kinds(cell.assembly))
    assert services.do_decide_join_request(cell.members["fay"], cell.request, False, timezone.now()) is None
    assert JoinRequest.objects.get(pk=cell.request.pk).status == JoinRequest.Status.DECLINED
    assert len(_kinds(cell.assembly)) == before
    assert not cell.assembly.members.filter(public_name="Rita").exists()


def test_at_the_maximum_size_a_join_is_refused_with_an_offer_to_split(db):
    cell = build_cell(max_size=4, extra_members=1)  # Ana, Fay, Nico, M0
    invitation = services.do_create_invitation(cell.members["ana"], timezone.now())
    with pytest.raises(Refused) as full:
        services.check_accept_invitation(user("pia"), invitation.token, "Pia", timezone.now())
    assert full.value.code == "assembly_full"
    assert "splitting into two cells" in full.value.message
    with pytest.raises(Refused):
        services.do_decide_join_request(cell.members["ana"], cell.request, True, timezone.now())
    assert cell.assembly.members.filter(left_at__isnull=True).count() == 4


def test_leaving_ends_the_membership_and_any_role_today(cell):
    services.do_leave(cell.members["fay"], timezone.now())
    term = RoleTerm.objects.get(role="facilitator")
    assert term.ended_early_on == timezone.now().date()
    assert _kinds(cell.assembly)[-1].kind == "member.left"
    with pytest.raises(Refused):
        services.do_leave(cell.members["fay"], timezone.now())


def test_an_adopted_split_makes_two_cells_whose_ledgers_point_to_each_other(db):
    cell = build_cell(max_size=6, extra_members=3)  # 6 members: full
    stay, leave = services.suggest_split(cell.assembly)
    assert abs(len(stay) - len(leave)) <= 1
    payload = services.check_split_cells(
        cell.assembly, [m.pk for m in stay], [m.pk for m in leave], "Oak Street East", "oak-east"
    )
    proposal = decisions.do_propose(
        decisions.check_propose(cell.members["ana"], title="Split in two", kind="split", payload=payload),
        timezone.now(),
    )
    for member in cell.assembly.members.filter(left_at__isnull=True):
        decisions.do_vote(member, proposal, "consent", timezone.now())
    new = Assembly.objects.get(slug="oak-east")
    assert sorted(new.members.values_list("public_name", flat=True)) == sorted(m.public_name for m in leave)
    assert sorted(cell.assembly.members.filter(left_at__isnull=True).values_list("public_name", flat=True)) == sorted(
        m.public_name for m in stay
    )
    old_split = next(e for e in _kinds(cell.assembly) if e.kind == "assembly.split")
    new_entries = _kinds(new)
    assert old_split.body["other"] == new.ledger.origin
    assert new_entries[0].kind == "assembly.charter"
    assert new_entries[1].body["from"] == cell.assembly.ledger.origin
    assert new.charter["rules"] == {**cell.assembly.charter["rules"]}
    new.refresh_from_db()
    cell.assembly.refresh_from_db()
    assert (new.split_sibling, cell.assembly.split_sibling) == (cell.assembly, new)


@pytest.mark.parametrize(
    ("who", "code"),
    [("nobody", "cell_too_small"), ("stranger", "unknown_member")],
)
def test_an_impossible_division_is_refused(db, who, code):
    cell = build_cell(extra_members=3)
    members = list(cell.assembly.members.filter(left_at__isnull=True).values_list("pk", flat=True))
    leave = [] if who == "nobody" else [members[0], 999_999]
    with pytest.raises(Refused) as err:
        services.check_split_cells(cell.assembly, [m for m in members if m not in leave], leave, "New", "new-cell")
    assert err.value.code == code


def test_every_ledger_the_services_write_passes_a_full_audit(cell, client):
    services.do_leave(cell.members["nico"], timezone.now())

    def read(path):
        response = client.get(f"/ledgers/oak-street/{path}")
        assert response.status_code == 200, path
        return response.content

    report = audit_ledger(read, Verifier.from_vkey(cell.assembly.ledger.verifier_key))
    cell.assembly.ledger.refresh_from_db()
    assert report.checkpoint.size == cell.assembly.ledger.size == 5  # charter, three joined, one left
