"""Stock's errors. Shortages name every short line; each error carries its HTTP status and machine code."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from inventory_site.exceptions import Conflict, InvalidTransition, error_class, lazy_join, lazy_message

__all__ = [
    "AlreadyReversed",
    "DuplicateCode",
    "FiguresChanged",
    "InsufficientStock",
    "InvalidTransition",
    "LocationInUse",
    "ShortLines",
]


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    title = _("Insufficient stock")

    def __init__(self, message: str = "", *, available: int, **extra):
        message = message or lazy_message(_("Only %(available)s available."), available=available)
        super().__init__(message, available=available, **extra)
        self.available = available


SHORT_KEYS = ("sku", "requested", "available")


class ShortLines(InsufficientStock):
    """Several lines cannot be met; ``shortages`` lists them (``{index?, product_id, sku, requested, available}``).

    ``lines`` (a document's short lines: ``{index, product_id, requested, available}``) is answered as the
    problem's ``lines`` member when ``with_lines`` is set.
    """

    def __init__(self, shortages: list[dict], *, with_lines: bool = False):
        line = _("%(sku)s (requested %(requested)s, available %(available)s)")
        names = lazy_join(", ", [lazy_message(line, **{key: s[key] for key in SHORT_KEYS}) for s in shortages])
        extra = {}
        if with_lines:
            extra["lines"] = [
                {key: s[key] for key in ("index", "product_id", "requested", "available")} for s in shortages
            ]
        message = lazy_message(_("Insufficient stock for: %(lines)s"), lines=names)
        super().__init__(message, available=min(s["available"] for s in shortages), **extra)
        self.shortages = shortages


AlreadyReversed = error_class("AlreadyReversed", Conflict, "already_reversed", gettext_noop("Already reversed"))
LocationInUse = error_class("LocationInUse", Conflict, "location_in_use", gettext_noop("Location in use"))
DuplicateCode = error_class("DuplicateCode", Conflict, "duplicate_code", gettext_noop("Duplicate code"))
# A count made against figures read earlier (an import's preview) found them moved: nothing is written.
FiguresChanged = error_class(
    "FiguresChanged", Conflict, "figures_changed", gettext_noop("Figures changed since they were read")
)
