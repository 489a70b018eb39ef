"""The inbox and mail settings: what the inbox page and the account page's mail section do."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool

from confederal.node.notices import selectors, services
from confederal.node.web import now

from ._base import BodyIn, api, authed, user_of

router = Router(tags=["notices"])


class ItemOut(Schema):
    key: str
    kind: str
    text: str
    assembly: str
    url: str
    when: datetime
    deadline: datetime | None
    read: bool


@authed(router.get, "/inbox", list[ItemOut], "What waits for you across your assemblies, newest first", status=200)
def inbox(request: HttpRequest) -> list[ItemOut]:
    return [
        ItemOut(
            key=i.key,
            kind=i.kind,
            text=i.text,
            assembly=i.assembly,
            url=i.url,
            when=i.when,
            deadline=i.deadline,
            read=i.read,
        )
        for i in selectors.inbox(user_of(request), now())
    ]


class ReadIn(BodyIn):
    keys: list[str] = Field(default_factory=list, max_length=1000, description="Items to mark read.")
    all: StrictBool = Field(False, description="Mark every item of the inbox read.")


@authed(router.post, "/inbox/read", None, "Mark inbox items read (some, or all)", status=204)
def mark_read(request: HttpRequest, body: ReadIn) -> Status[None]:
    user = user_of(request)
    moment = now()
    keys = [i.key for i in selectors.inbox(user, moment)] if body.all else body.keys
    services.do_mark_read(user, keys, moment)
    return Status(204, None)


class MailIn(BodyIn):
    email: str = Field("", max_length=254, description="Your address; empty for no mail at all.")
    immediate: list[Literal["reply", "mention", "vote_opened", "objection", "amended", "outcome"]] = Field(
        default_factory=list, max_length=6
    )
    digest: Literal["off", "daily", "weekly"] = "off"


class MailOut(Schema):
    email: str
    immediate: list[str]
    digest: str
    next_digest: datetime | None
    node_sends_mail: bool


def _mail_out(request: HttpRequest) -> MailOut:
    user = user_of(request)
    choice = selectors.mail_settings(user)
    return MailOut(
        email=user.email,
        immediate=list(choice.immediate),
        digest=choice.digest,
        next_digest=choice.digest_due_at,
        node_sends_mail=selectors.mail_enabled(),
    )


@authed(router.get, "/accounts/mail", MailOut, "Your mail settings", status=200)
def mail_settings(request: HttpRequest) -> MailOut:
    return _mail_out(request)


@authed(
    router.put,
    "/accounts/mail",
    MailOut,
    "Choose your address, the mail you get at once, your digest",
    (400,),
    status=200,
)
def change_mail_settings(request: HttpRequest, body: MailIn) -> Status[MailOut]:
    user = user_of(request)
    services.do_save_mail_settings(
        user, services.check_mail_settings(user, body.email, body.immediate, body.digest), now()
    )
    return Status(200, _mail_out(request))


api.add_router("/", router)
