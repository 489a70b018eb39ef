"""The API object, its authentication, and shapes shared by several routers."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_type_hints

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.params import functions as params
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import Field, ValidationInfo, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler

from confederal.node.access import access_assembly, require, require_member
from confederal.node.accounts.services import check_not_paused, note_failed_attempt, user_for_token
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.errors import Refused
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
    """A signed-in browser session, whose writes must carry its CSRF token.

    ninja checks the CSRF token before it looks for a session at all, so a write with neither a session nor a
    token would be refused as a CSRF failure (403); here only a signed-in session is checked, and a request
    without one goes on to be refused as not signed in (401).
    """

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        user = request.user
        if not (isinstance(user, User) and user.is_authenticated):
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("Send the CSRF token of your session with this request, or use an API token."))
        return request.COOKIES.get(self.param_name)

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


#: The largest row number the databases store (a signed 64-bit integer); a larger one is refused as input.
BIGGEST = 2**63 - 1
#: An assembly's or a ledger's short name, as ``ledgers.services.check_ledger_slug`` accepts it.
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
#: A federation's or a council's id: the hex leaf hash of its charter's entry.
HASH_PATTERN = r"^[0-9a-f]{64}$"

Slug = Annotated[str, params.Path(pattern=SLUG_PATTERN, description="An assembly's or ledger's short name.")]
Hash = Annotated[str, params.Path(pattern=HASH_PATTERN, description="A federation's or council's id (64 hex digits).")]
Role = Annotated[str, params.Path(pattern=r"^[a-z][a-z0-9-]{0,31}$", description="A role of the charter.")]
Number = Annotated[int, params.Path(ge=1, le=BIGGEST, description="A number or id, from 1.")]
Seq = Annotated[int, params.Path(ge=0, le=BIGGEST, description="A position in a ledger, from 0.")]
#: A row's id or number inside a body.
RowId = Annotated[int, Field(ge=1, le=BIGGEST)]


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


class BodyIn(Schema):
    """A request's JSON body: an object of named fields, never a bare string, number or list.

    ninja's ``Schema`` reads any value by its attributes (so an ORM object can become an answer);
    for a body that would read the string ``"Hello World"`` as a proposal titled by its ``title``
    method. Every body a route takes subclasses this instead, and anything but an object is a 422.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        if not isinstance(values, dict):
            raise ValueError("the request body must be a JSON object of named fields")
        if _holds_nul(values):
            # PostgreSQL cannot store it (a server error there), and no text people type holds it.
            raise Refused(
                "bad_text", _("Text sent to this node cannot hold the NUL character (U+0000); send it without it.")
            )
        return handler(values)


def _holds_nul(value: Any) -> bool:
    """Whether a JSON value holds the NUL character in any string, key or value, however deep."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class ErrorOut(Schema):
    code: str = ""
    detail: str


def viewer(request: HttpRequest) -> User | AnonymousUser:
    """Who reads a public route: the bearer token's owner if one is sent, else the session's."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token_user(request, token.strip()) or AnonymousUser()
    user = request.user
    return user if isinstance(user, User) else AnonymousUser()


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


_Route = TypeVar("_Route", bound=Callable[..., Any])


def answers(
    path: str,
    view: Callable[..., Any],
    out: Any,
    status: int,
    refusals: tuple[int, ...],
    *,
    signed_in: bool,
    token: bool,
) -> dict[int, Any]:
    """What a route may answer, for its ``response=``: ``out`` with ``status``, and ``ErrorOut`` with every status it
    may refuse with — those it names (``refusals``) and those that follow from how it is declared:

    - 401 (no session or token), 403 (a session without its CSRF token, or not allowed) and 429 (guessing
      paused: a token is checked) for a route that needs someone signed in; 429 for a public one that reads a token;
    - 404 for an address with a short name or number in it (nothing there);
    - 422 for any input (a path, query or body of the wrong shape), and 400 for a body that is not JSON.
    """
    statuses = set(refusals)
    hints = get_type_hints(view)
    inputs = [name for name in inspect.signature(view).parameters if name != "request"]
    if signed_in:
        statuses |= {401, 403, 429}
    if token:
        statuses.add(429)
    if "{" in path:
        statuses.add(404)
    if inputs:
        statuses.add(422)
    if any(isinstance(hints.get(name), type) and issubclass(hints[name], BodyIn) for name in inputs):
        statuses.add(400)
    return {status: out} | dict.fromkeys(sorted(statuses - {status}), ErrorOut)


def authed(
    route: Callable[..., Any], path: str, out: Any, summary: str, errors: tuple[int, ...] = (), status: int = 201
) -> Callable[[_Route], _Route]:
    """Declare a route that needs a session or a token: ``route`` is ``router.post`` (or ``put``, ``delete``…).

    It answers ``out`` with ``status``, and ``ErrorOut`` with each status in ``errors`` (the refusals of its
    services) and those :func:`answers` adds by itself (401, 403, 429; 404 and 422 where they can happen).
    """

    def declare(view: _Route) -> _Route:
        response = answers(path, view, out, status, errors, signed_in=True, token=True)
        declared: _Route = route(path, auth=AUTH, response=response, summary=summary)(view)
        return declared

    return declare


def public(
    route: Callable[..., Any],
    path: str,
    out: Any,
    summary: str,
    errors: tuple[int, ...] = (),
    status: int = 200,
    *,
    token: bool = False,
) -> Callable[[_Route], _Route]:
    """Declare a route anyone may use, as :func:`authed` does; ``token``: it reads a token if one is sent (429)."""

    def declare(view: _Route) -> _Route:
        response = answers(path, view, out, status, errors, signed_in=False, token=token)
        declared: _Route = route(path, response=response, summary=summary)(view)
        return declared

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
