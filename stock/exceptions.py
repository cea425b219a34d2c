"""Stock's errors. Shortages name every short line; each error carries its HTTP status and machine code."""

from inventory_site.exceptions import Conflict, InvalidTransition, error_class

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
    title = "Insufficient stock"

    def __init__(self, message: str = "", *, available: int, **extra):
        super().__init__(message or f"Only {available} available.", available=available, **extra)
        self.available = available


class ShortLines(InsufficientStock):
    """Several lines cannot be met; ``shortages`` lists them (``{index?, product_id, sku, requested, available}``).

    ``lines`` (a document's short lines: ``{index, product_id, requested, available}``) is answered as the
    problem's ``lines`` member when ``with_lines`` is set.
    """

    def __init__(self, shortages: list[dict], *, with_lines: bool = False):
        names = ", ".join(f"{s['sku']} (requested {s['requested']}, available {s['available']})" for s in shortages)
        extra = {}
        if with_lines:
            extra["lines"] = [
                {key: s[key] for key in ("index", "product_id", "requested", "available")} for s in shortages
            ]
        super().__init__(
            f"Insufficient stock for: {names}", available=min(s["available"] for s in shortages), **extra
        )
        self.shortages = shortages


AlreadyReversed = error_class("AlreadyReversed", Conflict, "already_reversed", "Already reversed")
LocationInUse = error_class("LocationInUse", Conflict, "location_in_use", "Location in use")
DuplicateCode = error_class("DuplicateCode", Conflict, "duplicate_code", "Duplicate code")
# A count made against figures read earlier (an import's preview) found them moved: nothing is written.
FiguresChanged = error_class("FiguresChanged", Conflict, "figures_changed", "Figures changed since they were read")
