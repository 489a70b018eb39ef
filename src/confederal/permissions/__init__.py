"""Permissions: the one table of who may do what in an assembly."""

from ._policy import Action, Actor, PermissionDenied, Persona, check, check_holds, may, persona

__all__ = ["Action", "Actor", "PermissionDenied", "Persona", "check", "check_holds", "may", "persona"]
