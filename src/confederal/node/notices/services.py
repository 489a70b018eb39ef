"""The only way notices, read marks, mail settings and mail are written.

Other services call ``do_notify`` inside their own transaction; a person who chose that kind of mail gets a row in
the outbox in the same transaction (nothing acknowledged is lost), which the ticker sends (``do_send_outbox``),
retrying with backoff while the mail server is away. Digests are queued by ``do_queue_digests``.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from confederal.ledger import Phrase
from confederal.node.accounts.models import Preferences
from confederal.node.assemblies.models import Assembly, Member
from confederal.node.errors import Refused
from confederal.node.words import say

from . import selectors
from .models import Mail, MailSettings, Notice, ReadMark

__all__ = [
    "CheckedMailSettings",
    "check_mail_settings",
    "do_mark_read",
    "do_notify",
    "do_queue_digest_now",
    "do_queue_digests",
    "do_save_mail_settings",
    "do_send_outbox",
    "do_unsubscribe",
    "inbox_count_key",
    "next_digest",
    "unsubscribe_token",
    "what_token_stops",
]

logger = logging.getLogger(__name__)

#: The local hour digests go out at, in each person's own zone; weekly ones on Mondays.
DIGEST_HOUR = time(7, 0)
#: Retries wait 1, 2, 4… minutes, never more than six hours.
RETRY_FIRST = timedelta(minutes=1)
RETRY_MOST = timedelta(hours=6)
#: How many mails one round of the ticker sends, and how many digests it builds per transaction.
SEND_BATCH = 100
DIGEST_BATCH = 200
_SALT = "confederal.notices.unsubscribe"


def inbox_count_key(user_id: int) -> str:
    """The cache key under which the header keeps a person's unread count for a little while."""
    return f"inbox-unread:{user_id}"


# ── Notices ──────────────────────────────────────────────────────────────────────────────────────────────────────


def do_notify(
    users: Iterable[User],
    *,
    kind: str,
    phrase: Phrase,
    url: str,
    now: datetime,
    assembly: Assembly | None = None,
) -> int:
    """Tell each of ``users`` (once each) that something happened; return how many were told.

    ``phrase`` params must be plain strings or numbers: the notice is stored, and read later in
    the reader's own language. Whoever chose this kind of mail at once (and has an address, and is still in an
    assembly here) also gets a mail in the outbox, in the same transaction as the notice.
    """
    params = {name: value if isinstance(value, int) else str(value) for name, value in phrase.params.items()}
    seen: set[int] = set()
    rows = []
    told: list[User] = []
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        told.append(user)
        rows.append(
            Notice(
                user=user,
                assembly=assembly,
                kind=kind,
                message=phrase.text,
                params=params,
                url=url,
                created_at=now,
            )
        )
    Notice.objects.bulk_create(rows)
    for user in told:
        cache.delete(inbox_count_key(user.pk))
    if selectors.mail_enabled() and told:
        wanting = MailSettings.objects.filter(user__in=told).exclude(user__email="").select_related("user")
        mails = [
            _notice_mail(choice.user, kind, Phrase(phrase.text, params), url, assembly, now)
            for choice in wanting
            if kind in choice.immediate and _still_here(choice.user)
        ]
        Mail.objects.bulk_create(mails)
    return len(rows)


def do_mark_read(user: User, keys: Iterable[str], now: datetime) -> int:
    """Mark these inbox items read for ``user`` (keys it does not have are ignored); return how many were new."""
    wanted = {key for key in keys if 0 < len(key) <= 64}
    with transaction.atomic():
        have = set(ReadMark.objects.filter(user=user, key__in=wanted).values_list("key", flat=True))
        ReadMark.objects.bulk_create([ReadMark(user=user, key=key, read_at=now) for key in sorted(wanted - have)])
        Notice.objects.filter(user=user, pk__in=_notice_ids(wanted), read_at__isnull=True).update(read_at=now)
    cache.delete(inbox_count_key(user.pk))
    return len(wanted - have)


def _notice_ids(keys: Iterable[str]) -> list[int]:
    return [int(key[7:]) for key in keys if key.startswith("notice:") and key[7:].isdigit()]


