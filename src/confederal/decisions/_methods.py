"""Decision methods, their rules, and the validation of options and of one voter's choice.

A *choice* is the JSON value one voter submits; its shape depends on the method
(see ``Method``). ``check_choice`` validates it and returns it normalised, so
that the shell can store exactly what ``tally`` will later count.

Option ids become keys of the outcome's ``counts`` object, which is written to
the ledger, so they follow the ledger's key profile: 1–128 ASCII letters, digits
or ``@ _ . : -``.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Final, TypeVar

from confederal.books import MAX_MINOR
from confederal.ledger import JSONObject, JSONValue

from ._errors import DecisionError

__all__ = [
    "MAX_AMOUNT",
    "MAX_OPTIONS",
    "MAX_SCORE_LIMIT",
    "METHOD_OPTIONS",
    "TIME_POLL_ANSWERS",
    "Ballot",
    "Method",
    "Rules",
    "check_budget",
    "check_choice",
    "check_options",
    "fraction_json",
]

V = TypeVar("V")


class Method(enum.StrEnum):
    """How a decision is made, and so what shape each voter's choice has."""

    #: ``"consent" | "object" | "stand_aside"``; one objection blocks.
    CONSENT = "consent"
    #: ``"agree" | "stand_aside" | "block"``; one block blocks.
    CONSENSUS = "consensus"
    #: ``"for" | "against" | "abstain"``; more for than against adopts.
    SIMPLE_MAJORITY = "simple_majority"
    #: As simple majority, but the share in favour must reach ``Rules.threshold``.
    SUPER_MAJORITY = "super_majority"
    #: A list of approved option ids, possibly empty (an abstention).
    APPROVAL = "approval"
    #: An object mapping every option id to an integer score in ``0..Rules.max_score``.
    SCORE = "score"
    #: A list of option ids, best first, without repeats; it may stop early.
    INSTANT_RUNOFF = "instant_runoff"
    #: A list of option ids, best first; options left out tie below all ranked ones.
    SCHULZE = "schulze"
    #: An object mapping every slot (option) id to ``"yes" | "maybe" | "no"``.
    TIME_POLL = "time_poll"
    #: A list of option ids, as approval, whose costs add up to at most ``Rules.pot``
    #: (and, unless empty, to at least ``Rules.min_share`` of it).
    PARTICIPATORY_BUDGET = "participatory_budget"


#: The fixed option ids of the yes/no-style methods, in display order; ``None``
#: where the proposal defines its own options.
METHOD_OPTIONS: Final[Mapping[Method, tuple[str, ...] | None]] = MappingProxyType(
    {
        Method.CONSENT: ("consent", "object", "stand_aside"),
        Method.CONSENSUS: ("agree", "stand_aside", "block"),
        Method.SIMPLE_MAJORITY: ("for", "against", "abstain"),
        Method.SUPER_MAJORITY: ("for", "against", "abstain"),
        Method.APPROVAL: None,
        Method.SCORE: None,
        Method.INSTANT_RUNOFF: None,
        Method.SCHULZE: None,
        Method.TIME_POLL: None,
        Method.PARTICIPATORY_BUDGET: None,
    }
)

#: The answers a time poll accepts for each slot.
TIME_POLL_ANSWERS: Final = ("yes", "maybe", "no")
#: The most options a proposal may have. Schulze's outcome holds two
#: options × options matrices, and a ballot must stay small enough to store.
MAX_OPTIONS: Final = 100
#: The highest ``Rules.max_score`` allowed.
MAX_SCORE_LIMIT: Final = 100

#: Pots and costs are whole minor units below this, the books' own bound, so sums stay safe JSON integers.
MAX_AMOUNT: Final = MAX_MINOR - 1

_OPTION_ID = re.compile(r"[A-Za-z0-9@_.:-]{1,128}\Z")
# The fields every decision's rules have; a participatory budget's add ``_BUDGET_FIELDS``.
_RULE_FIELDS = frozenset({"method", "quorum", "threshold", "max_score", "max_stand_aside"})
_BUDGET_FIELDS = frozenset({"pot", "costs", "min_share"})


