"""Account routes: sign up, and manage API tokens."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import SESSION_KEY, update_session_auth_hash
from django.http import HttpRequest
from ninja import Router, Schema, Status

from confederal.node.accounts import selectors, services
from confederal.node.web import now

from ._base import AUTH, ErrorOut, api, user_of

router = Router(tags=["accounts"])


class SignUpIn(Schema):
    username: str
    password: str
    email: str = ""


class AccountOut(Schema):
    username: str


@router.post("/accounts", response={201: AccountOut, 400: ErrorOut, 409: ErrorOut}, summary="Create an account")
def sign_up(request: HttpRequest, body: SignUpIn) -> Status[AccountOut]:
    username, password, email = services.check_sign_up(body.username, body.password, body.email)
    return Status(201, AccountOut(username=services.do_sign_up(username, password, email).get_username()))


class PasswordIn(Schema):
    current: str
    new: str


@router.post(
    "/accounts/password",
    auth=AUTH,
    response={204: None, 400: ErrorOut, 403: ErrorOut},
    summary="Change your password (at least 12 characters, not common, not like your sign-in name)",
)
def change_password(request: HttpRequest, body: PasswordIn) -> Status[None]:
    user = user_of(request)
    services.do_change_password(user, services.check_password_change(user, body.current, body.new))
    if request.session.get(SESSION_KEY):
        update_session_auth_hash(request, user)  # this session stays signed in; the others end
    return Status(204, None)


class TokenIn(Schema):
    label: str = ""


class TokenOut(Schema):
    id: int
    label: str
    created_at: datetime
    token: str | None = None  # only when just created


@router.get("/tokens", auth=AUTH, response=list[TokenOut], summary="Your API tokens")
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    rows = selectors.live_tokens(user_of(request))
    return [TokenOut(id=t.pk, label=t.label, created_at=t.created_at) for t in rows]


@router.post("/tokens", auth=AUTH, response={201: TokenOut}, summary="Create an API token (shown once)")
def create_token(request: HttpRequest, body: TokenIn) -> Status[TokenOut]:
    token = services.do_create_token(user_of(request), body.label, now())
    row = selectors.token_by_digest(services.token_digest(token))
    return Status(201, TokenOut(id=row.pk, label=row.label, created_at=row.created_at, token=token))


@router.delete("/tokens/{token_id}", auth=AUTH, response={204: None, 404: ErrorOut}, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    services.do_revoke_token(user_of(request), token_id, now())
    return Status(204, None)


api.add_router("/", router)
