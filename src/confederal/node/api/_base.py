"""The API object, its authentication, and shapes shared by several routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import ValidationInfo, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler

from confederal.node.access import access_assembly, require, require_member
from confederal.node.accounts.services import check_not_paused, note_failed_attempt, user_for_token
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.web import now
from confederal.permissions import Action


def token_user(request: HttpRequest, token: str) -> User | None:
    """The owner of an API token. A bad token counts against the address like a wrong password, and while the
    address is paused no token is looked at: the answer is 429, saying when to try again."""
    check_not_paused(request, None)
    user = user_for_token(token, now())
    if user is None:
        note_failed_attempt(request, None)
    return user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(request, token)
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


class ReadOut(Schema):
    """An answer built with ``from_orm`` from an object: fields of the same name are read from it, the others from
    the schema's ``resolve_<field>`` static methods.
    """

    # ninja would run the resolvers again on an answer already built (a list's item, a field of another answer),
    # and they read the object, which the answer no longer holds; so one already built is taken as it is.
    @model_validator(mode="wrap")
    @classmethod
    def _as_built(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        return values if isinstance(values, cls) else handler(values)


class ErrorOut(Schema):
    code: str = ""
    detail: str


def viewer(request: HttpRequest) -> User | AnonymousUser:
    """Who reads a public route: the bearer token's owner if one is sent, else the session's."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token_user(request, token.strip()) or AnonymousUser()
    user = request.user
    return user if isinstance(user, User) else AnonymousUser()


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


_Route = TypeVar("_Route", bound=Callable[..., Any])


def authed(
    route: Callable[..., Any], path: str, out: Any, summary: str, errors: tuple[int, ...], status: int = 201
) -> Callable[[_Route], _Route]:
    """Declare a route that needs a session or a token: ``route`` is ``router.post`` (or ``put``, ``delete``…).

    It answers ``out`` with ``status``, and ``ErrorOut`` with each status in ``errors`` (those it may refuse with).
    """
    declare: Callable[[_Route], _Route] = route(
        path, auth=AUTH, response={status: out} | dict.fromkeys(errors, ErrorOut), summary=summary
    )
    return declare


def member_for(request: HttpRequest, assembly: Assembly, needs: Action) -> Member:
    """The caller's membership, if they may do ``needs`` in the assembly as a member; else a refusal."""
    return require_member(user_of(request), assembly, needs, now().date())


def member_in(request: HttpRequest, slug: str, needs: Action) -> Member:
    """The caller's membership of the assembly with this short name, if they may do ``needs`` there as a member."""
    return member_for(request, access_assembly(slug), needs)


def authorise(request: HttpRequest, assembly: Assembly, needs: Action) -> Member | None:
    """The caller's membership (if any), if they may do ``needs`` in the assembly; else a refusal."""
    return require(user_of(request), assembly, needs, now().date())


def assembly_for(request: HttpRequest, slug: str, needs: Action) -> Assembly:
    """The assembly with this short name, if the caller may do ``needs`` there; else a refusal (or 404)."""
    assembly = access_assembly(slug)
    authorise(request, assembly, needs)
    return assembly


JSON = dict[str, Any]
