"""The only writes of discussions: comments, their edits and taking them back, sense checks and their answers.

Comments are not ledger entries: people must be able to take back their words. A reply tells the
parent's author and a mention tells the member mentioned (``notices.services.do_notify``); nobody
else is told of a new comment.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from confederal.ledger import N_, Phrase
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.errors import Refused
from confederal.node.notices.services import do_notify
from confederal.node.text import check_line, clean

from . import selectors
from .markdown import mentioned
from .models import Comment, Revision, SenseAnswer, SenseCheck, Stance, Thread
from .selectors import Place

__all__ = [
    "MAX_BODY",
    "MAX_LINE",
    "CommentDraft",
    "SenseCheckDraft",
    "check_answer",
    "check_comment",
    "check_edit",
    "check_sense_check",
    "check_take_back",
    "do_answer",
    "do_comment",
    "do_edit",
    "do_sense_check",
    "do_take_back",
]

#: The longest comment, in characters of its Markdown source.
MAX_BODY = 10_000
#: The longest line of a sense check's answer.
MAX_LINE = 300
_LONGEST_CHECK = timedelta(days=90)
_KEPT = frozenset("\n\t\u200c\u200d")


def _writer(user: User | AnonymousUser, place: Place) -> Member:
    if not user.is_authenticated:
        raise Refused("sign_in", _("Sign in first."), 401)
    member = selectors.writer(user, place)
    if member is None:
        if place.assembly is not None:
            message = _("Only members of %(assembly)s write in its discussions.") % {"assembly": place.assembly.name}
        else:
            message = _("Only members of the federation's assemblies on this node write in this discussion.")
        raise Refused("not_a_member", message, 403)
    return member


def _body(text: str) -> str:
    body = clean(text).replace("\r\n", "\n")
    if not body:
        raise Refused("empty_comment", _("Write something first."))
    if len(body) > MAX_BODY:
        raise Refused(
            "comment_too_long",
            _("A comment can be at most %(most)s characters long; this one has %(n)s. Split it in two.")
            % {"most": f"{MAX_BODY:,}", "n": f"{len(body):,}"},
        )
    if any(unicodedata.category(c) in {"Cc", "Cf", "Co", "Cn", "Cs"} and c not in _KEPT for c in body):
        raise Refused(
            "unreadable_comment",
            _("A comment cannot hold control characters or invisible formatting; type it again without those."),
        )
    return body


@dataclass(frozen=True)
class CommentDraft:
    """A checked comment, ready for :func:`do_comment`."""

    place: Place
    member: Member
    body: str
    parent: Comment | None


def check_comment(user: User | AnonymousUser, place: Place, body: str, parent: int | None = None) -> CommentDraft:
    """Check that this person may write in the thread and that the comment (and the one it answers) is fine.

    Raises:
        Refused: not signed in (401), not a member (403), an empty, too long or unreadable body, a parent that
            is not a comment of this thread.
    """
    member = _writer(user, place)
    text = _body(body)
    replied = None
    if parent is not None:
        replied = (
            Comment.objects.filter(number=parent, **place.lookup("thread__")).select_related("parent", "author").first()
        )
        if replied is None:
            raise Refused("bad_parent", _("There is no such comment in this discussion to reply to."))
        if replied.parent is not None:  # one level of replies: answer a reply beside it
            replied = replied.parent
    return CommentDraft(place, member, text, replied)


def _notify_mentions(comment: Comment, place: Place, before: str, now: datetime) -> None:
    names = mentioned(comment.body) - mentioned(before)
    if not names:
        return
    told = [u for u in selectors.mentionable(place, names) if u.pk != comment.author_id]
    do_notify(
        told,
        kind="mention",
        phrase=Phrase(N_("%(name)s mentioned you in %(place)s"), {"name": comment.author_name, "place": place.title}),
        url=f"{place.url}#comment-{comment.number}",
        now=now,
        assembly=place.assembly,
    )


def do_comment(draft: CommentDraft, now: datetime) -> Comment:
    """Write the comment; tell the author of the comment it answers, and whoever it mentions."""
    place = draft.place
    with transaction.atomic():
        thread, _made = Thread.objects.get_or_create(**place.lookup())
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        comment = Comment.objects.create(
            thread=thread,
            number=thread.next_comment_number,
            author=draft.member.user,
            author_name=draft.member.public_name,
            parent=draft.parent,
            body=draft.body,
            created_at=now,
        )
        thread.next_comment_number += 1
        thread.save(update_fields=["next_comment_number"])
        parent = draft.parent
        if parent is not None and parent.author_id != comment.author_id and parent.taken_back_at is None:
            do_notify(
                [parent.author],
                kind="reply",
                phrase=Phrase(
                    N_("%(name)s replied to you in %(place)s"), {"name": comment.author_name, "place": place.title}
                ),
                url=f"{place.url}#comment-{comment.number}",
                now=now,
                assembly=place.assembly,
            )
        _notify_mentions(comment, place, "", now)
    return comment


def _own(user: User | AnonymousUser, comment: Comment, place: Place) -> None:
    _writer(user, place)
    if comment.author_id != user.pk:
        raise Refused("not_yours", _("Only the person who wrote a comment can change it or take it back."), 403)
    if comment.taken_back_at is not None:
        raise Refused("taken_back", _("This comment was taken back; write a new one instead."), 409)


def check_edit(user: User | AnonymousUser, place: Place, comment: Comment, body: str) -> str:
    """The comment's new text, if its author (still a member) may put it there.

    Raises:
        Refused: someone else's comment, one taken back, an empty, too long or unreadable body, no change.
    """
    _own(user, comment, place)
    text = _body(body)
    if text == comment.body:
        raise Refused("no_change", _("The comment already says that."))
    return text


def do_edit(place: Place, comment: Comment, body: str, now: datetime) -> Comment:
    """Change the comment, keeping its earlier version for anyone to see; tell whoever is newly mentioned."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        before = comment.body
        Revision.objects.create(comment=comment, body=before, written_at=comment.edited_at or comment.created_at)
        comment.body = body
        comment.edited_at = now
        comment.save(update_fields=["body", "edited_at"])
        _notify_mentions(comment, place, before, now)
    return comment


