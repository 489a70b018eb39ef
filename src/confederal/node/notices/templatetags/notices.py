"""The mail section of the account page, as its own block (``{% mail_settings_section %}``)."""

from __future__ import annotations

from typing import Any

from django import template

from confederal.node.notices import selectors

register = template.Library()


@register.inclusion_tag("notices/_mail_settings.html", takes_context=True)
def mail_settings_section(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    choice = selectors.mail_settings(user)
    return {
        "csrf_token": context.get("csrf_token"),
        "enabled": selectors.mail_enabled(),
        "email": user.email,
        "kinds": [(kind, label, kind in choice.immediate) for kind, label in selectors.KINDS.items()],
        "digest": choice.digest,
        "digests": choice.Digest.choices,
        "next_digest": choice.digest_due_at,
    }
