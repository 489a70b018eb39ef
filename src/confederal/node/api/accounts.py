"""Account routes: sign up, and manage API tokens."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import SESSION_KEY, update_session_auth_hash
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from confederal.node.accounts import selectors, services
from confederal.node.web import now

from ._base import BodyIn, Number, api, authed, public, user_of

router = Router(tags=["accounts"])


class SignUpIn(BodyIn):
    username: str = Field(
        pattern=r"^\s*[A-Za-z0-9_.-]{3,40}\s*$", description="3 to 40 letters, digits, dots, dashes or underscores."
    )
    password: str = Field(description="At least 12 characters, not common, not like the sign-in name.")
    email: str = Field("", description="Optional; never shown to anyone.")


class AccountOut(Schema):
    username: str


@public(router.post, "/accounts", AccountOut, "Create an account", (400, 409), status=201)
def sign_up(request: HttpRequest, body: SignUpIn) -> Status[AccountOut]:
    username, password, email = services.check_sign_up(body.username, body.password, body.email)
    return Status(201, AccountOut(username=services.do_sign_up(username, password, email).get_username()))


class PasswordIn(BodyIn):
    current: str
    new: str = Field(description="At least 12 characters, not common, not like your sign-in name.")


@authed(
    router.post,
    "/accounts/password",
    None,
    "Change your password (at least 12 characters, not common, not like your sign-in name)",
    (400,),
    status=204,
)
def change_password(request: HttpRequest, body: PasswordIn) -> Status[None]:
    user = user_of(request)
    services.do_change_password(user, services.check_password_change(user, body.current, body.new))
    if request.session.get(SESSION_KEY):
        update_session_auth_hash(request, user)  # this session stays signed in; the others end
    return Status(204, None)


class TokenIn(BodyIn):
    label: str = ""


class TokenOut(Schema):
    id: int
    label: str
    created_at: datetime
    token: str | None = None  # only when just created


@authed(router.get, "/tokens", list[TokenOut], "Your API tokens", status=200)
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    rows = selectors.live_tokens(user_of(request))
    return [TokenOut(id=t.pk, label=t.label, created_at=t.created_at) for t in rows]


@authed(router.post, "/tokens", TokenOut, "Create an API token (shown once)")
def create_token(request: HttpRequest, body: TokenIn) -> Status[TokenOut]:
    token = services.do_create_token(user_of(request), body.label, now())
    row = selectors.token_by_digest(services.token_digest(token))
    return Status(201, TokenOut(id=row.pk, label=row.label, created_at=row.created_at, token=token))


@authed(router.delete, "/tokens/{token_id}", None, "Revoke an API token", status=204)
def revoke_token(request: HttpRequest, token_id: Number) -> Status[None]:
    services.do_revoke_token(user_of(request), token_id, now())
    return Status(204, None)


api.add_router("/", router)
