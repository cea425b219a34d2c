"""Domain errors, defined once. Each carries its HTTP status and machine code.

The API's exception handler turns them into problem+json; HTML views show ``err.message``.
"""

import sys


class DomainError(Exception):
    status = 400
    code = "invalid"
    title = "Invalid request"

    def __init__(self, message: str = "", *, errors: dict | None = None, **extra):
        self.message = message or self.title
        self.errors = errors
        self.extra = extra
        super().__init__(self.message)


class Invalid(DomainError):
    """Bad input: malformed or refers to something unusable (unknown id, inactive product, bad parameter...)."""

    @classmethod
    def of(cls, errors: dict) -> "Invalid":
        """An Invalid whose message is the first of ``errors`` (field -> list of messages)."""
        return cls(first_message(errors), errors=errors)


def first_message(errors: dict) -> str:
    """``"field: message"`` for the first message of ``errors`` (nested lists and dicts are walked)."""
    for field, messages in errors.items():
        message = messages[0] if isinstance(messages, list) and messages else messages
        while isinstance(message, (dict, list)) and message:
            message = next(iter(message.values())) if isinstance(message, dict) else message[0]
        return f"{field}: {message}" if field != "non_field_errors" else str(message)
    return "Invalid input."


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class InvalidTransition(Conflict):
    """An order or a document asked to move to a state its current one does not lead to."""

    code = "invalid_transition"
    title = "Invalid transition"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    title = "Permission denied"


def error_class(name: str, base: type[DomainError], code: str, title: str, doc: str = "") -> type[DomainError]:
    """A named DomainError subclass with its machine ``code`` and ``title`` (one line per error in the apps)."""
    module = sys._getframe(1).f_globals.get("__name__", __name__)  # where the error is declared, for tracebacks
    return type(name, (base,), {"code": code, "title": title, "__doc__": doc or title, "__module__": module})