def fraction_json(value: Fraction) -> JSONObject:
    """Return ``value`` as ``{"num": n, "den": d}`` in lowest terms, the ledger's spelling of a fraction."""
    return {"num": value.numerator, "den": value.denominator}


def _as_method(value: object) -> Method:
    if isinstance(value, Method):
        return value
    # Stored rules come back as plain strings; accept any that names a method.
    if isinstance(value, str):
        try:
            return Method(value)
        except ValueError:
            pass
    raise DecisionError(
        "bad_method",
        "{got} is not a decision method; use one of {allowed}.",
        got=_shown(value),
        allowed=", ".join(m.value for m in Method),
    )


def _as_fraction(value: object, code: str, name: str, low: Fraction, high: Fraction) -> Fraction:
    # bool is an int subclass, and a float would carry binary rounding into the ledger.
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise DecisionError(
            code,
            "The {name} must be a whole number or a Fraction, not {got}.",
            name=name,
            got=type(value).__name__,
        )
    result = Fraction(value)
    if not low <= result <= high:
        raise DecisionError(
            code,
            "The {name} must be between {low} and {high}; it is {value}.",
            name=name,
            low=str(low),
            high=str(high),
            value=str(result),
        )
    return result


@dataclass(frozen=True)
class Rules:
    """The rules a decision is taken under, fixed before voting opens.

    Fractions may be given as ``int`` or ``Fraction`` and are stored as
    ``Fraction``; floats are refused. ``threshold`` is used only by super
    majority, ``max_score`` only by score voting and ``max_stand_aside`` only
    by consent and consensus, but all are checked whatever the method.
    ``pot``, ``costs`` and ``min_share`` belong to a participatory budget
    only; any other method refuses them. A budget's rules may be built
    without its pot and costs (the charter's rules for the method), but no
    ballot is checked or counted until ``check_budget`` accepts them.

    Raises:
        DecisionError: a rule is out of range (codes ``bad_method``,
            ``bad_quorum``, ``bad_threshold``, ``bad_max_score``,
            ``bad_max_stand_aside``, ``bad_pot``, ``bad_cost``,
            ``bad_min_share``, ``duplicate_option``, ``bad_option_id``,
            ``not_a_budget``).
    """

    method: Method
    #: Share of eligible members who must take part; any valid ballot counts,
    #: including an abstention, a stand-aside or an empty ranking.
    quorum: Fraction = Fraction(1, 2)
    #: Super majority: for / (for + against) must be at least this.
    threshold: Fraction = Fraction(2, 3)
    #: Score voting: scores run from 0 to this.
    max_score: int = 5
    #: Consent and consensus: if stand-asides / participants exceeds this, there is no consensus.
    max_stand_aside: Fraction = Fraction(1, 3)
    #: Participatory budget: the money to share, in the assembly's currency's minor units (cents).
    pot: int | None = None
    #: Participatory budget: each option's cost in minor units, as ``(option id, cost)`` pairs sorted by id.
    costs: tuple[tuple[str, int], ...] = ()
    #: Participatory budget: a ballot that chooses anything must spend at least this share of the pot
    #: (Decidim's "threshold" rule; 0 lets a ballot spend as little as it likes).
    min_share: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        # Normalise in place: the dataclass is frozen, and callers should get
        # back exactly the types the annotations promise.
        object.__setattr__(self, "method", _as_method(self.method))
        object.__setattr__(self, "quorum", _as_fraction(self.quorum, "bad_quorum", "quorum", Fraction(0), Fraction(1)))
        object.__setattr__(
            self,
            "threshold",
            _as_fraction(self.threshold, "bad_threshold", "super-majority threshold", Fraction(1, 2), Fraction(1)),
        )
        object.__setattr__(
            self,
            "max_stand_aside",
            _as_fraction(
                self.max_stand_aside, "bad_max_stand_aside", "largest share standing aside", Fraction(0), Fraction(1)
            ),
        )
        if isinstance(self.max_score, bool) or not isinstance(self.max_score, int):
            raise DecisionError(
                "bad_max_score", "The highest score must be a whole number, not {got}.", got=_shown(self.max_score)
            )
        if not 1 <= self.max_score <= MAX_SCORE_LIMIT:
            raise DecisionError(
                "bad_max_score",
                "The highest score must be between 1 and {limit}; it is {value}.",
                limit=MAX_SCORE_LIMIT,
                value=self.max_score,
            )
        self._check_budget_fields()

    def _check_budget_fields(self) -> None:
        object.__setattr__(
            self,
            "min_share",
            _as_fraction(self.min_share, "bad_min_share", "least share of the pot", Fraction(0), Fraction(1)),
        )
        if self.pot is not None:
            _as_amount(self.pot, "bad_pot", "The pot")
        costs = self.costs
        if isinstance(costs, Mapping):
            costs = tuple(costs.items())
        if isinstance(costs, str) or not isinstance(costs, Sequence):
            raise DecisionError("bad_cost", "The costs must be pairs of an option id and its cost.")
        pairs: list[tuple[str, int]] = []
        for pair in costs:
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise DecisionError("bad_cost", "The costs must be pairs of an option id and its cost.")
            option, cost = pair
            _check_option_id(option)
            pairs.append((option, _as_amount(cost, "bad_cost", f"The cost of {option}")))
        _check_unique(option for option, _cost in pairs)
        # Sorted by id, as the ledger's canonical JSON writes an object's keys, so rules read back equal.
        object.__setattr__(self, "costs", tuple(sorted(pairs)))
        if self.method is not Method.PARTICIPATORY_BUDGET and (self.pot is not None or pairs or self.min_share):
            raise DecisionError(
                "not_a_budget",
                "A pot, costs and a least share belong to a participatory budget, not to a {method} decision.",
                method=self.method.value,
            )

    def cost_of(self, option: str) -> int:
        """The cost of ``option`` in minor units (a participatory budget's, after ``check_budget``)."""
        return dict(self.costs)[option]

    def to_json(self) -> JSONObject:
        """Return the rules as a JSON object inside the ledger's canonical profile.

        Every method's rules have the same five fields; a participatory budget's add
        ``min_share`` and, once set, ``pot`` and ``costs`` (an object of option id → minor units).
        """
        data: JSONObject = {
            "method": self.method.value,
            "quorum": fraction_json(self.quorum),
            "threshold": fraction_json(self.threshold),
            "max_score": self.max_score,
            "max_stand_aside": fraction_json(self.max_stand_aside),
        }
        if self.method is Method.PARTICIPATORY_BUDGET:
            data["min_share"] = fraction_json(self.min_share)
            if self.pot is not None:
                data["pot"] = self.pot
            if self.costs:
                data["costs"] = dict(self.costs)
        return data

    @classmethod
    def from_json(cls, data: object) -> Rules:
        """Read rules written by :meth:`to_json`.

        Raises:
            DecisionError: ``bad_rules`` when a field is missing or not a fraction, or any code of the constructor.
        """
        if not isinstance(data, dict) or not _RULE_FIELDS <= set(data) <= _RULE_FIELDS | _BUDGET_FIELDS:
            raise DecisionError(
                "bad_rules", "A decision's rules name its method, quorum, threshold, scores and stand-asides."
            )
        costs = data.get("costs", {"": 0})
        # Present means set: a null pot or empty costs would not be written back the same.
        if not isinstance(costs, dict) or not costs or ("pot" in data and data["pot"] is None):
            raise DecisionError("bad_rules", "A budget's pot is a whole number and its costs an object of option ids.")
        if "costs" not in data:
            costs = {}
        return cls(
            method=_as_method(data["method"]),
            quorum=_fraction_from_json(data["quorum"]),
            threshold=_fraction_from_json(data["threshold"]),
            max_score=data["max_score"],  # checked by the constructor
            max_stand_aside=_fraction_from_json(data["max_stand_aside"]),
            # Only a budget may carry these; the constructor refuses them on any other method.
            pot=data.get("pot"),
            costs=tuple(costs.items()),
            min_share=_fraction_from_json(data["min_share"]) if "min_share" in data else Fraction(0),
        )


