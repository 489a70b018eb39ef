import pytest

from tests.support.federation import build_templates, drop_templates, start_federation, stop_federation


@pytest.fixture(scope="session")
def templates(tmp_path_factory, migrated):
    """One seeded node per demo assembly, each for its own port, built once per run."""
    built = build_templates(tmp_path_factory.mktemp("federation"), migrated)
    yield built
    drop_templates(built)


@pytest.fixture
def trio(templates, tmp_path):
    """Three real nodes on loopback (food hub, energy co-op, housing), each following the other two."""
    nodes = start_federation(templates, tmp_path)
    yield nodes
    stop_federation(nodes)
