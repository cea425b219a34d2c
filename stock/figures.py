"""A product's figures from its level rows in hand (under lock, or read): the rule stock.selectors annotates."""

from collections.abc import Iterable

from stock.models import StockLevel


def product_figures(levels: Iterable[StockLevel]) -> dict:
    """``{on_hand, reserved, available, in_transit, last_restocked_at}`` of one product from its level rows
    (each with its ``location`` loaded): the same rule as stock.selectors' annotations."""
    figures = {"on_hand": 0, "reserved": 0, "available": 0, "in_transit": 0, "last_restocked_at": None}
    for level in levels:
        location = level.location
        figures["on_hand"] += level.on_hand
        figures["reserved"] += level.reserved
        if location.is_sellable and location.is_active:
            figures["available"] += level.available
        if location.is_transit:
            figures["in_transit"] += level.on_hand
        restocked = level.last_restocked_at
        if restocked and (figures["last_restocked_at"] is None or restocked > figures["last_restocked_at"]):
            figures["last_restocked_at"] = restocked
    return figures


def location_figures(level: StockLevel) -> dict:
    """One row's figures: ``available`` is what can be taken there (on hand less reserved)."""
    return {"on_hand": level.on_hand, "reserved": level.reserved, "available": level.available}
