"""Stock API: movements, counts, levels, products with their figures, locations and documents."""

from stock.api.documents import (
    DocumentCancelApi,
    DocumentDetailApi,
    DocumentListApi,
    DocumentReceiveApi,
    DocumentReverseApi,
)
from stock.api.locations import LocationDetailApi, LocationListApi
from stock.api.movements import CountApi, MovementDetailApi, MovementListApi, MovementReverseApi
from stock.api.products import LevelListApi, ProductDetailApi, ProductListApi

__all__ = [
    "CountApi",
    "DocumentCancelApi",
    "DocumentDetailApi",
    "DocumentListApi",
    "DocumentReceiveApi",
    "DocumentReverseApi",
    "LevelListApi",
    "LocationDetailApi",
    "LocationListApi",
    "MovementDetailApi",
    "MovementListApi",
    "MovementReverseApi",
    "ProductDetailApi",
    "ProductListApi",
]