def _fraction_from_json(value: object) -> Fraction:
    if (
        not isinstance(value, dict)
        or set(value) != {"num", "den"}
        or not all(isinstance(value[k], int) and not isinstance(value[k], bool) for k in ("num", "den"))
        or value["den"] <= 0
    ):
        raise DecisionError("bad_rules", 'A fraction in a decision\'s rules is written {{"num": 1, "den": 2}}.')
    return Fraction(value["num"], value["den"])


@dataclass(frozen=True)
class Ballot:
    """One voter's choice. ``voter`` is an opaque, stable, non-empty id; it never appears in an outcome."""

    voter: str
    choice: JSONValue


def check_options(method: Method, options: Sequence[str]) -> tuple[str, ...]:
    """Validate a proposal's option ids for ``method`` and return them as a tuple.

    For the yes/no-style methods the options are fixed (``METHOD_OPTIONS``):
    pass them, in any order, or pass none; the fixed tuple is returned. For the
    other methods, pass 1 to ``MAX_OPTIONS`` distinct ids in the ledger's key
    profile; their order is kept (it matters only for a time poll).

    Raises:
        DecisionError: codes ``bad_method``, ``bad_options``, ``fixed_options``,
            ``no_options``, ``too_many_options``, ``bad_option_id``, ``duplicate_option``.
    """
    method = _as_method(method)
    if isinstance(options, str) or not isinstance(options, Sequence):
        raise DecisionError("bad_options", "The options must be a list of option ids, not {got}.", got=_shown(options))
    ids = tuple(options)
    for option in ids:
        _check_option_id(option)
    fixed = METHOD_OPTIONS[method]
    if fixed is not None:
        if ids and (len(ids) != len(fixed) or set(ids) != set(fixed)):
            raise DecisionError(
                "fixed_options",
                "A {method} decision has the fixed options {allowed}; leave the options empty or give exactly those.",
                method=method.value,
                allowed=", ".join(fixed),
            )
        return fixed
    if not ids:
        raise DecisionError("no_options", "A {method} decision needs at least one option.", method=method.value)
    if len(ids) > MAX_OPTIONS:
        raise DecisionError(
            "too_many_options",
            "A decision may have at most {limit} options; this one has {count}.",
            limit=MAX_OPTIONS,
            count=len(ids),
        )
    _check_unique(ids)
    return ids


