"""Domain errors, defined once. Each carries its HTTP status and machine code.

The API's exception handler turns them into problem+json; HTML views show ``err.message``.

Titles and messages are lazy translations (``gettext_lazy``, ``lazy_message``): a message is rendered in the
language active when it is shown, English on the API (inventory_site.language), the chosen one on a page. The
``code`` is never translated. Whatever stores a message (a JSON column) stores ``str()`` of it in English.
"""

import sys

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _


def _interpolate(message, params: dict) -> str:
    return str(message) % params


def _join(separator: str, items) -> str:
    return separator.join(str(item) for item in items)


_lazy_interpolate = lazy(_interpolate, str)
lazy_join = lazy(_join, str)


def lazy_message(text, /, **params):
    """``text % params`` (named placeholders: ``%(available)s``), rendered when it is shown, so in the
    language active then: ``text`` is a ``gettext_lazy`` text; a lazy parameter is rendered then too."""
    return _lazy_interpolate(text, params)


def use_one_of(values) -> str:
    """The message for a value outside ``values``: "Use one of: a, b."."""
    return lazy_message(_("Use one of: %(values)s."), values=", ".join(values))


class DomainError(Exception):
    status = 400
    code = "invalid"
    title = _("Invalid request")

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
        if field == "non_field_errors":
            return message if isinstance(message, Promise) else str(message)
        return lazy_message("%(field)s: %(message)s", field=field, message=message)
    return _("Invalid input.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = _("Not found")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = _("Conflict")


class InvalidTransition(Conflict):
    """An order or a document asked to move to a state its current one does not lead to."""

    code = "invalid_transition"
    title = _("Invalid transition")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    title = _("Permission denied")


def error_class(name: str, base: type[DomainError], code: str, title: str, doc: str = "") -> type[DomainError]:
    """A named DomainError subclass with its machine ``code`` and ``title`` (one line per error in the apps).

    ``title`` is English, marked with ``gettext_noop`` where it is written; the class's title translates it
    when it is shown, its docstring keeps the English."""
    module = sys._getframe(1).f_globals.get("__name__", __name__)  # where the error is declared, for tracebacks
    attributes = {"code": code, "title": _(title), "__doc__": doc or title, "__module__": module}
    return type(name, (base,), attributes)
