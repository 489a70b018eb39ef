"""Accounts: signing up, passwords, guessing paused, two-factor codes, and API tokens for scripts."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import verify_token as otp_verify
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from confederal.node import clock
from confederal.node.errors import Refused
from confederal.node.words import moment

from . import selectors
from .models import ApiToken, Preferences

__all__ = [
    "RECOVERY_CODES",
    "Paused",
    "SignInGuard",
    "attempted_name",
    "check_not_paused",
    "check_password_change",
    "check_second_step",
    "check_sign_up",
    "check_time_zone",
    "do_change_password",
    "do_confirm_two_factor",
    "do_create_token",
    "do_revoke_token",
    "do_set_time_zone",
    "do_sign_up",
    "do_start_two_factor",
    "do_turn_off_two_factor",
    "note_failed_attempt",
    "pause_refusal",
    "token_digest",
    "user_for_token",
]

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
    _check_password(password, User(username=username, email=email))
    return username, password, email


def _check_password(password: str, user: User) -> None:
    """Refuse a password the node's validators (``AUTH_PASSWORD_VALIDATORS``) find weak, saying every reason."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise Refused("weak_password", " ".join(exc.messages)) from exc


def check_password_change(user: User, current: str, new: str) -> str:
    """Check a change of password: the current one must be right, and the new one strong.

    Raises:
        Refused: the current password is wrong, or the new one is weak or the same.
    """
    if not user.check_password(current):
        raise Refused("wrong_password", _("Your current password is not right; nothing was changed."), 403)
    if new == current:
        raise Refused("same_password", _("The new password is the one you have; choose another."))
    _check_password(new, user)
    return new


def do_change_password(user: User, new: str) -> None:
    """Set the new password (already checked by :func:`check_password_change`)."""
    user.set_password(new)
    user.save(update_fields=["password"])


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


# -- guessing: django-axes counts failures, and this is how it counts them -------------------------------------------