def check_take_back(user: User | AnonymousUser, place: Place, comment: Comment) -> Comment:
    """The comment, if its author may take it back (it was not taken back already)."""
    _own(user, comment, place)
    return comment


def do_take_back(comment: Comment, now: datetime) -> Comment:
    """Remove the comment's words and their earlier versions; a line saying who took it back stays in its place."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        comment.revisions.all().delete()
        comment.body = ""
        comment.taken_back_at = now
        comment.save(update_fields=["body", "taken_back_at"])
    return comment


@dataclass(frozen=True)
class SenseCheckDraft:
    """A checked sense check, ready for :func:`do_sense_check`."""

    member: Member
    question: str
    text: str
    closes_at: datetime


def check_sense_check(member: Member, question: str, text: str, closes_at: datetime, now: datetime) -> SenseCheckDraft:
    """Check a new sense check: a question of one line, a text of at most :data:`MAX_BODY`, a close in the next
    90 days."""
    line = check_line(question, 3, 200, "bad_question", _("The question needs 3 to 200 characters."))
    body = _body(text) if text.strip() else ""
    if not now < closes_at <= now + _LONGEST_CHECK:
        raise Refused("bad_close", _("A sense check closes some time in the next 90 days."))
    return SenseCheckDraft(member, line, body, closes_at)


def do_sense_check(draft: SenseCheckDraft, now: datetime) -> SenseCheck:
    """Open the sense check, with the next number of the assembly's checks."""
    assembly = draft.member.assembly
    try:
        with transaction.atomic():
            Assembly.objects.select_for_update().filter(pk=assembly.pk).first()
            last = SenseCheck.objects.filter(assembly=assembly).order_by("-number").values_list("number", flat=True)
            return SenseCheck.objects.create(
                assembly=assembly,
                number=(last.first() or 0) + 1,
                author=draft.member,
                question=draft.question,
                text=draft.text,
                opened_at=now,
                closes_at=draft.closes_at,
            )
    except IntegrityError:
        raise Refused("busy", _("Someone opened a sense check at the same moment; try again."), 409) from None


def check_answer(member: Member, check: SenseCheck, stance: str, line: str, now: datetime) -> tuple[Stance, str]:
    """A member's answer: one of for, concerns or against, and an optional line, while the check is open."""
    if member.assembly_id != check.assembly_id:
        raise Refused("not_a_member", _("Only members of the assembly answer its sense checks."), 403)
    if check.closes_at <= now:
        raise Refused("check_closed", _("This sense check is closed; answers can no longer change."), 409)
    if stance not in Stance.values:
        raise Refused("bad_stance", _("Choose how you feel: for it, concerns, or against it."))
    said = check_line(line, 0, MAX_LINE, "bad_line", _("Say it in at most 300 characters.")) if line.strip() else ""
    return Stance(stance), said


def do_answer(member: Member, check: SenseCheck, answer: tuple[Stance, str], now: datetime) -> SenseAnswer:
    """Record the member's answer, or change it."""
    stance, line = answer
    with transaction.atomic():
        row, _made = SenseAnswer.objects.update_or_create(
            sense_check=check, member=member, defaults={"stance": stance, "line": line, "answered_at": now}
        )
    return row
