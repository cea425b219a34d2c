"""The catalogue's errors: each a 409 with its machine code."""

from inventory_site.exceptions import Conflict, error_class

DuplicateSku = error_class("DuplicateSku", Conflict, "duplicate_sku", "Duplicate SKU")
DuplicateName = error_class("DuplicateName", Conflict, "duplicate_name", "Duplicate name")
CategoryInUse = error_class("CategoryInUse", Conflict, "category_in_use", "Category in use")
ProductHasMovements = error_class("ProductHasMovements", Conflict, "product_has_movements", "Product has movements")
# Not in the contract's original list: a supplier named on movements is deactivated, not deleted.
SupplierInUse = error_class("SupplierInUse", Conflict, "supplier_in_use", "Supplier in use")