# ── Mail settings ────────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class CheckedMailSettings:
    email: str
    immediate: tuple[str, ...]
    digest: str


def check_mail_settings(user: User, email: str, immediate: Iterable[str], digest: str) -> CheckedMailSettings:
    """Validate what a person asks for their mail; an invalid address or choice is refused with a sentence."""
    email = email.strip()
    if len(email) > 254:
        raise Refused("bad_email", _("That address is too long to be an email address."), 400)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Refused(
                "bad_email", _("“%(email)s” is not an email address, so nothing was changed.") % {"email": email}, 400
            ) from None
    kinds = tuple(dict.fromkeys(immediate))
    if any(kind not in selectors.KINDS for kind in kinds):
        raise Refused("bad_kind", _("Choose among the kinds of mail listed."), 400)
    if digest not in MailSettings.Digest.values:
        raise Refused("bad_digest", _("Choose no digest, a daily one or a weekly one."), 400)
    return CheckedMailSettings(email, kinds, digest)


def do_save_mail_settings(user: User, checked: CheckedMailSettings, now: datetime) -> MailSettings:
    """Keep the person's address and choices; the next digest falls at the digest hour of their zone."""
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=user.pk)
        fresh.email = checked.email
        fresh.save(update_fields=["email"])
        user.email = checked.email
        choice = MailSettings.objects.select_for_update().filter(user=fresh).first() or MailSettings(user=fresh)
        choice.immediate = list(checked.immediate)
        if choice.digest != checked.digest or choice.digest_due_at is None:
            choice.digest = checked.digest
            choice.digest_due_at = next_digest(now, checked.digest, _zone(fresh))
        choice.save()
    return choice


def next_digest(now: datetime, digest: str, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """When the next digest after ``now`` goes: 07:00 in ``zone`` the next day it is due (Mondays if weekly)."""
    if digest == MailSettings.Digest.OFF:
        return None
    local = now.astimezone(zone)
    day = local.date() if local.time() < DIGEST_HOUR else local.date() + timedelta(days=1)
    if digest == MailSettings.Digest.WEEKLY:
        day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, DIGEST_HOUR, tzinfo=zone).astimezone(UTC)


def _zone(user: User) -> zoneinfo.ZoneInfo:
    return _reader(user).zone


# ── Unsubscribing (RFC 8058) ─────────────────────────────────────────────────────────────────────────────────────


def unsubscribe_token(user: User, what: str) -> str:
    """An opaque, signed token that turns off ``what`` (``digest`` or a kind of immediate mail) for ``user``."""
    return signing.dumps([user.pk, what], salt=_SALT, compress=True)


def what_token_stops(token: str) -> tuple[User, str]:
    """The person and the kind of mail a token turns off; refused when the token is not one of this node's."""
    try:
        user_id, what = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise Refused("bad_token", _("This unsubscribe link is not valid: it may have been cut short."), 404) from None
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    if user is None or not isinstance(what, str) or (what != "digest" and what not in selectors.KINDS):
        raise Refused("bad_token", _("This unsubscribe link is not valid: it may have been cut short."), 404)
    return user, what


def do_unsubscribe(token: str) -> tuple[User, str]:
    """Turn off the kind of mail the token names (again is fine); return the person and what was turned off."""
    user, what = what_token_stops(token)
    with transaction.atomic():
        choice = MailSettings.objects.select_for_update().filter(user=user).first()
        if choice is None:
            choice = MailSettings(user=user, immediate=list(selectors.IMMEDIATE_BY_DEFAULT))
        if what == "digest":
            choice.digest = MailSettings.Digest.OFF
            choice.digest_due_at = None
        else:
            choice.immediate = [kind for kind in choice.immediate if kind != what]
        choice.save()
    return user, what


# ── Composing mail ───────────────────────────────────────────────────────────────────────────────────────────────


def _still_here(user: User) -> bool:
    return Member.objects.filter(user=user, left_at__isnull=True).exists()


def _absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else settings.PUBLIC_URL + path


