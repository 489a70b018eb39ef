"""The charter's rules in plain words: one sentence per rule, from the rule's JSON value.

The sentences work on the JSON form (:meth:`Charter.to_json`'s ``rules``, or an amendment's
``changes``), so the charter page and a proposed amendment read alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from confederal.books import BooksError, BooksRules, Visibility, said
from confederal.ledger import N_, JSONValue, Phrase

__all__ = ["describe_rule", "method_phrase", "share_phrase"]

_METHODS = {
    "consent": N_("consent (any objection blocks until it is resolved)"),
    "consensus": N_("consensus (agree, stand aside or block)"),
    "simple_majority": N_("simple majority (more for than against)"),
    "super_majority": N_("super majority"),
    "approval": N_("approval voting"),
    "score": N_("score voting"),
    "instant_runoff": N_("ranked choice (instant runoff)"),
    "schulze": N_("ranked choice (Schulze)"),
    "time_poll": N_("a time poll"),
    "participatory_budget": N_("participatory budgeting (members share a pot among options with costs)"),
}

_SHARES = {
    Fraction(0): N_("nobody"),
    Fraction(1): N_("all"),
    Fraction(1, 2): N_("half"),
    Fraction(1, 3): N_("a third"),
    Fraction(2, 3): N_("two thirds"),
    Fraction(1, 4): N_("a quarter"),
    Fraction(3, 4): N_("three quarters"),
    Fraction(3, 5): N_("three fifths"),
}

_BALLOTS = {
    "open": N_("Votes are open: who voted what is published with the result"),
    "secret": N_("Votes are secret: only the result is published"),
}

_JOIN = {
    "either": N_("People join by invitation, or by asking and being welcomed by a member"),
    "invitation": N_("People join by invitation only"),
    "request": N_("People join by asking and being welcomed by a member"),
}

_ROTATION = {
    "rota": N_("by rota"),
    "lottery": N_("by a fair lottery"),
    "election": N_("by election"),
}

_FOCI = {
    "food": N_("food"),
    "energy": N_("energy"),
    "housing": N_("housing"),
    "care": N_("care"),
    "currency": N_("currency"),
    "other": N_("other"),
}


def method_phrase(method: str) -> Phrase:
    """A way of deciding in words: ``simple_majority`` → "simple majority (more for than against)"."""
    return Phrase(_METHODS.get(method, N_("another way")))


def share_phrase(value: JSONValue) -> Phrase:
    """A fraction as people say it: ``{"num": 1, "den": 2}`` → "half"; else "3 in 7"."""
    if isinstance(value, Mapping):
        num, den = value.get("num"), value.get("den")
        if isinstance(num, int) and isinstance(den, int) and den > 0:
            share = Fraction(num, den)
            if share in _SHARES:
                return Phrase(_SHARES[share])
            return Phrase(N_("%(num)s in %(den)s"), {"num": share.numerator, "den": share.denominator})
    return Phrase(N_("an unreadable share"))


def _count(value: JSONValue, one: str, many: str) -> Phrase:
    n = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return Phrase(one, {"n": n}, plural=many, count=n)


def _role(name: str, value: JSONValue) -> Phrase:
    role = name[:1].upper() + name[1:]
    if value is None:
        return Phrase(N_("%(role)s: the role is removed"), {"role": role})
    if not isinstance(value, Mapping):
        return Phrase(N_("%(role)s: a role"), {"role": role})
    rotation = value.get("rotation", "rota")
    return Phrase(
        N_("%(role)s: terms of %(days)s, at most %(most)s in a row, then %(rest)s off; chosen %(how)s"),
        {
            "role": role,
            "days": _count(value.get("term_days", 30), N_("%(n)s day"), N_("%(n)s days")),
            "most": _count(value.get("max_consecutive_terms", 2), N_("%(n)s term"), N_("%(n)s terms")),
            "rest": _count(value.get("cooldown_terms", 1), N_("%(n)s term"), N_("%(n)s terms")),
            "how": Phrase(_ROTATION.get(str(rotation), N_("another way"))),
        },
    )


def describe_rule(path: str, value: JSONValue) -> Phrase:
    """One rule of the charter as a sentence: ``("quorum", {"num": 1, "den": 2})`` → "Quorum: half of the members".

    ``path`` is the rule's name as amendments write it (``max_size``, ``roles.facilitator``…);
    ``value`` its JSON value (``None`` removes a role).
    """
    if path.startswith("roles."):
        return _role(path.removeprefix("roles."), value)
    if path == "principles":
        return Phrase(N_("Principles: %(text)s"), {"text": str(value)})
    if path == "method":
        return Phrase(N_("Proposals are decided by %(method)s"), {"method": method_phrase(str(value))})
    if path == "quorum":
        return Phrase(N_("Quorum: %(share)s of the members take part"), {"share": share_phrase(value)})
    if path == "threshold":
        return Phrase(
            N_("A super majority is %(share)s of those voting for or against"), {"share": share_phrase(value)}
        )
    if path == "ballots":
        return Phrase(_BALLOTS.get(str(value), N_("Votes: another way")))
    if path == "join":
        return Phrase(_JOIN.get(str(value), N_("People join another way")))
    if path == "max_size":
        return _count(
            value,
            N_("At most %(n)s member; then the assembly splits in two"),
            N_("At most %(n)s members; then the assembly splits in two"),
        )
    if path == "voting_days":
        return _count(value, N_("A vote stays open for %(n)s day"), N_("A vote stays open for %(n)s days"))
    if path == "outcome_review_days":
        return _count(
            value,
            N_("Decisions come back for review %(n)s day after they are taken"),
            N_("Decisions come back for review %(n)s days after they are taken"),
        )
    if path == "chores":
        chores = tuple(str(c) for c in value) if isinstance(value, list) else ()
        return Phrase(N_("Chores shared out each week: %(chores)s"), {"chores": chores})
    if path == "two_factor_roles":
        roles = tuple(str(r) for r in value) if isinstance(value, list) else ()
        if not roles:
            return Phrase(N_("No role asks its holders for two-factor sign-in"))
        return Phrase(
            N_("Holders of these roles act in them only after signing in with a two-factor code: %(roles)s"),
            {"roles": roles},
        )
    if path == "books":
        return _books_phrase(value)
    if path == "discussion":
        if value == "public":
            return Phrase(N_("Anyone may read the assembly's discussions; only members write in them"))
        return Phrase(N_("Only members read and write the assembly's discussions"))
    if path == "name":
        return Phrase(N_("Name: %(name)s"), {"name": str(value)})
    if path == "focus":
        return Phrase(N_("Focus: %(focus)s"), {"focus": Phrase(_FOCI.get(str(value), N_("other")))})
    if path == "time_zone":
        return Phrase(N_("Time zone: %(zone)s"), {"zone": str(value)})
    return Phrase(N_("Another rule of the charter"))


def _books_phrase(value: JSONValue) -> Phrase:
    try:
        rules = BooksRules.from_json(value)
    except BooksError:
        return Phrase(N_("Books kept by rules this node cannot read"))
    keepers = rules.keepers
    who = (
        Phrase(N_("a decision of the assembly"))
        if rules.by_decision
        else Phrase(N_("%(n)s of %(names)s"), {"n": rules.approvals_needed, "names": rules.approvers})
    )
    receipts = N_("anyone") if rules.receipts is Visibility.PUBLIC else N_("members")
    if rules.contributors is Visibility.PUBLIC:
        contributors = Phrase(N_("the ledger names who paid each contribution"))
    else:
        contributors = Phrase(N_("only the sum of contributions is published, not who paid"))
    return Phrase(
        N_(
            "Books in %(currency)s, kept by %(keepers)s. Spending above %(threshold)s or outside the budget needs "
            "approval first by %(who)s, never by the person who spends. Receipts may be opened by %(receipts)s; "
            "%(contributors)s"
        ),
        {
            "currency": rules.currency.code,
            "keepers": keepers,
            "threshold": said(rules.threshold),
            "who": who,
            "receipts": Phrase(receipts),
            "contributors": contributors,
        },
    )
