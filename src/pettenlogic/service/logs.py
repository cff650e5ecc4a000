"""Structured logging for ``pettenlogic serve``: one JSON object per line on stderr,
for the access log and for uvicorn's own messages alike.

Request bodies (flows describe people's situations) are never logged: an access
line has the method, path, status, sizes and duration only.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time (UTC), level, logger, message, and the
    access fields when the record is an access record."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            out.update(access)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def log_config(level: str = "info", access_log: bool = True) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn: JSON lines on stderr; uvicorn's
    own (unstructured) access log is off, the service writes its own."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "pettenlogic.service": {
                "handlers": ["stderr"],
                "level": level.upper(),
                "propagate": False,
            },
            "pettenlogic.service.access": {
                "level": "INFO" if access_log else "WARNING",
            },
        },
    }