@dataclass(frozen=True)
class _Reader:
    """Who a mail is for, with their language and zone read once."""

    user: User
    language: str
    zone: zoneinfo.ZoneInfo


def _reader(user: User) -> _Reader:
    return _reader_with(user, selectors.preferences_of(user))


def _reader_with(user: User, chosen: Preferences | None) -> _Reader:
    """Who a mail is for, with the preferences they chose (read already, for a batch)."""
    language = chosen.language if chosen and chosen.language else settings.LANGUAGE_CODE
    name = chosen.time_zone if chosen and chosen.time_zone else settings.TIME_ZONE
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return _Reader(user, language, zone)


def _mail(reader: _Reader, kind: str, subject: str, template: str, context: dict[str, Any], now: datetime) -> Mail:
    """A mail to ``user`` in their language and zone, with its unsubscribe headers and a link to their settings."""
    user = reader.user
    token = unsubscribe_token(user, kind)
    unsubscribe = _absolute(reverse("unsubscribe", args=[token]))
    domain = settings.EMAIL_DOMAIN
    context = {
        **context,
        "user": user,
        "settings_url": _absolute(reverse("account")) + "#mail",
        "unsubscribe_url": unsubscribe,
        "node_url": settings.PUBLIC_URL,
    }
    with translation.override(reader.language), timezone.override(reader.zone):
        text = render_to_string(f"notices/mail/{template}.txt", context)
        html = render_to_string(f"notices/mail/{template}.html", context)
    headers = {
        "Message-ID": make_msgid(domain=domain),
        "List-Unsubscribe": f"<{unsubscribe}>, <mailto:{settings.DEFAULT_FROM_EMAIL}?subject=unsubscribe%20{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"Confederal at {domain} <{kind.replace('_', '-')}.{domain}>",
    }
    return Mail(
        user=user,
        to=user.email,
        kind=kind,
        subject=subject,
        text=text,
        html=html,
        headers=headers,
        created_at=now,
        next_attempt_at=now,
    )


def _notice_mail(user: User, kind: str, phrase: Phrase, url: str, assembly: Assembly | None, now: datetime) -> Mail:
    reader = _reader(user)
    with translation.override(reader.language):
        sentence = say(phrase)
        subject = (
            _("%(assembly)s: %(sentence)s") % {"assembly": assembly.name, "sentence": sentence}
            if assembly
            else sentence
        )
    context = {"sentence": sentence, "url": _absolute(url), "assembly": assembly.name if assembly else ""}
    return _mail(reader, kind, subject[:300], "notice", context, now)


def _digest_mail(reader: _Reader, items: list[selectors.Item], now: datetime) -> Mail:
    with translation.override(reader.language):
        subject = _("What waits for you on Confederal: %(count)d things") % {"count": len(items)}
    shown = [
        {"text": item.text, "assembly": item.assembly, "url": _absolute(item.url), "deadline": item.deadline}
        for item in items
    ]
    return _mail(reader, "digest", subject, "digest", {"items": shown, "inbox_url": _absolute(reverse("inbox"))}, now)


def do_queue_digests(now: datetime) -> int:
    """Queue the digest of everyone whose digest is due: what came into their inbox since the last one.

    People are read in batches by key (never all at once), each batch in one transaction; someone without an
    address, who left every assembly, or with nothing new gets no mail, and their next digest is scheduled all
    the same. Nothing happens on a node that sends no mail. Returns how many digests were queued.
    """
    if not selectors.mail_enabled():
        return 0
    queued = 0
    after = 0
    while True:
        batch = selectors.digests_due(now, after, DIGEST_BATCH)
        if not batch:
            return queued
        after = batch[-1].pk
        shared = selectors.Shared(now)  # what each assembly shows all its members, read once per batch
        mails = _digests_for(batch, now, shared)
        with transaction.atomic():
            Mail.objects.bulk_create(mails)
            MailSettings.objects.bulk_update(batch, ["last_digest_at", "digest_due_at"])
        queued += len(mails)


