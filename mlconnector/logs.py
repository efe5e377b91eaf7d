"""Structured logs: one JSON object a line, with the tenant, integration, run and connection ids of whatever the
process is working on (set by the task and engine entry points through `log_context`), or plain text for
development (LOG_FORMAT=plain). Secrets are masked before formatting by audit.redaction.RedactingLogFilter.

The ids live in a contextvar, so each thread of the threaded worker carries its own run's ids. The engine's
write threads only do HTTP; what they log carries no ids.
"""
from __future__ import annotations

import contextvars
import json
import logging
from contextlib import contextmanager
from datetime import datetime, timezone

CONTEXT_FIELDS = ("tenant_id", "integration_id", "run_id", "connection_id", "source_connection_id",
                  "destination_connection_id")
_context: contextvars.ContextVar[dict] = contextvars.ContextVar("mlconnector_log_context", default={})


def log_bind(**ids) -> contextvars.Token:
    return _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})


def log_ids() -> dict:
    """The ids bound now (for error reports: mlconnector/errortracking.py)."""
    return dict(_context.get())


def log_unbind(token: contextvars.Token) -> None:
    _context.reset(token)


@contextmanager
def log_context(**ids):
    token = log_bind(**ids)
    try:
        yield
    finally:
        log_unbind(token)


class ContextFilter(logging.Filter):
    """Puts the current ids on the record (also readable by the plain format as %(run_id)s, etc.)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _context.get()
        for name in CONTEXT_FIELDS:
            setattr(record, name, ids.get(name, getattr(record, name, None)))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update({name: getattr(record, name) for name in CONTEXT_FIELDS if getattr(record, name, None) is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class PlainFormatter(logging.Formatter):
    """asctime level logger message, then the ids that are set (none outside a task)."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS
                       if getattr(record, name, None) is not None)
        text = super().format(record)
        return f"{text} [{ids}]" if ids else text
