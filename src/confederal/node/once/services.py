"""Writes for one-time form tokens: claim a token before acting, note what was done, or free it after a refusal.

A token is random, signed by the node (so a tampered one is refused), and claimed by inserting a row under a
unique constraint in its own transaction *before* the action runs: of two requests carrying it (a double
click), exactly one inserts the row and acts; the other finds it and says the act was already done.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from confederal.node.errors import Refused

from . import selectors
from .models import Submission

__all__ = ["FIELD", "check_token", "do_claim", "do_forget", "do_note_done", "new_token"]

#: The name of the form field that carries the token.
FIELD = "once"
#: How long a claimed token is remembered: longer than anyone keeps a form open before pressing back.
KEPT_FOR = timedelta(days=2)
_SALT = "confederal.once"


def new_token() -> str:
    """A fresh signed token for one form."""
    return signing.Signer(salt=_SALT).sign(secrets.token_urlsafe(24))


def check_token(text: str) -> str:
    """The random part of a token this node signed.

    Raises:
        Refused: the token was changed or made up.
    """
    try:
        token = signing.Signer(salt=_SALT).unsign(text)
    except signing.BadSignature:
        token = ""
    if not token or len(token) > 64:
        raise Refused(
            "bad_form_token",
            _("This form was changed on its way to the node, so nothing was done. Reload the page and try again."),
            400,
        )
    return token


def do_claim(token: str, now: datetime) -> Submission | None:
    """Claim ``token`` for this request: ``None`` if it is this request's to act on, else the earlier submission."""
    Submission.objects.filter(created_at__lt=now - KEPT_FOR).delete()
    try:
        with transaction.atomic():
            Submission.objects.create(token=token, created_at=now)
    except IntegrityError:
        return selectors.submission(token)
    return None


def do_note_done(token: str, message: str, to: str) -> None:
    """Remember what the action of the form with ``token`` said and where it went."""
    Submission.objects.filter(token=token).update(message=message, to=to)


def do_forget(token: str) -> None:
    """The action was refused and changed nothing: the same form may be sent again."""
    Submission.objects.filter(token=token).delete()