def do_queue_digest_now(user: User, now: datetime) -> bool:
    """Queue this person's digest now, whatever its schedule (the demo's first mail); whether one was queued."""
    choice = MailSettings.objects.filter(user=user).exclude(digest=MailSettings.Digest.OFF).first()
    if choice is None or not selectors.mail_enabled():
        return False
    mail = _digest_for(choice, now)  # the schedule stays: only when the last digest went is kept
    with transaction.atomic():
        if mail is not None:
            mail.save()
        choice.save(update_fields=["last_digest_at"])
    return mail is not None


def _digest_for(choice: MailSettings, now: datetime, shared: selectors.Shared | None = None) -> Mail | None:
    """The digest mail of one person (None if they get none), and their settings moved on to the next one."""
    mails = _digests_for([choice], now, shared or selectors.Shared(now))
    return mails[0] if mails else None


def _digests_for(batch: list[MailSettings], now: datetime, shared: selectors.Shared) -> list[Mail]:
    """The digest mails of a batch of people, their inboxes read together (the same dozen queries for the
    batch as for one person); everyone's settings move on to their next digest, mail or not."""
    users = [choice.user for choice in batch]
    preferences = selectors.preferences_of_many(users)
    readers = {user.pk: _reader_with(user, preferences.get(user.pk)) for user in users}
    wanting = [u for u in users if u.email and u.is_active]
    by_language: dict[tuple[str, str], list[User]] = {}
    for user in wanting:
        reader = readers[user.pk]
        by_language.setdefault((reader.language, reader.zone.key), []).append(user)
    since = {choice.user_id: choice.last_digest_at for choice in batch}
    items: dict[int, list[selectors.Item]] = {}
    for (language, _zone_name), people in by_language.items():
        with translation.override(language), timezone.override(readers[people[0].pk].zone):
            items.update(selectors.inboxes(people, now, since, shared, members_only=True))
    mails = []
    for choice in batch:
        reader = readers[choice.user_id]
        waiting = [item for item in items.get(choice.user_id, []) if not item.read]
        if waiting:
            mails.append(_digest_mail(reader, waiting, now))
        choice.last_digest_at = now
        choice.digest_due_at = next_digest(now, choice.digest, reader.zone)
    return mails


# ── Sending ──────────────────────────────────────────────────────────────────────────────────────────────────────


def do_send_outbox(now: datetime, limit: int = SEND_BATCH) -> int:
    """Send what waits in the outbox through the SMTP server; return how many went.

    A mail the server refuses, or every mail when the server cannot be reached, stays in the outbox with the
    error and its attempts, and is tried again after 1, 2, 4… minutes (at most six hours apart).
    """
    server = settings.EMAIL_SERVER
    if server is None:
        return 0
    due = selectors.mails_due(now, limit)
    if not due:
        return 0
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend", timeout=settings.EMAIL_TIMEOUT, fail_silently=False, **server
    )
    sent = 0
    try:
        connection.open()
    except Exception as error:  # the server is down or refuses us: every mail waits
        _failed(due, error, now)
        return 0
    try:
        for mail in due:
            message = EmailMultiAlternatives(
                mail.subject,
                mail.text,
                settings.DEFAULT_FROM_EMAIL,
                [mail.to],
                headers=mail.headers,
                connection=connection,
            )
            if mail.html:
                message.attach_alternative(mail.html, "text/html")
            try:
                message.send()
            except Exception as error:
                _failed([mail], error, now)
                continue
            mail.sent_at = now
            mail.attempts += 1
            mail.save(update_fields=["sent_at", "attempts"])
            sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # closing a connection that broke mid-way
            logger.info("The mail server's connection could not be closed cleanly")
    return sent


def _failed(mails: list[Mail], error: Exception, now: datetime) -> None:
    logger.warning("Mail could not be sent (%s); %d will be tried again", error, len(mails))
    for mail in mails:
        mail.attempts += 1
        mail.last_error = f"{type(error).__name__}: {error}"[:1000]
        mail.next_attempt_at = now + min(RETRY_FIRST * 2 ** (mail.attempts - 1), RETRY_MOST)
    Mail.objects.bulk_update(mails, ["attempts", "last_error", "next_attempt_at"])
