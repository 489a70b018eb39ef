"""Mail: settings, the outbox sent to a real SMTP server process, RFC 8058 one-click unsubscribe, and digests."""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from confederal.ledger import Phrase
from confederal.node.assemblies.services import do_leave
from confederal.node.notices.models import Mail, MailSettings
from confederal.node.notices.services import do_notify, do_queue_digests, do_send_outbox
from confederal.node.settings import email_from_url

from .cell import build_cell


@pytest.fixture
def cell(db):
    return build_cell()


@pytest.fixture
def mail_server(smtp, settings):
    settings.EMAIL_SERVER = email_from_url(smtp.url)
    return smtp


def _as(cell, name):
    client = Client()
    client.force_login(cell.users[name])
    return client


def _choose(cell, name, email, immediate=("reply", "mention"), digest="off", client=None):
    client = client or _as(cell, name)
    return client.post("/accounts/mail", {"email": email, "immediate": list(immediate), "digest": digest})


def _reply_to(cell, name, now):
    return do_notify(
        [cell.users[name]],
        kind="reply",
        phrase=Phrase("%(name)s replied to you on “%(title)s”.", {"name": "Fay", "title": "Plant beans in April"}),
        url=f"/assemblies/{cell.assembly.slug}/proposals/{cell.proposal.number}/",
        now=now,
        assembly=cell.assembly,
    )


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_it_mails_a_reply_with_its_unsubscribe_headers_and_a_settings_link(cell, mail_server):
    now = timezone.now()
    assert _choose(cell, "ana", "ana@example.org").status_code == 303
    _reply_to(cell, "ana", now)
    assert do_send_outbox(now) == 1
    [mail] = mail_server.wait_for(1)
    assert mail["To"] == "ana@example.org"
    assert "Fay replied to you on “Plant beans in April”." in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip().strip("<>") for part in mail["List-Unsubscribe"].split(","))
    assert https.startswith("http")
    assert "/mail/unsubscribe/" in https
    assert mailto.startswith("mailto:")
    assert mail["List-Id"].endswith(".127.0.0.1>")
    assert mail["Message-ID"].endswith("@127.0.0.1>")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    settings_link = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Your mail settings"))
    assert settings_link in html
    page = _as(cell, "ana").get(_path(settings_link))
    assert page.status_code == 200
    assert 'value="ana@example.org"' in page.content.decode()
    assert Mail.objects.get().sent_at == now


