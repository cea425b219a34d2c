"""The catalogue's errors: each a 409 with its machine code."""

from django.utils.translation import gettext_noop

from inventory_site.exceptions import Conflict, error_class

DuplicateSku = error_class("DuplicateSku", Conflict, "duplicate_sku", gettext_noop("Duplicate SKU"))
DuplicateName = error_class("DuplicateName", Conflict, "duplicate_name", gettext_noop("Duplicate name"))
CategoryInUse = error_class("CategoryInUse", Conflict, "category_in_use", gettext_noop("Category in use"))
ProductHasMovements = error_class(
    "ProductHasMovements", Conflict, "product_has_movements", gettext_noop("Product has movements")
)
# Not in the contract's original list: a supplier named on movements is deactivated, not deleted.
SupplierInUse = error_class("SupplierInUse", Conflict, "supplier_in_use", gettext_noop("Supplier in use"))
