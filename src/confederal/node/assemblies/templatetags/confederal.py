from __future__ import annotations

from collections.abc import Mapping

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping[str, object], key: str) -> object:
    """Look a key up in a dict from a template: ``{{ roles|get_item:key }}``."""
    return mapping.get(key)
