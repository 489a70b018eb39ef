"""The API object, its authentication, and shapes shared by several routers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import APIKeyCookie, HttpBearer

from confederal.node.accounts.services import user_for_token
from confederal.node.web import now


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token, now())
        if user is not None:
            request.user = user
        return user


class Session(APIKeyCookie):
    """A signed-in browser session; ninja checks the CSRF token for writes."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        return user if isinstance(user, User) and user.is_authenticated else None


AUTH = [BearerToken(), Session()]

api = NinjaAPI(
    title="Confederal node",
    version="1",
    description=(
        "Assemblies, their charters, members, proposals, votes, meetings, roles and public ledgers. "
        "Reads are public; writes need a session or a bearer token. Every public act is recorded in the "
        "assembly's ledger and can be checked against its signed checkpoint."
    ),
    docs_url=None,
    urls_namespace="api",
)


class ErrorOut(Schema):
    code: str = ""
    detail: str


def viewer(request: HttpRequest) -> User | AnonymousUser:
    """Who reads a public route: the bearer token's owner if one is sent, else the session's."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return user_for_token(token.strip(), now()) or AnonymousUser()
    user = request.user
    return user if isinstance(user, User) else AnonymousUser()


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


JSON = dict[str, Any]
