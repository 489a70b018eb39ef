"""Signing in safely: strong passwords, guessing paused, and two-factor codes from an authenticator app.

Every request of the test client comes from 127.0.0.1 unless a test says otherwise (``REMOTE_ADDR``); the
addresses used for "somewhere else" are from the documentation ranges (RFC 5737), and nothing is sent anywhere.
"""

from __future__ import annotations

import re
import time
from base64 import b32encode
from datetime import timedelta

import pyotp
import pytest
from django.contrib.auth.models import User
from django.db.models import F

from confederal.node.access import require
from confederal.node.accounts.services import do_create_token
from confederal.node.errors import Refused
from confederal.node.web import now
from confederal.permissions import Action

from .cell import PASSWORD, build_cell, user

ELSEWHERE = "192.0.2.7"


def sign_in(client, name: str, password: str, **extra):
    return client.post("/accounts/sign-in", {"username": name, "password": password}, **extra)


def signed_in(client) -> bool:
    return client.get("/accounts/").status_code == 200


def a_pause_passes() -> None:
    """Sixteen minutes pass for the counted failures (django-axes dates them by real time)."""
    from axes.models import AccessAttempt  # here, so the file can also run against a node without django-axes

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# -- passwords ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("", "too short"),
        ("a", "too short"),
        ("eleven-char", "too short"),
        ("password1234", "too common"),
        ("738209148823", "entirely numeric"),
        ("mariagarcia1", "too similar"),
    ],
)
def test_sign_up_refuses_a_weak_password_and_says_why(client, db, password, why):
    page = client.post("/accounts/sign-up", {"username": "mariagarcia", "password": password})
    assert page.status_code == 400
    assert why in text(page)
    api = client.post(
        "/api/accounts", {"username": "mariagarcia", "password": password}, content_type="application/json"
    )
    assert api.status_code == 400
    assert api.json()["code"] == "weak_password"
    assert why in api.json()["detail"]
    assert not User.objects.filter(username="mariagarcia").exists()


def test_a_passphrase_of_twelve_characters_or_more_is_welcome(client, db):
    response = client.post("/accounts/sign-up", {"username": "maria", "password": "river cedar lamp"})
    assert response.status_code == 303
    assert signed_in(client)


def test_changing_a_password_asks_for_the_current_one_and_a_strong_new_one(client, db):
    ana = user("ana")
    client.force_login(ana)
    wrong = client.post("/accounts/password", {"current": "not-my-password", "new": "river cedar lamp"})
    assert wrong.status_code == 400
    assert "current password is not right" in text(wrong)
    weak = client.post("/accounts/password", {"current": PASSWORD, "new": "short"})
    assert weak.status_code == 400
    assert "too short" in text(weak)
    ana.refresh_from_db()
    assert ana.check_password(PASSWORD)
    done = client.post("/accounts/password", {"current": PASSWORD, "new": "river cedar lamp"}, follow=True)
    assert "Your password is changed." in text(done)
    assert signed_in(client)  # this session stays signed in
    ana.refresh_from_db()
    assert ana.check_password("river cedar lamp")


def test_the_api_changes_a_password_with_the_same_rules(client, db):
    ana = user("ana")
    headers = {"Authorization": "Bearer " + do_create_token(ana, "script", now())}
    weak = client.post(
        "/api/accounts/password", {"current": PASSWORD, "new": "a"}, content_type="application/json", headers=headers
    )
    assert (weak.status_code, weak.json()["code"]) == (400, "weak_password")
    assert "too short" in weak.json()["detail"]
    wrong = client.post(
        "/api/accounts/password",
        {"current": "guess-guess-guess", "new": "river cedar lamp"},
        content_type="application/json",
        headers=headers,
    )
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_password")
    good = client.post(
        "/api/accounts/password",
        {"current": PASSWORD, "new": "river cedar lamp"},
        content_type="application/json",
        headers=headers,
    )
    assert good.status_code == 204
    ana.refresh_from_db()
    assert ana.check_password("river cedar lamp")


# -- guessing -------------------------------------------------------------------------------------------------------


def test_five_wrong_passwords_pause_the_account_even_for_the_right_one(client, db):
    user("ana")
    for _ in range(4):
        assert sign_in(client, "ana", "wrong-password").status_code == 400
    fifth = sign_in(client, "ana", "wrong-password")
    assert fifth.status_code == 429
    assert "Try again after" in text(fifth)
    right = sign_in(client, "ana", PASSWORD)
    assert right.status_code == 429
    assert "signing in is paused" in text(right)
    assert re.search(r"Try again after \d{1,2} \w+ \d{4}, \d\d:\d\d \w+", text(right))
    assert int(right["Retry-After"]) > 14 * 60
    assert not signed_in(client)
    # From another address too: the account is paused, not the address.
    assert sign_in(client, "ana", PASSWORD, REMOTE_ADDR=ELSEWHERE).status_code == 429
    a_pause_passes()
    assert sign_in(client, "ana", PASSWORD).status_code == 303
    assert signed_in(client)


