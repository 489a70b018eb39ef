"""Discussion routes: read and write the comments on a proposal, as the page does (same checks)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from confederal.node.access import access_assembly
from confederal.node.discussion import selectors, services
from confederal.node.discussion.models import Comment, Thread
from confederal.node.errors import Refused
from confederal.node.web import now

from ._base import BodyIn, Number, ReadOut, Slug, api, authed, public, user_of, viewer

router = Router(tags=["discussion"])

COMMENTS = "/assemblies/{slug}/proposals/{number}/comments"


class EarlierOut(Schema):
    body: str
    written_at: datetime


class CommentOut(ReadOut):
    number: int
    author_name: str
    parent: int | None = Field(description="The number of the comment this one answers.")
    body: str = Field(description="Markdown source; empty once taken back.")
    created_at: datetime
    edited_at: datetime | None
    taken_back_at: datetime | None
    earlier: list[EarlierOut] = Field(description="Earlier versions, oldest first (kept when the author edits).")

    @staticmethod
    def resolve_parent(c: Comment) -> int | None:
        return c.parent.number if c.parent else None

    @staticmethod
    def resolve_earlier(c: Comment) -> list[EarlierOut]:
        return [EarlierOut(body=r.body, written_at=r.written_at) for r in selectors.earlier_versions(c)]


def _place(slug: str, number: int) -> selectors.Place:
    return selectors.place_or_404(access_assembly(slug), Thread.Kind.PROPOSAL, number)


@public(router.get, COMMENTS, list[CommentOut], "A proposal's discussion, oldest first", (403,), token=True)
def list_comments(request: HttpRequest, slug: Slug, number: Number) -> list[CommentOut]:
    place = _place(slug, number)
    if not selectors.readable(viewer(request), place):
        raise Refused("not_a_member", _("Only members of the assembly read its discussions."), 403)
    return [CommentOut.from_orm(c) for c in selectors.comment_rows(place)]


class CommentIn(BodyIn):
    body: str = Field(min_length=1, max_length=services.MAX_BODY, description="Markdown; no HTML.")
    parent: int | None = Field(None, ge=1, le=99_999_999, description="The number of the comment it answers.")


@authed(router.post, COMMENTS, CommentOut, "Write in a proposal's discussion (members only)", (400,))
def write_comment(request: HttpRequest, slug: Slug, number: Number, body: CommentIn) -> Status[CommentOut]:
    place = _place(slug, number)
    draft = services.check_comment(user_of(request), place, body.body, body.parent)
    comment = services.do_comment(draft, now())
    return Status(201, CommentOut.from_orm(selectors.comment_or_404(place, comment.number)))


api.add_router("/", router)
