"""``{% once %}``: the hidden field that makes a form act once (see :mod:`confederal.node.once`)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from confederal.node.once.services import FIELD, new_token

register = template.Library()


@register.simple_tag
def once() -> SafeString:
    """A hidden one-time token: submitting this form a second time shows what the first did, and acts no more."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
