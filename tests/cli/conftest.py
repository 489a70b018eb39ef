import pytest

from .nodes import PG_URL, drop_database, seeded_template, start_node, stop_node


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    data, pg_name = seeded_template(tmp_path_factory.mktemp("nodes"))
    yield data, pg_name
    if pg_name:
        drop_database(pg_name)


@pytest.fixture
def node(template, tmp_path):
    running = start_node(template, tmp_path)
    yield running
    stop_node(running)


@pytest.fixture
def state(tmp_path):
    return tmp_path / "verify-state"


__all__ = ["PG_URL"]
