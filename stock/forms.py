from django import forms

from accounts.models import User
from catalog.forms import ProductField
from catalog.models import Category, Supplier
from inventory_site.forms import TokenForm, note_field, quantity_field
from inventory_site.params import DayField, TextField
from stock.models import CLIENT_REASONS, ChangeType, Location, LocationKind, Reason

TYPE_CHOICES = [(ChangeType.IN, "IN"), (ChangeType.OUT, "OUT")]


class LocationChoiceField(forms.ModelChoiceField):
    """A location a movement or count may name: active and not transit; the default location preselected."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Location")
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", None)
        queryset = (
            Location.objects.filter(is_active=True).exclude(kind=LocationKind.TRANSIT).order_by("priority", "code")
        )
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, location) -> str:
        return f"{location.code} · {location.name}"


def default_location_id():
    location = Location.objects.filter(is_default=True).only("pk").first()
    return location.pk if location else None


class MovementForm(TokenForm):
    product = ProductField(label="Product")
    change_type = forms.ChoiceField(label="Type", choices=TYPE_CHOICES, initial=ChangeType.IN)
    quantity = quantity_field()
    supplier = forms.ModelChoiceField(
        label="Supplier",
        queryset=Supplier.objects.filter(is_active=True),
        required=False,
        empty_label="None",
        help_text="IN only.",
    )
    reason = forms.ChoiceField(
        label="Reason",
        required=False,
        choices=[("", "Default: purchase for IN, sale for OUT"), *CLIENT_REASONS],
    )
    note = note_field()
    location = LocationChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].initial = self.initial.get("location") or default_location_id()

    def clean(self):
        data = super().clean()
        if data.get("supplier") and data.get("change_type") == ChangeType.OUT:
            self.add_error("supplier", "A supplier is only allowed on IN.")
        return data


class CountForm(TokenForm):
    product = ProductField(label="Product")
    counted_quantity = quantity_field("Counted quantity", minimum=0, help_text="What is physically on the shelf now.")
    note = note_field()
    location = LocationChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].initial = self.initial.get("location") or default_location_id()


class MovementFilterForm(forms.Form):
    """The API's history filters, plus sorting."""

    change_type = forms.ChoiceField(label="Type", required=False, choices=[("", "Any"), *TYPE_CHOICES])
    product = ProductField(label="Product", required=False, active_only=False)
    user = forms.ModelChoiceField(label="User", queryset=User.objects.all(), required=False, empty_label="Anyone")
    supplier = forms.ModelChoiceField(
        label="Supplier", queryset=Supplier.objects.all(), required=False, empty_label="Any"
    )
    reason = forms.ChoiceField(label="Reason", required=False, choices=[("", "Any"), *Reason.choices])
    start_date = DayField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_date = DayField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort_by = forms.ChoiceField(
        label="Sort by", required=False, choices=[("created_at", "Date"), ("quantity", "Quantity")]
    )
    sort_order = forms.ChoiceField(
        label="Order", required=False, choices=[("desc", "Descending"), ("asc", "Ascending")]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget.attrs.update({"data-include-inactive": "1", "placeholder": "SKU or name"})

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        return data


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
