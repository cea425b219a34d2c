from inventory_site.exceptions import Conflict


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    title = "Insufficient stock"

    def __init__(self, message: str = "", *, available: int, **extra):
        super().__init__(message or f"Only {available} available.", available=available, **extra)
        self.available = available


class ShortLines(InsufficientStock):
    """Several lines of a reservation cannot be met; ``shortages`` lists them."""

    def __init__(self, shortages: list[dict]):
        names = ", ".join(f"{s['sku']} (requested {s['requested']}, available {s['available']})" for s in shortages)
        super().__init__(f"Insufficient stock for: {names}", available=min(s["available"] for s in shortages))
        self.shortages = shortages
