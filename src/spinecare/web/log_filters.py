"""Logging filters that keep patient data out of logs."""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r'(\s/[^\s?"]*)\?[^\s"]*')


class DropQueryString(logging.Filter):
    """Cut query strings from request lines (``GET /patients?q=Smith`` → ``GET /patients?…``).

    Query strings may carry search terms such as names; paths carry ids only.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "django.server":
            return True
        message = record.getMessage()
        cut = _QUERY.sub(r"\1?…", message)
        if cut != message:
            record.msg, record.args = cut, None
        return True