def test_signing_in_forgets_the_accounts_failures(client, db):
    user("ana")
    for _ in range(2):
        for _ in range(4):
            assert sign_in(client, "ana", "wrong-password").status_code == 400
        assert sign_in(client, "ana", PASSWORD).status_code == 303
        client.post("/accounts/sign-out")


def test_signing_in_to_an_account_of_ones_own_does_not_forget_guesses_at_another(client, db):
    user("ana")
    user("otto")
    for _ in range(4):
        assert sign_in(client, "ana", "wrong-password").status_code == 400
    assert sign_in(client, "otto", PASSWORD).status_code == 303
    client.post("/accounts/sign-out")
    assert sign_in(client, "ana", "wrong-password").status_code == 429
    assert sign_in(client, "ana", PASSWORD).status_code == 429


def test_an_address_that_guesses_at_many_accounts_is_paused_for_all(client, db):
    user("ana")
    for i in range(20):
        sign_in(client, f"someone{i}", "wrong-password")
    assert sign_in(client, "ana", PASSWORD).status_code == 429
    assert sign_in(client, "ana", PASSWORD, REMOTE_ADDR=ELSEWHERE).status_code == 303


def test_a_forwarded_for_header_is_not_believed_unless_the_operator_runs_a_proxy(client, db, settings):
    user("ana")
    for i in range(20):
        sign_in(client, f"someone{i}", "wrong-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert sign_in(client, "ana", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    settings.PROXY_HOPS = 1
    # Behind one proxy of the operator's own, the address is the one it saw: the rightmost entry.
    ana = sign_in(client, "ana", PASSWORD, HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9")
    assert ana.status_code == 303


def test_a_wild_sign_in_name_is_refused_plainly(client, db):
    response = sign_in(client, "x\x00" + "y" * 5000, "wrong-password")
    assert response.status_code == 400
    assert "do not match" in text(response)


def test_bad_api_tokens_from_one_address_are_answered_429_with_when_to_try_again(client, db):
    token = do_create_token(user("ana"), "script", now())
    for i in range(19):
        bad = client.get("/api/tokens", headers={"Authorization": f"Bearer cf_guess{i}"})
        assert bad.status_code == 401
    twentieth = client.get("/api/tokens", headers={"Authorization": "Bearer cf_guess"})
    assert twentieth.status_code == 429
    assert twentieth.json()["code"] == "too_many_attempts"
    assert "Try again after" in twentieth.json()["detail"]
    refused = client.get("/api/tokens", headers={"Authorization": f"Bearer {token}"})
    assert (refused.status_code, refused.json()["code"]) == (429, "too_many_attempts")
    elsewhere = client.get("/api/tokens", headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=ELSEWHERE)
    assert elsewhere.status_code == 200


# -- two-factor sign-in ---------------------------------------------------------------------------------------------

RFC_6238_KEY = b"12345678901234567890"  # RFC 6238, appendix B: the SHA-1 test vectors


@pytest.mark.nodb
@pytest.mark.parametrize(
    ("when", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_the_tests_authenticator_app_gives_rfc_6238s_codes(when, code):
    assert pyotp.TOTP(b32encode(RFC_6238_KEY).decode(), digits=8).at(when) == code


def enrol(client) -> tuple[pyotp.TOTP, list[str]]:
    """Set up two-factor sign-in as a person would: read the secret off the page, type the app's code."""
    page = text(client.get("/accounts/two-factor"))
    assert "otpauth://totp/" in page
    assert "<svg" in page
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page)
    assert secret is not None
    app = pyotp.TOTP(secret.group(1).replace(" ", ""))
    done = text(client.post("/accounts/two-factor", {"code": app.now()}))
    assert "Two-factor sign-in is on." in done
    codes = re.search(r'<pre class="copy" id="recovery-codes">([^<]*)</pre>', done)
    assert codes is not None
    return app, codes.group(1).split()


def next_code(app: pyotp.TOTP) -> str:
    """The app's next code: one code is accepted only once, and enrolling used the current one."""
    return app.at(time.time() + app.interval)


def test_enrolling_an_app_then_signing_in_asks_for_its_code(client, db):
    client.force_login(user("ana"))
    assert client.get("/accounts/two-factor").status_code == 200
    wrong = client.post("/accounts/two-factor", {"code": "000000"})
    assert wrong.status_code == 400
    assert "does not match" in text(wrong)
    time.sleep(1.1)  # django-otp waits a second after a wrong code before trying another
    app, codes = enrol(client)
    assert len(codes) == 10
    assert "10 unused recovery codes" in text(client.get("/accounts/"))
    client.post("/accounts/sign-out")

    step = sign_in(client, "ana", PASSWORD)
    assert (step.status_code, step["Location"]) == (303, "/accounts/sign-in/code?next=%2F")
    assert not signed_in(client)
    refused = client.post("/accounts/sign-in/code", {"code": "123456", "next": "/"})
    assert refused.status_code == 400
    assert "does not match" in text(refused)
    assert not signed_in(client)
    time.sleep(1.1)  # django-otp waits a second after a wrong code before trying another
    assert client.post("/accounts/sign-in/code", {"code": next_code(app), "next": "/"}).status_code == 303
    assert signed_in(client)


def test_a_recovery_code_signs_in_once(client, db):
    client.force_login(user("ana"))
    _app, codes = enrol(client)
    client.post("/accounts/sign-out")
    sign_in(client, "ana", PASSWORD)
    assert client.post("/accounts/sign-in/code", {"code": codes[0].upper()}).status_code == 303
    assert "9 unused recovery codes" in text(client.get("/accounts/"))
    client.post("/accounts/sign-out")
    sign_in(client, "ana", PASSWORD)
    assert client.post("/accounts/sign-in/code", {"code": codes[0]}).status_code == 400
    assert not signed_in(client)


def test_the_code_page_needs_the_password_first(client, db):
    response = client.post("/accounts/sign-in/code", {"code": "123456"}, follow=True)
    assert "Sign in with your password first" in text(response)
    assert not signed_in(client)


def test_five_wrong_codes_pause_the_account_like_wrong_passwords(client, db, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0  # no waiting between codes here
    client.force_login(user("ana"))
    app, _codes = enrol(client)
    client.post("/accounts/sign-out")
    assert sign_in(client, "ana", PASSWORD).status_code == 303
    for _ in range(4):
        assert client.post("/accounts/sign-in/code", {"code": "000000"}).status_code == 400
    assert client.post("/accounts/sign-in/code", {"code": "000000"}).status_code == 429
    assert client.post("/accounts/sign-in/code", {"code": next_code(app)}).status_code == 429
    assert not signed_in(client)


def test_turning_two_factor_off_asks_for_the_password(client, db):
    client.force_login(user("ana"))
    enrol(client)
    wrong = client.post("/accounts/two-factor/off", {"password": "not-my-password"}, follow=True)
    assert "two-factor sign-in stays on" in text(wrong)
    done = client.post("/accounts/two-factor/off", {"password": PASSWORD}, follow=True)
    assert "Two-factor sign-in is off." in text(done)
    client.post("/accounts/sign-out")
    assert sign_in(client, "ana", PASSWORD)["Location"] == "/"


# -- a charter may ask role holders for two-factor sign-in ---------------------------------------------------------


def test_a_charter_can_ask_a_role_for_two_factor_sign_in_before_its_holder_acts(client, db):
    cell = build_cell(changes={"two_factor_roles": ["note-taker"]})
    nico, today = cell.users["nico"], now().date()
    with pytest.raises(Refused) as refused:
        require(nico, cell.assembly, Action.PUBLISH_MINUTES, today)
    assert (refused.value.code, refused.value.status) == ("two_factor_needed", 403)
    assert "turn on two-factor sign-in on your account page" in refused.value.message
    assert require(cell.users["fay"], cell.assembly, Action.PUBLISH_MINUTES, today)  # the facilitator needs no code
    headers = {"Authorization": "Bearer " + do_create_token(nico, "script", now())}
    minutes = f"/api/assemblies/oak-street/meetings/{cell.meeting.number}/minutes"
    api = client.post(minutes, headers=headers)
    assert (api.status_code, api.json()["code"]) == (403, "two_factor_needed")
    client.force_login(nico)
    enrol(client)
    assert require(nico, cell.assembly, Action.PUBLISH_MINUTES, today)
    assert client.post(minutes, headers=headers).status_code == 201


def test_the_charter_page_proposes_the_rule_and_says_it_in_plain_words(client, db):
    cell = build_cell()
    client.force_login(cell.users["ana"])
    form = {"rule": "two_factor_roles", "value": "Treasurer, facilitator", "text": "Money and keys."}
    proposal = client.post("/assemblies/oak-street/charter/amend", form, follow=True)
    assert "signing in with a two-factor code: treasurer and facilitator" in text(proposal)
    bad = client.post("/assemblies/oak-street/charter/amend", {**form, "value": "the treasurer"}, follow=True)
    assert "use role names of lowercase letters" in text(bad)


@pytest.mark.nodb
def test_the_address_behind_proxies_is_read_from_the_right_and_never_garbage(settings):
    from django.test import RequestFactory

    from confederal.node.web import client_address

    def address(forwarded: str) -> str:
        return client_address(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded))

    assert address("203.0.113.9") == "127.0.0.1"  # no proxy: the header is not believed
    settings.PROXY_HOPS = 2
    assert address("198.51.100.1, 203.0.113.9, 10.0.0.2") == "203.0.113.9"  # the leftmost was written by the client
    assert address("203.0.113.9") == "203.0.113.9"
    assert address("not an address, 10.0.0.2") == "127.0.0.1"
    assert address("") == "127.0.0.1"
