from django import forms
from django.urls import reverse_lazy

from catalog.models import Category, Product
from inventory_site.params import TextField, check_text


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
                    "data-product-picker": reverse_lazy("catalog:product-lookup"),
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
        products = Product.objects.select_related("stock_level", "category")
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


class ProductFilterForm(forms.Form):
    search = TextField(label="Search", widget=forms.TextInput(attrs={"type": "search"}))
    category = forms.ModelChoiceField(
        label="Category", queryset=Category.objects.all(), required=False, empty_label="All categories"
    )
    low_stock = forms.BooleanField(label="Low stock only", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("active", "Active"), ("inactive", "Inactive"), ("all", "All")],
    )
    sort_by = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("name", "Name"),
            ("sku", "SKU"),
            ("available", "Available"),
            ("unit_price", "Unit price"),
            ("created_at", "Created"),
        ],
    )
    sort_order = forms.ChoiceField(
        label="Order", required=False, choices=[("asc", "Ascending"), ("desc", "Descending")]
    )
