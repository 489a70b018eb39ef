"""Reads of accounts and API tokens for pages and the API."""

from __future__ import annotations

from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Max, Q, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import ApiToken, Preferences

__all__ = [
    "chosen_time_zone",
    "live_tokens",
    "pending_two_factor_device",
    "recovery_codes_left",
    "recovery_device",
    "sign_in_paused_until",
    "token_by_digest",
    "two_factor_device",
    "user_by_id",
]


def live_tokens(user: User) -> QuerySet[ApiToken]:
    """The person's API tokens not revoked, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def token_by_digest(digest: str) -> ApiToken:
    """The token stored under this digest (it exists: it was just made)."""
    return ApiToken.objects.get(digest=digest)


def user_by_id(user_id: object) -> User | None:
    """The active account with this id (from a half-finished sign-in kept in the session), if it still exists."""
    if not isinstance(user_id, int):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def two_factor_device(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if two-factor sign-in is on."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_two_factor_device(user: User) -> TOTPDevice | None:
    """The authenticator app the person started setting up and has not confirmed with a code yet."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def recovery_device(user: User) -> StaticDevice | None:
    """The person's recovery codes (each works once), if two-factor sign-in is on."""
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    """How many of the person's recovery codes are still unused."""
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def sign_in_paused_until(name: str | None, address: str | None, now: datetime) -> datetime:
    """When attempts for this account or from this address may start again: a pause after the last failure counted."""
    pause = settings.SIGN_IN_PAUSE
    counted = Q(username=name) if name else Q(pk__in=[])
    if address:
        counted |= Q(ip_address=address)
    last = AccessAttempt.objects.filter(counted, attempt_time__gte=now - pause).aggregate(last=Max("attempt_time"))
    return (last["last"] or now) + pause


def chosen_time_zone(user: User) -> str:
    """The time zone the person chose on their account page, or "" when they follow each assembly's own."""
    return Preferences.objects.filter(user=user).values_list("time_zone", flat=True).first() or ""


def language_of(user: User) -> str:
    """The language a person chose for the node's pages, or "" to follow their browser."""
    from .models import Preferences

    found = Preferences.objects.filter(user=user).values_list("language", flat=True).first()
    return found or ""
