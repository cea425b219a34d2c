from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product
from inventory_site.forms import TokenForm
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
                    "placeholder": _("Scan or type a SKU or name"),
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


def _price_label() -> str:
    return _("Unit price (%(currency)s)") % {"currency": settings.CURRENCY}


def _stock_rule_field(label, help_text) -> forms.IntegerField:
    """A product's reorder rule: a PositiveIntegerField's range, 0 by default."""
    return forms.IntegerField(label=label, min_value=0, max_value=2_147_483_647, initial=0, help_text=help_text)


class ProductForm(TokenForm):
    """A product's fields on our own add and edit pages; the write is catalog.services' (the admin's too)."""

    sku = forms.CharField(label=_("SKU"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), empty_label=_("Choose…"))
    unit = forms.CharField(label=_("Unit"), max_length=16, initial="pcs")
    unit_price = forms.DecimalField(
        label=lazy(_price_label, str)(), min_value=0, max_digits=12, decimal_places=2, localize=False
    )
    min_quantity = _stock_rule_field(_("Reorder point"), _("Low stock at or below this available quantity."))
    reorder_quantity = _stock_rule_field(_("Reorder quantity"), _("Order in multiples of this; 0 for any."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    FIELDS = ("sku", "name", "category", "unit", "unit_price", "min_quantity", "reorder_quantity", "description")

    def product_fields(self) -> dict:
        """catalog.services' keywords from the cleaned fields."""
        data = self.cleaned_data
        fields = {name: data[name] for name in self.FIELDS if name != "category"}
        fields["category_id"] = data["category"].pk
        fields["is_active"] = bool(data.get("is_active"))
        return fields

    @classmethod
    def initial_of(cls, product: Product) -> dict:
        initial = {name: getattr(product, name) for name in cls.FIELDS if name != "category"}
        return {**initial, "category": product.category_id, "is_active": product.is_active}
