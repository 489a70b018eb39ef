"""Log lines say their level and logger; under systemd they carry the priority journald files them by."""

import logging

from confederal.node.logs import NodeFormatter


def line(formatter: NodeFormatter, level: int) -> str:
    record = logging.LogRecord("confederal.node.ticker", level, __file__, 1, "Closing the votes due failed", (), None)
    return formatter.format(record)


def test_a_line_names_its_level_and_logger():
    assert line(NodeFormatter(journal=False), logging.WARNING) == (
        "WARNING confederal.node.ticker: Closing the votes due failed"
    )


def test_under_systemd_a_line_starts_with_its_syslog_priority():
    journal = NodeFormatter(journal=True)
    assert line(journal, logging.ERROR).startswith("<3>ERROR ")
    assert line(journal, logging.WARNING).startswith("<4>WARNING ")
    assert line(journal, logging.INFO).startswith("<6>INFO ")
    assert line(journal, logging.DEBUG).startswith("<7>DEBUG ")
    assert line(journal, logging.CRITICAL).startswith("<2>CRITICAL ")


def test_systemd_is_recognised_by_the_stream_it_hands_over(monkeypatch):
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    assert NodeFormatter().journal
    monkeypatch.delenv("JOURNAL_STREAM")
    assert not NodeFormatter().journal
