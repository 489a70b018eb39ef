"""The charter: an assembly's principles and rules, written down as data the software enforces.

Every rule carries a review date ("a sunset on every rule"): the assembly is
reminded to renegotiate it when the date comes. A charter changes only by
amendment, which is itself a decision, and each version is recorded in the
assembly's ledger; :meth:`Charter.to_json` is the form that goes there.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, Generic, TypeVar

from confederal.books import BooksError, BooksRules
from confederal.decisions import Method, Rules
from confederal.roles import RoleRules, Rotation

from ._errors import CharterError

__all__ = [
    "DEFAULT_CHORES",
    "MAX_MEMBERS_LIMIT",
    "Ballots",
    "Charter",
    "JoinMode",
    "Rule",
    "default_charter",
]

T = TypeVar("T")

MAX_MEMBERS_LIMIT = 50
_ROLE_KEY = re.compile(r"[a-z][a-z0-9-]{0,31}\Z")
_FOCI = ("food", "energy", "housing", "care", "currency", "other")
# The shape of an IANA time zone name; the shell checks that the zone exists.
_ZONE = re.compile(r"UTC\Z|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2}\Z")
DEFAULT_CHORES = ("set-up", "clean-up")


class JoinMode(enum.StrEnum):
    INVITATION = "invitation"  # only with an invitation link from a member
    REQUEST = "request"  # anyone may ask; a member approves
    EITHER = "either"


class Ballots(enum.StrEnum):
    OPEN = "open"  # who voted what is published with the result
    SECRET = "secret"  # noqa: S105 - a ballot mode, not a password: only the tally is published


@dataclass(frozen=True)
class Rule(Generic[T]):
    """A rule's value and the date the assembly should look at it again."""

    value: T
    review_on: date


def _fraction_json(value: Fraction) -> dict[str, int]:
    return {"num": value.numerator, "den": value.denominator}


def _fraction(value: object, path: str) -> Fraction:
    if not isinstance(value, dict) or set(value) != {"num", "den"}:
        raise CharterError("bad_value", "{path} must be a share, such as 1/2 or 2/3.", path=path)
    num, den = value["num"], value["den"]
    if (
        not isinstance(num, int)
        or not isinstance(den, int)
        or isinstance(num, bool)
        or isinstance(den, bool)
        or den <= 0
    ):
        raise CharterError("bad_value", "{path} must be a share of whole numbers, such as 2/3.", path=path)
    return Fraction(num, den)


def _role_json(rules: RoleRules) -> dict[str, Any]:
    return {
        "term_days": rules.term_days,
        "max_consecutive_terms": rules.max_consecutive_terms,
        "cooldown_terms": rules.cooldown_terms,
        "rotation": rules.rotation.value,
    }


def _role(value: object, path: str) -> RoleRules:
    if not isinstance(value, dict):
        raise CharterError("bad_value", "{path} must describe a role's term, limits and rotation.", path=path)
    allowed = {"term_days", "max_consecutive_terms", "cooldown_terms", "rotation"}
    if set(value) - allowed:
        raise CharterError(
            "bad_value", "{path} has unknown settings: {keys}.", path=path, keys=", ".join(sorted(set(value) - allowed))
        )
    try:
        return RoleRules(
            term_days=_int(value.get("term_days", 30), path + ".term_days"),
            max_consecutive_terms=_int(value.get("max_consecutive_terms", 2), path + ".max_consecutive_terms"),
            cooldown_terms=_int(value.get("cooldown_terms", 1), path + ".cooldown_terms"),
            rotation=Rotation(value.get("rotation", "rota")),
        )
    except ValueError as exc:
        raise CharterError("bad_value", "{path}: {problem}", path=path, problem=str(exc)) from exc