def _check_option_id(option: object) -> str:
    if not isinstance(option, str) or not _OPTION_ID.match(option):
        raise DecisionError(
            "bad_option_id",
            "The option id {got} is not allowed: ids are 1–128 ASCII letters, digits or @ _ . : -.",
            got=_shown(option),
        )
    return option


def _check_unique(ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for option in ids:
        if option in seen:
            raise DecisionError("duplicate_option", "The option {option} is listed twice.", option=option)
        seen.add(option)


def _as_amount(value: object, code: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_AMOUNT:
        raise DecisionError(
            code,
            "{what} must be a whole number of minor units (cents) from 1 to {most}, not {got}.",
            what=what,
            most=MAX_AMOUNT,
            got=_shown(value),
        )
    return value


def check_budget(rules: Rules, options: Sequence[str]) -> None:
    """Refuse a participatory budget whose pot or costs do not fit ``options``; any other method passes.

    Every option needs a cost, no cost may name another option, and no option may cost more
    than the whole pot (it could never be funded).

    Raises:
        DecisionError: ``no_pot``, ``missing_cost``, ``unknown_option``, ``cost_over_pot``.
    """
    if rules.method is not Method.PARTICIPATORY_BUDGET:
        return
    if rules.pot is None:
        raise DecisionError("no_pot", "A participatory budget needs a pot to share, above 0.")
    costs = dict(rules.costs)
    for option in options:
        if option not in costs:
            raise DecisionError(
                "missing_cost", "The option {option} has no cost; every option of a budget has one.", option=option
            )
    for option, cost in rules.costs:
        if option not in options:
            raise DecisionError("unknown_option", "{option} is not an option of this decision.", option=option)
        if cost > rules.pot:
            raise DecisionError(
                "cost_over_pot",
                "The option {option} costs {cost}, more than the whole pot of {pot}; it could never be funded.",
                option=option,
                cost=cost,
                pot=rules.pot,
            )


def check_choice(method: Method, options: Sequence[str], choice: object, rules: Rules) -> JSONValue:
    """Validate one voter's choice for ``method`` over ``options`` and return it normalised.

    Normal forms: an answer string for the yes/no-style methods; approvals as
    a list in the options' order; a ranking as given; scores and time-poll
    answers as an object with one entry per option, in the options' order.
    Lists may be given as tuples and objects as any mapping.

    Raises:
        DecisionError: ``method_mismatch`` if ``rules`` are for another
            method; any ``check_options`` code; or, for the choice itself,
            ``bad_choice`` (wrong shape or an answer the method does not
            know), ``unknown_option``, ``duplicate_approval``,
            ``duplicate_rank``, ``score_out_of_range``, ``missing_score``,
            ``missing_slot``, ``over_pot``, ``under_min_share``, or any
            ``check_budget`` code.
    """
    method = _as_method(method)
    if rules.method is not method:
        raise DecisionError(
            "method_mismatch",
            "The rules are for a {rules_method} decision, not {method}.",
            rules_method=rules.method.value,
            method=method.value,
        )
    ids = check_options(method, options)
    check_budget(rules, ids)
    if METHOD_OPTIONS[method] is not None:
        return answer_choice(method, choice)
    if method is Method.APPROVAL:
        return list(approval_choice(ids, choice))
    if method is Method.PARTICIPATORY_BUDGET:
        return list(budget_choice(ids, choice, rules))
    if method is Method.SCORE:
        scores: dict[str, JSONValue] = dict(score_choice(ids, choice, rules.max_score))
        return scores
    if method in (Method.INSTANT_RUNOFF, Method.SCHULZE):
        return list(ranking_choice(ids, choice))
    slots: dict[str, JSONValue] = dict(time_poll_choice(ids, choice))
    return slots


# The typed parsers below are shared with the tally, which must not trust
# stored ballots either; ``check_choice`` is their JSON-facing wrapper.


def answer_choice(method: Method, choice: object) -> str:
    """Parse a yes/no-style answer; the method's options are ``METHOD_OPTIONS[method]``."""
    allowed = METHOD_OPTIONS[method] or ()
    if not isinstance(choice, str) or choice not in allowed:
        raise DecisionError(
            "bad_choice",
            "A {method} choice is one of {allowed}; got {got}.",
            method=method.value,
            allowed=", ".join(allowed),
            got=_shown(choice),
        )
    return choice


def approval_choice(options: tuple[str, ...], choice: object) -> tuple[str, ...]:
    """Parse a list of approved option ids; return them in the options' order."""
    approved = _id_list(choice, "An approval choice", options)
    seen: set[str] = set()
    for option in approved:
        if option in seen:
            raise DecisionError("duplicate_approval", "The option {option} is approved twice.", option=option)
        seen.add(option)
    return tuple(option for option in options if option in seen)


def budget_choice(options: tuple[str, ...], choice: object, rules: Rules) -> tuple[str, ...]:
    """Parse a participatory-budget ballot: approvals whose costs fit the pot (empty: an abstention).

    ``rules`` must have passed ``check_budget`` for ``options``.
    """
    chosen = approval_choice(options, choice)
    pot = rules.pot or 0
    total = sum(rules.cost_of(option) for option in chosen)
    if total > pot:
        raise DecisionError(
            "over_pot",
            "The options chosen cost {total} in all, more than the pot of {pot}.",
            total=total,
            pot=pot,
        )
    least = math.ceil(rules.min_share * pot)
    if chosen and total < least:
        raise DecisionError(
            "under_min_share",
            "The options chosen cost {total} in all; a ballot spends at least {least} of the pot of {pot}, "
            "or chooses nothing.",
            total=total,
            least=least,
            pot=pot,
        )
    return chosen


def ranking_choice(options: tuple[str, ...], choice: object) -> tuple[str, ...]:
    """Parse a strict ranking, best first; it may leave options out."""
    ranking = _id_list(choice, "A ranking", options)
    seen: set[str] = set()
    for option in ranking:
        if option in seen:
            raise DecisionError(
                "duplicate_rank",
                "The option {option} is ranked twice; a ranking lists each option once.",
                option=option,
            )
        seen.add(option)
    return ranking


def score_choice(options: tuple[str, ...], choice: object, max_score: int) -> dict[str, int]:
    """Parse an object scoring every option from 0 to ``max_score``; return it in the options' order."""
    scores: dict[str, int] = {}
    for option, score in _id_mapping(choice, "A score choice", options).items():
        if isinstance(score, bool) or not isinstance(score, int):
            raise DecisionError(
                "bad_choice",
                "The score for {option} must be a whole number, not {got}.",
                option=option,
                got=_shown(score),
            )
        if not 0 <= score <= max_score:
            raise DecisionError(
                "score_out_of_range",
                "The score for {option} is {score}; scores run from 0 to {max_score}.",
                option=option,
                score=score,
                max_score=max_score,
            )
        scores[option] = score
    return _in_order(scores, options, "missing_score", "Every option must be scored; {option} has no score.", "option")


def time_poll_choice(options: tuple[str, ...], choice: object) -> dict[str, str]:
    """Parse an object answering every slot with yes, maybe or no; return it in the slots' order."""
    answers: dict[str, str] = {}
    for slot, answer in _id_mapping(choice, "A time-poll choice", options).items():
        if not isinstance(answer, str) or answer not in TIME_POLL_ANSWERS:
            raise DecisionError(
                "bad_choice",
                "The answer for {slot} must be one of yes, maybe, no; got {got}.",
                slot=slot,
                got=_shown(answer),
            )
        answers[slot] = answer
    return _in_order(
        answers, options, "missing_slot", "Every time slot must be answered; {slot} has no answer.", "slot"
    )


def _in_order(given: dict[str, V], options: tuple[str, ...], code: str, message: str, name: str) -> dict[str, V]:
    """``given`` in the options' order, refused with ``code`` if it leaves an option out (``name`` in ``message``)."""
    missing = [option for option in options if option not in given]
    if missing:
        raise DecisionError(code, message, **{name: missing[0]}, missing=len(missing))
    return {option: given[option] for option in options}


def _id_list(choice: object, what: str, options: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(choice, list | tuple):
        raise DecisionError("bad_choice", "{what} is a list of option ids, not {got}.", what=what, got=_shown(choice))
    known = set(options)
    for item in choice:
        if not isinstance(item, str):
            raise DecisionError("bad_choice", "{what} lists option ids; {got} is not one.", what=what, got=_shown(item))
        if item not in known:
            raise DecisionError("unknown_option", "{option} is not an option of this decision.", option=item)
    return tuple(choice)


def _id_mapping(choice: object, what: str, options: tuple[str, ...]) -> Mapping[str, object]:
    if not isinstance(choice, Mapping):
        raise DecisionError(
            "bad_choice", "{what} is an object keyed by option id, not {got}.", what=what, got=_shown(choice)
        )
    known = set(options)
    for key in choice:
        if not isinstance(key, str):
            raise DecisionError(
                "bad_choice", "{what} is keyed by option ids; {got} is not one.", what=what, got=_shown(key)
            )
        if key not in known:
            raise DecisionError("unknown_option", "{option} is not an option of this decision.", option=key)
    return choice


def _shown(value: object) -> str:
    # Enough of a bad value to recognise it, never a whole pasted document.
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
