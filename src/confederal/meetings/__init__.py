"""Meetings: calendar export and the minutes document."""

from ._calendar import CalendarEvent, ics_calendar
from ._minutes import Minutes, write_minutes

__all__ = ["CalendarEvent", "Minutes", "ics_calendar", "write_minutes"]
