from inventory_site.exceptions import Conflict


class DuplicateSku(Conflict):
    code = "duplicate_sku"
    title = "Duplicate SKU"


class DuplicateName(Conflict):
    code = "duplicate_name"
    title = "Duplicate name"


class CategoryInUse(Conflict):
    code = "category_in_use"
    title = "Category in use"


class ProductHasMovements(Conflict):
    code = "product_has_movements"
    title = "Product has movements"


class SupplierInUse(Conflict):
    """Not in the contract's original list: a supplier named on movements is deactivated, not deleted."""

    code = "supplier_in_use"
    title = "Supplier in use"
