"""Reads of accounts and API tokens for pages and the API."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from .models import ApiToken

__all__ = ["live_tokens", "token_by_digest"]


def live_tokens(user: User) -> QuerySet[ApiToken]:
    """The person's API tokens not revoked, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def token_by_digest(digest: str) -> ApiToken:
    """The token stored under this digest (it exists: it was just made)."""
    return ApiToken.objects.get(digest=digest)