def _int(value: object, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise CharterError("bad_value", "{path} must be a whole number.", path=path)
    return value


def _text(value: object, path: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CharterError("bad_value", "{path} must be non-empty text.", path=path)
    if len(value) > limit:
        raise CharterError("bad_value", "{path} is longer than {limit} characters.", path=path, limit=limit)
    return value.strip()


def _chores(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or len(value) > 20:
        raise CharterError("bad_value", "{path} must be a list of at most 20 chores.", path=path)
    chores = tuple(_text(v, path, 60) for v in value)
    if len(set(chores)) != len(chores):
        raise CharterError("bad_value", "{path} names a chore twice.", path=path)
    return chores


def _role_list(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or len(value) > 20:
        raise CharterError("bad_value", "{path} must be a list of at most 20 roles.", path=path)
    roles: list[str] = []
    for key in value:
        if not isinstance(key, str) or not _ROLE_KEY.match(key):
            raise CharterError(
                "bad_role", "{path}: use role names of lowercase letters, digits and hyphens.", path=path
            )
        roles.append(key)
    if len(set(roles)) != len(roles):
        raise CharterError("bad_value", "{path} names a role twice.", path=path)
    return tuple(roles)


# How each rule's value is read from, and written to, JSON: (parse, to_json).
_SCALARS: dict[str, tuple[Callable[[object, str], Any], Callable[[Any], Any]]] = {
    "principles": (lambda v, p: _text(v, p, 20_000), lambda v: v),
    "method": (lambda v, p: _method(v, p), lambda v: v.value),
    "quorum": (_fraction, _fraction_json),
    "threshold": (_fraction, _fraction_json),
    "ballots": (lambda v, p: _enum(Ballots, v, p), lambda v: v.value),
    "join": (lambda v, p: _enum(JoinMode, v, p), lambda v: v.value),
    "max_size": (_int, lambda v: v),
    "voting_days": (_int, lambda v: v),
    "outcome_review_days": (_int, lambda v: v),
    "chores": (_chores, list),
}


def _method(value: object, path: str) -> Method:
    return _enum(Method, value, path)


E = TypeVar("E", bound=enum.StrEnum)


def _enum(kind: type[E], value: object, path: str) -> E:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise CharterError("bad_value", "{path} must be one of: {choices}.", path=path, choices=choices) from None


#: Who may read an assembly's discussions (the charter's ``discussion`` rule): its members, or anyone.
DISCUSSION_READERS = ("members", "public")


@dataclass(frozen=True)
class Charter:
    """An assembly's charter. Build with :func:`default_charter`, change with :meth:`amended`."""

    name: str
    focus: str
    principles: Rule[str]
    method: Rule[Method]
    quorum: Rule[Fraction]
    threshold: Rule[Fraction]
    ballots: Rule[Ballots]
    join: Rule[JoinMode]
    max_size: Rule[int]
    voting_days: Rule[int]
    outcome_review_days: Rule[int]
    chores: Rule[tuple[str, ...]]
    roles: Mapping[str, Rule[RoleRules]] = field(default_factory=dict)
    version: int = 1
    #: Where the assembly meets: every date and time it shows is in this zone (an IANA name).
    time_zone: str = "UTC"
    #: The roles (money, keys) whose holders act in them only after signing in with a two-factor code; ``None``: no
    #: such rule (charters written before there was one read back without it).
    two_factor_roles: Rule[tuple[str, ...]] | None = None
    #: How the assembly keeps its money (currency, keepers, approvals, what is public); ``None``: it keeps no books.
    books: Rule[BooksRules] | None = None
    #: Who may read the assembly's discussions: ``"members"`` or ``"public"``; ``None``: members only (charters
    #: written before there was such a rule read back without it). Only members write.
    discussion: Rule[str] | None = None

    def __post_init__(self) -> None:
        _text(self.name, "name", 120)
        if self.focus not in _FOCI:
            raise CharterError("bad_value", "The focus must be one of: {choices}.", choices=", ".join(_FOCI))
        if not 0 <= self.quorum.value <= 1:
            raise CharterError("bad_value", "The quorum must be between none and all of the members.")
        if not Fraction(1, 2) < self.threshold.value <= 1:
            raise CharterError("bad_value", "A super majority must be more than half and at most all of the votes.")
        # At least 4, so that a full assembly can split into two cells of two.
        if not 4 <= self.max_size.value <= MAX_MEMBERS_LIMIT:
            raise CharterError(
                "bad_value", "The largest size must be between 4 and {limit} members.", limit=MAX_MEMBERS_LIMIT
            )
        if not 1 <= self.voting_days.value <= 90:
            raise CharterError("bad_value", "A vote must stay open for 1 to 90 days.")
        if not 7 <= self.outcome_review_days.value <= 3660:
            raise CharterError("bad_value", "Decisions must come back for review after 7 to 3660 days.")
        for key in self.roles:
            if not _ROLE_KEY.match(key):
                raise CharterError(
                    "bad_role", "“{key}” is not a role name: use lowercase letters, digits and hyphens.", key=key
                )
        if self.two_factor_roles is not None:
            _role_list(list(self.two_factor_roles.value), "two_factor_roles")
        if self.discussion is not None:
            _discussion(self.discussion.value)
        if self.version < 1:
            raise CharterError("bad_value", "A charter's version starts at 1.")
        if not isinstance(self.time_zone, str) or not _ZONE.match(self.time_zone):
            raise CharterError("bad_value", "The time zone must be one such as Europe/Berlin or UTC.")

    @property
    def public_discussion(self) -> bool:
        """Whether anyone, not only members, may read the assembly's discussions."""
        return self.discussion is not None and self.discussion.value == "public"

    def decision_rules(self, method: Method | None = None) -> Rules:
        """Return the tally rules a proposal gets from this charter (optionally with another method)."""
        return Rules(method=method or self.method.value, quorum=self.quorum.value, threshold=self.threshold.value)

    def due_for_review(self, today: date) -> list[str]:
        """Return the paths of the rules whose review date has come."""
        due = [name for name, rule in self._rules() if rule.review_on <= today]
        return sorted(due)

    def _rules(self) -> list[tuple[str, Rule[Any]]]:
        rules: list[tuple[str, Rule[Any]]] = [(name, getattr(self, name)) for name in _SCALARS]
        rules += [(f"roles.{key}", rule) for key, rule in sorted(self.roles.items())]
        if self.two_factor_roles is not None:
            rules.append(("two_factor_roles", self.two_factor_roles))
        if self.books is not None:
            rules.append(("books", self.books))
        if self.discussion is not None:
            rules.append(("discussion", self.discussion))
        return rules

    def to_json(self) -> dict[str, Any]:
        """Return the charter as canonical-profile JSON (for the ledger)."""
        rules: dict[str, Any] = {
            name: {
                "value": _SCALARS[name][1](getattr(self, name).value),
                "review_on": getattr(self, name).review_on.isoformat(),
            }
            for name in _SCALARS
        }
        rules["roles"] = {
            key: {"value": _role_json(rule.value), "review_on": rule.review_on.isoformat()}
            for key, rule in sorted(self.roles.items())
        }
        if self.two_factor_roles is not None:
            # Only when the assembly made the rule: older charters read back exactly as they were written.
            rules["two_factor_roles"] = {
                "value": list(self.two_factor_roles.value),
                "review_on": self.two_factor_roles.review_on.isoformat(),
            }
        if self.books is not None:
            rules["books"] = {"value": self.books.value.to_json(), "review_on": self.books.review_on.isoformat()}
        if self.discussion is not None:
            rules["discussion"] = {"value": self.discussion.value, "review_on": self.discussion.review_on.isoformat()}
        charter: dict[str, Any] = {"name": self.name, "focus": self.focus, "version": self.version, "rules": rules}
        if self.time_zone != "UTC":
            # Charters written before assemblies had a time zone are in UTC; they read back the same.
            charter["time_zone"] = self.time_zone
        return charter

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Charter:
        """Parse a charter written by :meth:`to_json`.

        Raises:
            CharterError: a field is missing or invalid.
        """
        try:
            rules = data["rules"]
            values: dict[str, Any] = {
                name: Rule(parse(rules[name]["value"], name), _date(rules[name]["review_on"], name))
                for name, (parse, _) in _SCALARS.items()
            }
            roles = {
                key: Rule(_role(rule["value"], f"roles.{key}"), _date(rule["review_on"], f"roles.{key}"))
                for key, rule in rules["roles"].items()
            }
            two_factor = rules.get("two_factor_roles")
            two_factor_roles = (
                None
                if two_factor is None
                else Rule(
                    _role_list(two_factor["value"], "two_factor_roles"),
                    _date(two_factor["review_on"], "two_factor_roles"),
                )
            )
            books = rules.get("books")
            discussion = rules.get("discussion")
            return cls(
                name=data["name"],
                focus=data["focus"],
                roles=roles,
                two_factor_roles=two_factor_roles,
                books=None if books is None else Rule(_books(books["value"]), _date(books["review_on"], "books")),
                discussion=None
                if discussion is None
                else Rule(_discussion(discussion["value"]), _date(discussion["review_on"], "discussion")),
                version=_int(data["version"], "version"),
                time_zone=data.get("time_zone", "UTC"),
                **values,
            )
        except KeyError as exc:
            missing = exc.args[0]
            raise CharterError("bad_charter", "The charter is incomplete: {what} is missing.", what=missing) from exc
        except (TypeError, AttributeError, ValueError) as exc:
            # A peer's ledger may hold any shape at any depth: a list where a rule should be, a number for a role.
            raise CharterError("bad_charter", "The charter is malformed: a value has the wrong shape.") from exc

    def amended(self, changes: Mapping[str, object], review_on: date) -> Charter:
        """Return the next version with ``changes`` applied; changed rules get ``review_on``.

        ``changes`` maps a rule to its new JSON value: ``{"max_size": 12}``,
        ``{"roles.chair": {"term_days": 14}}`` (a new role), ``{"roles.chair": None}``
        (removes it), ``{"two_factor_roles": ["treasurer"]}`` (``[]`` removes the rule),
        ``{"discussion": "public"}``, ``{"name": "…"}``.

        Raises:
            CharterError: an unknown rule or an invalid value; nothing is changed.
        """
        if not changes:
            raise CharterError("no_change", "An amendment must change at least one rule.")
        updates: dict[str, Any] = {}
        roles = dict(self.roles)
        for path, value in changes.items():
            if path == "name":
                updates["name"] = _text(value, "name", 120)
            elif path in {"focus", "time_zone"}:
                updates[path] = value
            elif path in _SCALARS:
                updates[path] = Rule(_SCALARS[path][0](value, path), review_on)
            elif path == "two_factor_roles":
                # An empty list (or none) removes the rule.
                listed = _role_list(value if value is not None else [], path)
                updates[path] = Rule(listed, review_on) if listed else None
            elif path == "books":
                if value is None:
                    # The ledger keeps every transaction for good; a charter cannot pretend there are no books.
                    raise CharterError("keeps_books", "Books once opened stay open; change their rules instead.")
                if self.books is not None and _books(value).currency != self.books.value.currency:
                    raise CharterError("keeps_books", "The books' currency cannot change once they are opened.")
                updates[path] = Rule(_books(value), review_on)
            elif path == "discussion":
                updates[path] = Rule(_discussion(value), review_on)
            elif path.startswith("roles."):
                key = path.removeprefix("roles.")
                if value is None:
                    if key not in roles:
                        raise CharterError("unknown_rule", "There is no role “{key}” to remove.", key=key)
                    del roles[key]
                else:
                    roles[key] = Rule(_role(value, path), review_on)
            else:
                raise CharterError("unknown_rule", "“{path}” is not a rule of the charter.", path=path)
        return replace(self, **updates, roles=roles, version=self.version + 1)


def _books(value: object) -> BooksRules:
    try:
        return BooksRules.from_json(value)
    except BooksError as exc:
        raise CharterError("bad_value", "books: {why}", why=exc.message) from None


def _discussion(value: object) -> str:
    if value not in DISCUSSION_READERS:
        raise CharterError("bad_value", "Discussions are read by members or by the public.")
    return str(value)


def _date(value: object, path: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CharterError("bad_value", "{path} has no valid review date.", path=path) from None


def default_charter(name: str, focus: str, principles: str, today: date) -> Charter:
    """Return a charter with the defaults a new root cell starts from; every rule is reviewed in a year."""
    review = today + timedelta(days=365)
    return Charter(
        name=name,
        focus=focus,
        principles=Rule(_text(principles, "principles", 20_000), review),
        method=Rule(Method.CONSENT, review),
        quorum=Rule(Fraction(1, 2), review),
        threshold=Rule(Fraction(2, 3), review),
        ballots=Rule(Ballots.OPEN, review),
        join=Rule(JoinMode.EITHER, review),
        max_size=Rule(15, review),
        voting_days=Rule(7, review),
        outcome_review_days=Rule(180, review),
        chores=Rule(DEFAULT_CHORES, review),
        roles={
            "facilitator": Rule(RoleRules(term_days=30, max_consecutive_terms=2, cooldown_terms=1), review),
            "note-taker": Rule(RoleRules(term_days=30, max_consecutive_terms=2, cooldown_terms=1), review),
            "treasurer": Rule(
                RoleRules(term_days=90, max_consecutive_terms=2, cooldown_terms=1, rotation=Rotation.LOTTERY), review
            ),
        },
    )
