"""Accounts: signing up, and API tokens for scripts."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from confederal.node.errors import Refused

from .models import ApiToken

__all__ = ["check_sign_up", "do_create_token", "do_revoke_token", "do_sign_up", "token_digest", "user_for_token"]

_USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,40}\Z")


def check_sign_up(username: str, password: str, email: str = "") -> tuple[str, str, str]:
    """Validate a new account; the email is optional and never shown to anyone.

    Raises:
        Refused: the name is malformed or taken, or the password is too weak.
    """
    username = username.strip()
    if not _USERNAME.match(username):
        raise Refused(
            "bad_username", _("Choose a sign-in name of 3 to 40 letters, digits, dots, dashes or underscores.")
        )
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise Refused("username_taken", _("That sign-in name is taken; choose another."), 409)
    email = email.strip()
    if email and ("@" not in email or len(email) > 200):
        raise Refused("bad_email", _("That does not look like an email address (it is optional)."))
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise Refused("weak_password", " ".join(exc.messages)) from exc
    return username, password, email


def do_sign_up(username: str, password: str, email: str) -> User:
    """Create the account.

    Raises:
        Refused: someone took the name a moment earlier.
    """
    try:
        with transaction.atomic():
            user: User = get_user_model().objects.create_user(username=username, email=email, password=password)
            return user
    except IntegrityError as exc:
        raise Refused("username_taken", _("That sign-in name is taken; choose another."), 409) from exc


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_create_token(user: User, label: str, now: datetime) -> str:
    """Create an API token and return it; only its digest is kept, so it is shown once."""
    label = " ".join(label.split())[:80] or _("API token")
    token = "cf_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=token_digest(token), label=label, created_at=now)
    return token


def do_revoke_token(user: User, token_id: int, now: datetime) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=now)
    if not updated:
        raise Refused("not_found", _("There is no such token."), 404)


def user_for_token(token: str, now: datetime) -> User | None:
    row = ApiToken.objects.select_related("user").filter(digest=token_digest(token), revoked_at__isnull=True).first()
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
