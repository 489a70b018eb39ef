"""The API keeps the promises of its OpenAPI schema: Schemathesis, with all its checks, over every operation.

The schema is read from the node's own WSGI application, and every request goes to it in-process, against the
test database: an assembly built through the services (``cell.build_cell``) and the bearer token of one of its
members, so write routes get past sign-in and reach their services. Each operation gets a fresh database and
``EXAMPLES`` generated requests beside Schemathesis' own boundary cases; any server error, undocumented status,
answer of another shape, or a request the schema calls valid refused as malformed (or the other way round) fails.

It lives outside ``tests/node`` so that the fast loop does not even collect it: building the operations from the
schema takes a few seconds at collection.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from confederal.node.accounts.services import do_create_token
from confederal.node.web import now
from tests.node.cell import Cell, build_cell

#: Generated requests per operation (beside the boundary cases); the whole run stays near a minute on two cores.
#: ``CONFEDERAL_API_EXAMPLES=200`` looks harder, for a while.
EXAMPLES = int(os.environ.get("CONFEDERAL_API_EXAMPLES", "10"))

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": EXAMPLES},
        "checks": {
            # A well-formed request may still be refused by the node's own rules, which no JSON Schema states:
            # text people can read, a strong password, a day ahead, a name nobody in the assembly looks like.
            # Such a refusal is a 400 with a sentence; a refusal of the shape the schema promised is a 422 and
            # fails this check, as does a 5xx. Every other status is Schemathesis' default.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "410", "429"]
            },
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler(), config=CONFIG)

pytestmark = pytest.mark.slow


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Keep the test's database connection open across requests, as Django's test client does (a WSGI handler
    closes it at the end of every request, which would end the test's transaction and lose its data)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def member(db, in_test_transaction) -> tuple[Cell, str]:
    """The seeded assembly, and the bearer token of Ana, one of its members."""
    cell = build_cell()
    return cell, do_create_token(cell.users["ana"], "schemathesis", now())


def _aim(case: schemathesis.Case, slug: str) -> None:
    """Send every other well-formed request to the seeded assembly, so it reaches the services rather than a 404."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or "slug" not in (case.path_parameters or {}):
        return
    if hash(repr(sorted((case.path_parameters or {}).items()))) % 2 == 0:
        case.path_parameters = {**(case.path_parameters or {}), "slug": slug}


@schema.parametrize()
# The fixture is the database one operation's examples share (a write may change what the next example finds);
# requests through the whole node are slower than Hypothesis expects of a pure function.
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_keeps_its_schema(case: schemathesis.Case, member: tuple[Cell, str]) -> None:
    cell, token = member
    _aim(case, cell.assembly.slug)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
