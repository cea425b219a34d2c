"""Structured (JSON lines) logging to stdout: the application's logs and gunicorn's error and access logs."""

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def _unescape(value):
    # gunicorn's SafeAtoms escape double quotes for its own quoted format; json.dumps does the escaping here.
    return value.replace('\\"', '"') if isinstance(value, str) else value


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class AccessJsonFormatter(JsonFormatter):
    """gunicorn's access log (``gunicorn.access``): one JSON object per request, built from gunicorn's atoms."""

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, dict) else None
        if not atoms:
            return super().format(record)
        atom = {key: _unescape(atoms[key]) for key in ("h", "r", "m", "U", "q", "s", "B", "M", "a", "f")}
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "remote": atom["h"],
            "request": atom["r"],
            "method": atom["m"],
            "path": atom["U"],
            "query": atom["q"],
            "status": _number(atom["s"]),
            "bytes": _number(atom["B"]) or 0,
            "ms": _number(atom["M"]),
            "user_agent": atom["a"],
            "referer": atom["f"],
        }
        return json.dumps(entry)
