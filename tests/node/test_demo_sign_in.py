"""The demo's sign-in page names the demo's own members, only on a demo node, and keeps its notice in the page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from confederal.node.demo import DEMO_PASSWORD
from confederal.node.demo._story import account


@pytest.fixture
def seeded(db):
    """Two of the demo's people, as its stories make them, and someone who signed up on the demo node."""
    account("Amara")
    account("Lucía")
    return ["amara", "lucia"]


def test_the_demo_sign_in_page_lists_only_the_demo_members(seeded, client):
    User.objects.create_user("stranger", password="a-long-test-password-1")  # as signing up makes it
    with override_settings(DEMO=True):
        page = client.get("/accounts/sign-in").content.decode()
    notice = page[page.index('id="demo-accounts"') :]
    assert "amara, lucia" in notice
    assert "stranger" not in page
    assert DEMO_PASSWORD in notice


def test_the_demo_notice_is_not_in_the_title(seeded, client):
    with override_settings(DEMO=True):
        page = client.get("/accounts/sign-in").content.decode()
    (title,) = re.findall(r"<title>(.*?)</title>", page, re.S)
    assert title.strip() == "Sign in · Confederal"
    assert "amara" not in title
    assert DEMO_PASSWORD not in title
    head = page[: page.index("</head>")]
    assert "demo node" not in head
    assert "amara" not in head


def test_a_node_that_is_not_a_demo_lists_no_accounts(seeded, client):
    page = client.get("/accounts/sign-in").content.decode()
    assert "demo-accounts" not in page
    assert "amara" not in page


def test_the_demo_notice_says_who_also_needs_a_code(seeded, client):
    from django_otp.oath import totp

    from confederal.node.accounts.services import do_confirm_two_factor, do_start_two_factor

    lucia = User.objects.get(username="lucia")
    device = do_start_two_factor(lucia)
    do_confirm_two_factor(lucia, f"{totp(device.bin_key):06d}")
    with override_settings(DEMO=True):
        page = client.get("/accounts/sign-in").content.decode()
    notice = page[page.index('id="demo-accounts"') :]
    assert "authenticator app" in notice
    assert notice.count("lucia") == 2  # in the list of accounts, and among those who need a code
