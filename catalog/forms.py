from django import forms
from django.urls import reverse_lazy

from catalog.models import Product
from inventory_site.params import check_text


class ProductField(forms.Field):
    """A text box that takes a typed or scanned SKU (or an exact product name) and cleans to a Product.

    A barcode scanner types the SKU and Enter; the picker script offers suggestions on top, so the
    page never renders the whole catalogue.
    """

    default_error_messages = {
        "unknown": "No product with this SKU or name.",
        "ambiguous": "Several products have this name: type or scan the SKU.",
        "inactive": "This product is inactive.",
    }

    def __init__(self, *, active_only: bool = True, **kwargs):
        self.active_only = active_only
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "off",
                    "spellcheck": "false",
                    "placeholder": "Scan or type a SKU or name",
                    "data-product-picker": reverse_lazy("stock:product-lookup"),
                }
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.sku if isinstance(value, Product) else value

    def to_python(self, value):
        text = check_text(str(value or "").strip())  # no NUL, no novel: PostgreSQL would refuse the former
        if not text:
            return None
        # A suggestion may come back as "SKU · Name": the SKU is what counts.
        sku = text.split(" · ", 1)[0].strip()
        products = Product.objects.select_related("category")
        product = products.filter(sku__iexact=sku).first()
        if product is None:
            named = list(products.filter(name__iexact=text)[:2])
            if len(named) > 1:
                raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous")
            product = named[0] if named else None
        if product is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        if self.active_only and not product.is_active:
            raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
        return product