def attempted_name(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The sign-in name an attempt was for (``AXES_USERNAME_CALLABLE``), trimmed and cut to a size that can be stored;
    ``None`` for an attempt that named no account (an API token)."""
    raw = credentials.get("username") if credentials is not None else request.POST.get("username")
    if not isinstance(raw, str):
        return None
    name = raw.replace("\0", "").strip()[:150]
    return name or None


class SignInGuard(AxesDatabaseHandler):  # type: ignore[misc]
    """django-axes' database handler, counting per account and per address with a limit for each.

    An attempt is refused while the account has had ``SIGN_IN_ACCOUNT_LIMIT`` failures, or the address
    ``SIGN_IN_ADDRESS_LIMIT`` (wrong passwords, wrong codes and bad API tokens alike), within ``SIGN_IN_PAUSE``.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        at: datetime = request.axes_attempt_time  # type: ignore[attr-defined]
        address: str | None = request.axes_ip_address  # type: ignore[attr-defined]
        recent = AccessAttempt.objects.filter(attempt_time__gte=at - settings.SIGN_IN_PAUSE)
        if address and _failures(recent.filter(ip_address=address)) >= settings.SIGN_IN_ADDRESS_LIMIT:
            return int(settings.SIGN_IN_ACCOUNT_LIMIT)  # axes compares with the account limit
        name = attempted_name(request, credentials)
        return _failures(recent.filter(username=name)) if name else 0

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """A success forgets the account's failures, never its address's: otherwise whoever guesses from an
        address could sign in to an account of their own between guesses and start counting afresh."""
        name = attempted_name(request, credentials)
        return AccessAttempt.objects.filter(username=name).delete()[0] if name else 0


def _failures(rows: Any) -> int:
    return int(rows.aggregate(n=Sum("failures_since_start"))["n"] or 0)


class Paused(Refused):
    """Attempts are paused; ``until`` says when they may start again."""

    def __init__(self, until: datetime) -> None:
        message = _(
            "Too many wrong attempts: signing in is paused for a while, so nobody can guess a password or code. "
            "Try again after %(time)s."
        ) % {"time": moment(until)}
        super().__init__("too_many_attempts", message, 429)
        self.until = until


def pause_refusal(request: HttpRequest, name: str | None) -> Paused:
    """The refusal for an attempt made while the account (or ``None``: no account) or the address is paused."""
    at = getattr(request, "axes_attempt_time", None) or clock.now()
    return Paused(selectors.sign_in_paused_until(name, getattr(request, "axes_ip_address", None), at))


def check_not_paused(request: HttpRequest, name: str | None) -> None:
    """Refuse an attempt for this account (``None``: an API token) while it or this request's address is paused.

    Raises:
        Paused: too many wrong attempts lately; it says when to try again.
    """
    if not AxesProxyHandler.is_allowed(request, {"username": name}):
        raise pause_refusal(request, name)


def note_failed_attempt(request: HttpRequest, name: str | None) -> None:
    """Count a wrong two-factor code (``name``: the account) or a bad API token (``None``) like a wrong password:
    django-axes hears Django's own signal, and marks the request when the limit is reached."""
    user_login_failed.send(sender=__name__, credentials={"username": name}, request=request)


# -- two-factor sign-in: an authenticator app (TOTP), and recovery codes --------------------------------------------

RECOVERY_CODES = 10


def do_start_two_factor(user: User) -> TOTPDevice:
    """Make a new secret for the person's authenticator app, not used until confirmed with a code from it.

    Raises:
        Refused: two-factor sign-in is already on.
    """
    if selectors.two_factor_device(user) is not None:
        raise Refused("two_factor_on", _("Two-factor sign-in is already on for your account."), 409)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def do_confirm_two_factor(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on once the app shows the right code, and return the recovery codes (shown once).

    Raises:
        Refused: no setup was started, or the code is not the app's.
    """
    device = selectors.pending_two_factor_device(user)
    if device is None:
        raise Refused("no_setup", _("Start setting up two-factor sign-in first."), 409)
    if not _verified(device, code):
        raise Refused("wrong_code", _("That code does not match; type the six digits your app shows now."))
    codes = [StaticToken.random_token() for _unused in range(RECOVERY_CODES)]
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    return codes


def do_turn_off_two_factor(user: User, password: str) -> None:
    """Turn two-factor sign-in off (the password is asked again, so an unattended session cannot).

    Raises:
        Refused: the password is wrong, or two-factor sign-in is off already.
    """
    if not user.check_password(password):
        raise Refused("wrong_password", _("Your password is not right; two-factor sign-in stays on."), 403)
    if selectors.two_factor_device(user) is None:
        raise Refused("two_factor_off", _("Two-factor sign-in is not on for your account."), 409)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def check_second_step(user: User, code: str) -> Device:
    """The device that accepts the code: the authenticator app's six digits, or one of the recovery codes (each works
    once).

    Raises:
        Refused: the code is wrong, or another attempt came too soon after a wrong one.
    """
    devices: list[Device] = [d for d in (selectors.two_factor_device(user), selectors.recovery_device(user)) if d]
    if any(not d.verify_is_allowed()[0] for d in devices):
        raise Refused("too_soon", _("Wait a few seconds after a wrong code, then try again."), 429)
    for device in devices:
        if _verified(device, code):
            return device
    raise Refused(
        "wrong_code", _("That code does not match; type the six digits your app shows now, or a recovery code.")
    )


def _verified(device: Device, code: str) -> bool:
    """Whether the device accepts the code, typed with or without spaces or dashes (a wrong one is counted by the
    device, which then waits longer before the next)."""
    typed = "".join(code.split()).replace("-", "").lower()
    if not typed or len(typed) > 16 or not typed.isalnum() or not typed.isascii():
        return False
    if isinstance(device, TOTPDevice) and not typed.isdigit():
        return False
    # django-otp locks the device's row while it checks, so one code is never accepted twice.
    return otp_verify(device.user, device.persistent_id, typed) is not None


def check_time_zone(name: str) -> str:
    """A zone a person may choose for themselves: blank (follow each assembly's own) or a known IANA zone.

    Raises:
        Refused: no such zone.
    """
    from confederal.node.zones import check_zone

    return check_zone(name) if name.strip() else ""


def do_set_time_zone(user: User, zone: str) -> None:
    """Keep the person's zone (checked by :func:`check_time_zone`); other preferences stay as they are."""
    Preferences.objects.update_or_create(user=user, defaults={"time_zone": zone})


def check_language(code: str) -> str:
    """A language of ``settings.LANGUAGES`` (or "" to follow the browser), else refused."""
    code = (code or "").strip()
    if code and code not in dict(settings.LANGUAGES):
        raise Refused("language", _("This node does not speak that language yet."))
    return code


def do_set_language(user: User, code: str) -> None:
    """Keep the language a person chose for the node's pages ("" follows their browser)."""
    from .models import Preferences

    Preferences.objects.update_or_create(user=user, defaults={"language": code})
