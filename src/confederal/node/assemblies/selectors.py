"""Reads of assemblies for pages and the API."""

from __future__ import annotations

from .models import Assembly

__all__ = ["time_zone_of"]


def time_zone_of(slug: str) -> str | None:
    """The time zone an assembly's charter names (None if there is no such assembly)."""
    charter = Assembly.objects.filter(slug=slug).values_list("charter", flat=True).first()
    if charter is None:
        return None
    zone = charter.get("time_zone", "UTC") if isinstance(charter, dict) else "UTC"
    return str(zone)
