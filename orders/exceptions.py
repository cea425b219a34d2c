from inventory_site.exceptions import Invalid, InvalidTransition

__all__ = ["InvalidOrder", "InvalidTransition"]


class InvalidOrder(Invalid):
    """A bad order: ``errors`` as the API answers them (``items``: "Line N: ..." messages, numbered from 1),
    and ``line_errors`` (line index from 0 -> messages) for a form that shows each message on its line."""

    def __init__(self, message: str = "", *, errors: dict | None = None, line_errors: dict | None = None):
        super().__init__(message, errors=errors)
        self.line_errors: dict[int, list[str]] = line_errors or {}
