"""Joining, leaving, the size guard, and splitting into two cells."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from confederal.ledger import Verifier, audit_ledger, decode_entry
from confederal.node.accounts.services import do_create_token, do_sign_up
from confederal.node.assemblies import services
from confederal.node.assemblies.models import Assembly, Invitation, JoinRequest, Member
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


def _set_join_mode(assembly, mode):
    # Stands in for an adopted amendment (tested in test_decisions_flow): only the charter matters here.
    charter = services.charter_of(assembly)
    assembly.charter = charter.amended({"join": mode}, charter.principles.review_on).to_json()
    assembly.save(update_fields=["charter"])


def test_an_invitation_accepted_after_the_charter_closed_invitations_is_refused(cell):
    invitation = services.do_create_invitation(cell.members["ana"], timezone.now())
    pia = user("pia")
    checked, name = services.check_accept_invitation(pia, invitation.token, "Pia", timezone.now())
    _set_join_mode(cell.assembly, "request")
    with pytest.raises(Refused) as err:
        services.do_accept_invitation(pia, checked, name, timezone.now())
    assert err.value.code == "invitations_closed"
    assert not cell.assembly.members.filter(public_name="Pia").exists()


def test_an_invitation_withdrawn_or_expired_between_check_and_accept_is_refused(cell):
    pia = user("pia")
    for spoil in ("revoke", "expire"):
        invitation = services.do_create_invitation(cell.members["ana"], timezone.now())
        checked, name = services.check_accept_invitation(pia, invitation.token, "Pia", timezone.now())
        when = timezone.now()
        if spoil == "revoke":
            services.do_revoke_invitation(invitation, when)
        else:
            when += timedelta(days=15)
        with pytest.raises(Refused) as err:
            services.do_accept_invitation(pia, checked, name, when)
        assert err.value.code == "invitation_expired"
    assert not cell.assembly.members.filter(public_name="Pia").exists()


def test_a_request_can_only_be_declined_once_the_charter_takes_invitations_only(cell):
    _set_join_mode(cell.assembly, "invitation")
    with pytest.raises(Refused) as err:
        services.do_decide_join_request(cell.members["fay"], cell.request, True, timezone.now())
    assert (err.value.code, JoinRequest.objects.get(pk=cell.request.pk).status) == ("requests_closed", "pending")
    assert services.do_decide_join_request(cell.members["fay"], cell.request, False, timezone.now()) is None


def test_asking_twice_at_once_files_one_request(cell):
    with pytest.raises(Refused) as err:
        services.do_request_to_join(cell.users["rita"], cell.assembly, "Rita", "again", timezone.now())
    assert (err.value.code, err.value.status) == ("already_asked", 409)
    assert JoinRequest.objects.filter(user=cell.users["rita"]).count() == 1


def test_an_invitation_link_survives_a_reload_and_only_its_maker_sees_it(cell, client):
    client.force_login(cell.users["ana"])
    before = Invitation.objects.count()
    first = client.post("/assemblies/oak-street/invite")
    assert first.status_code == 303
    share = first["Location"]
    assert client.get(share).content.decode().count(Invitation.objects.latest("pk").token) == 1
    client.get(share)
    assert Invitation.objects.count() == before + 1  # reloading shows the same link
    client.force_login(cell.users["fay"])
    assert client.get(share).status_code == 404
    client.logout()
    assert client.get(share).status_code == 404


def test_a_withdrawn_link_cannot_be_used_and_cannot_be_withdrawn_twice(cell, client):
    client.force_login(cell.users["ana"])
    share = client.post("/assemblies/oak-street/invite")["Location"]
    token = Invitation.objects.latest("pk").token
    assert client.post(share + "/revoke").status_code == 303
    assert "You withdrew this link" in client.get(share).content.decode()
    with pytest.raises(Refused) as err:
        services.check_accept_invitation(user("pia"), token, "Pia", timezone.now())
    assert err.value.code == "invitation_expired"
    with pytest.raises(Refused) as again:
        services.do_revoke_invitation(Invitation.objects.latest("pk"), timezone.now())
    assert again.value.code == "invitation_closed"


def test_the_api_withdraws_only_your_own_links(cell, client):
    client.force_login(cell.users["fay"])
    made = client.post("/api/assemblies/oak-street/invitations").json()
    client.force_login(cell.users["ana"])
    assert client.delete(f"/api/assemblies/oak-street/invitations/{made['id']}").status_code == 404
    client.force_login(cell.users["fay"])
    assert client.delete(f"/api/assemblies/oak-street/invitations/{made['id']}").status_code == 204
    assert client.delete(f"/api/assemblies/oak-street/invitations/{made['id']}").status_code == 409


def test_when_someone_is_away_is_shown_to_members_only(cell, client):
    services.do_set_away(cell.members["fay"], timezone.now().date() + timedelta(days=9), timezone.now().date())
    day = str(timezone.now().date() + timedelta(days=9))
    for who, sees in ((None, False), ("otto", False), ("ana", True)):
        client.logout()
        if who:
            client.force_login(cell.users[who])
        api = {m["name"]: m["away_until"] for m in client.get("/api/assemblies/oak-street").json()["member_list"]}
        assert (api["Fay"] == day) is sees, who
        page = client.get("/assemblies/oak-street/").content.decode()
        assert ("away until" in page) is sees, who


def test_the_api_shows_away_days_to_a_member_reading_with_a_token(cell, client):
    services.do_set_away(cell.members["fay"], timezone.now().date() + timedelta(days=9), timezone.now().date())
    token = do_create_token(cell.users["nico"], "phone", timezone.now())
    members = client.get("/api/assemblies/oak-street", headers={"Authorization": f"Bearer {token}"}).json()
    assert {m["name"]: m["away_until"] for m in members["member_list"]}["Fay"] is not None


def test_two_sign_ups_racing_for_a_name_refuse_the_second(db):
    do_sign_up("pia", "a-long-test-password", "")
    with pytest.raises(Refused) as err:
        do_sign_up("pia", "a-long-test-password", "")
    assert (err.value.code, err.value.status) == ("username_taken", 409)


def test_a_split_is_suggested_even_for_an_assembly_too_small_to_search(cell):
    stay, leave = services.suggest_split(cell.assembly)  # three members: below what the search handles
    assert sorted(m.pk for m in stay + leave) == sorted(cell.assembly.members.values_list("pk", flat=True))
    assert stay
    assert leave
