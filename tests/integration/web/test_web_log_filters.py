"""Logs never carry patient data: query strings are cut from access-log lines."""

from __future__ import annotations

import logging

from spinecare.web.log_filters import DropQueryString


def _record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)


def test_query_string_cut_from_server_log() -> None:
    record = _record("django.server", '"%s" %s %s', "GET /patients/?q=Smith HTTP/1.1", 200, 12)

    assert DropQueryString().filter(record)
    assert record.getMessage() == '"GET /patients/?… HTTP/1.1" 200 12'


def test_other_loggers_untouched() -> None:
    record = _record("spinecare", "patient id=%s ?q=x", 7)

    assert DropQueryString().filter(record)
    assert record.getMessage() == "patient id=7 ?q=x"
