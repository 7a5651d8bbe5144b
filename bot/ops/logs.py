"""The running bot's log: one line per record on stderr, as text or as one JSON object.

The rule for every record at INFO and above: no report text, no user ids, no message
content — incident numbers, chat keys, counts and outbox ids only (DEBUG may say more).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# chatty libraries: a line per HTTP call (with the token in the URL) or per scheduler run
QUIET = ("httpx", "httpcore", "apscheduler")


class JsonLines(logging.Formatter):
    """Each record as one JSON object on one line: time (UTC), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON; a traceback goes in ``exception``, still on the one line."""
        when = datetime.fromtimestamp(record.created, UTC)
        found: dict[str, object] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            found["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            found["exception"] = record.exc_text
        if record.stack_info:
            found["stack"] = self.formatStack(record.stack_info)
        return json.dumps(found, ensure_ascii=False)


def setup_logging(form: str = "text", level: str = "INFO") -> None:
    """Send the root logger's records to stderr as ``form`` (text or json) from ``level`` up."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if form == "json" else logging.Formatter(TEXT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