def test_it_unsubscribes_in_one_click_with_no_cookies_twice_and_never_redirects(cell, mail_server):
    now = timezone.now()
    _choose(cell, "ana", "ana@example.org")
    _reply_to(cell, "ana", now)
    do_send_outbox(now)
    [mail] = mail_server.wait_for(1)
    https = mail["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    scanner = Client(enforce_csrf_checks=True)
    shown = scanner.get(_path(https))  # a link scanner's GET changes nothing
    assert shown.status_code == 200
    assert "<form" in shown.content.decode()
    assert "reply" in MailSettings.objects.get(user=cell.users["ana"]).immediate
    for _ in range(2):
        answer = Client(enforce_csrf_checks=True).post(
            _path(https), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert answer.status_code == 200
        assert not answer.cookies
        assert "Replies to what you wrote" in answer.content.decode()
        assert "turn it back on" in answer.content.decode()
    assert MailSettings.objects.get(user=cell.users["ana"]).immediate == ["mention"]
    _reply_to(cell, "ana", now)
    assert Mail.objects.count() == 1  # no more replies by mail


def test_it_refuses_a_forged_unsubscribe_link_with_a_sentence(cell):
    answer = Client().post("/mail/unsubscribe/not-a-token")
    assert answer.status_code == 404
    assert "not valid" in answer.content.decode()


def test_it_refuses_an_invalid_address_and_changes_nothing(cell):
    ana = _as(cell, "ana")
    _choose(cell, "ana", "ana@example.org", client=ana)
    answer = _choose(cell, "ana", "ana at example", digest="daily", client=ana)
    assert answer.status_code == 303
    page = ana.get(answer["Location"]).content.decode()
    assert "“ana at example” is not an email address, so nothing was changed." in page
    assert User.objects.get(pk=cell.users["ana"].pk).email == "ana@example.org"
    assert MailSettings.objects.get(user=cell.users["ana"]).digest == "off"


def test_it_keeps_mail_while_the_server_is_down_and_sends_it_when_it_is_back(cell, mail_server):
    now = timezone.now()
    _choose(cell, "ana", "ana@example.org")
    _reply_to(cell, "ana", now)
    mail_server.stop()
    assert do_send_outbox(now) == 0
    waiting = Mail.objects.get()
    assert waiting.sent_at is None
    assert waiting.attempts == 1
    assert waiting.last_error
    assert waiting.next_attempt_at == now + timedelta(minutes=1)
    assert do_send_outbox(now + timedelta(seconds=30)) == 0  # not due yet: no attempt
    mail_server.start()
    assert do_send_outbox(now + timedelta(minutes=1)) == 1
    assert len(mail_server.wait_for(1)) == 1
    assert Mail.objects.get().attempts == 2


def test_it_sends_a_daily_digest_in_text_and_html_at_the_digest_hour(cell, mail_server):
    now = timezone.now()
    _choose(cell, "fay", "fay@example.org", immediate=(), digest="daily")
    due = MailSettings.objects.get(user=cell.users["fay"]).digest_due_at
    assert due > now
    assert due.astimezone(UTC).hour == 7
    assert do_queue_digests(due - timedelta(seconds=1)) == 0
    assert do_queue_digests(due) == 1
    assert do_queue_digests(due) == 0  # one a day
    do_send_outbox(due)
    [mail] = mail_server.wait_for(1)
    assert "Your vote is awaited on “Plant beans in April”." in mail.get_body(("plain",)).get_content()
    assert "Plant beans in April" in mail.get_body(("html",)).get_content()
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_it_sends_no_digest_to_someone_who_left_and_nothing_breaks(cell, mail_server):
    now = timezone.now()
    _choose(cell, "nico", "nico@example.org", digest="daily")
    do_leave(cell.members["nico"], now)
    _reply_to(cell, "nico", now)  # a notice for someone who left: no mail either
    due = MailSettings.objects.get(user=cell.users["nico"]).digest_due_at
    assert do_queue_digests(due) == 0
    assert do_send_outbox(due) == 0
    assert not Mail.objects.exists()
    assert MailSettings.objects.get(user=cell.users["nico"]).digest_due_at > due


def test_it_sends_nothing_without_a_mail_server_and_says_so(cell, settings):
    settings.EMAIL_SERVER = None
    _choose(cell, "ana", "ana@example.org")
    _reply_to(cell, "ana", timezone.now())
    assert not Mail.objects.exists()
    assert "This node sends no mail" in _as(cell, "ana").get("/accounts/").content.decode()


def test_it_reads_every_form_of_the_mail_url():
    assert email_from_url("smtp://u%40x:p@mail.example.org") == {
        "host": "mail.example.org",
        "port": 25,
        "username": "u@x",
        "password": "p",
        "use_tls": False,
        "use_ssl": False,
    }
    assert email_from_url("smtp+starttls://mail.example.org")["port"] == 587
    assert email_from_url("smtps://mail.example.org:2465")["use_ssl"]
    assert email_from_url("") is None
    with pytest.raises(ValueError, match="CONFEDERAL_EMAIL_URL"):
        email_from_url("http://mail.example.org")


def test_it_does_the_same_through_the_api(cell):
    ana = _as(cell, "ana")
    refused = ana.put("/api/accounts/mail", {"email": "nope", "digest": "daily"}, content_type="application/json")
    assert refused.status_code == 400
    assert "is not an email address" in refused.json()["detail"]
    saved = ana.put(
        "/api/accounts/mail",
        {"email": "ana@example.org", "immediate": ["reply"], "digest": "weekly"},
        content_type="application/json",
    )
    assert saved.status_code == 200
    assert saved.json()["digest"] == "weekly"
    assert ana.get("/api/accounts/mail").json()["immediate"] == ["reply"]
    items = ana.get("/api/inbox").json()
    assert "vote" in {item["kind"] for item in items}
    fay = _as(cell, "fay")
    keys = [item["key"] for item in fay.get("/api/inbox").json()]
    assert keys
    assert fay.post("/api/inbox/read", {"all": True}, content_type="application/json").status_code == 204
    assert all(item["read"] for item in fay.get("/api/inbox").json())
