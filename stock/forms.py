from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from catalog.forms import ProductField, ProductForm
from catalog.models import Category, Supplier
from inventory_site import limits
from inventory_site.forms import TokenForm, note_field, quantity_field
from inventory_site.params import DayField, TextField
from stock.models import CLIENT_REASONS, ChangeType, DocumentKind, DocumentStatus, Location, LocationKind, Reason

TYPE_CHOICES = [(ChangeType.IN, "IN"), (ChangeType.OUT, "OUT")]


class LocationChoiceField(forms.ModelChoiceField):
    """A location a movement or count may name: active and not transit; the default location preselected."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Location"))
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


class DefaultLocationMixin:
    """A form whose ``location`` starts at the one asked for (``initial``), or else at the default location."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].initial = self.initial.get("location") or default_location_id()


class MovementForm(DefaultLocationMixin, TokenForm):
    product = ProductField(label=_("Product"))
    change_type = forms.ChoiceField(label=_("Type"), choices=TYPE_CHOICES, initial=ChangeType.IN)
    quantity = quantity_field()
    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        queryset=Supplier.objects.filter(is_active=True),
        required=False,
        empty_label=_("None"),
        help_text=_("IN only."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", _("Default: purchase for IN, sale for OUT")), *CLIENT_REASONS],
    )
    note = note_field()
    location = LocationChoiceField()

    def clean(self):
        data = super().clean()
        if data.get("supplier") and data.get("change_type") == ChangeType.OUT:
            self.add_error("supplier", _("A supplier is only allowed on IN."))
        return data


class CountForm(DefaultLocationMixin, TokenForm):
    product = ProductField(label=_("Product"))
    counted_quantity = quantity_field(
        _("Counted quantity"), minimum=0, help_text=_("What is physically on the shelf now.")
    )
    note = note_field()
    location = LocationChoiceField()


class ProductCreateForm(DefaultLocationMixin, ProductForm):
    """A new product's fields and its opening stock: a receipt at a location, written with the product."""

    opening_quantity = quantity_field(
        _("Opening stock"),
        minimum=0,
        required=False,
        help_text=_("What is on the shelf now; recorded as a receipt (reason adjustment). Leave empty for none."),
    )
    location = LocationChoiceField(label=_("Opening stock location"))

    def add_service_error(self, error) -> None:
        """The receipt's line error goes on the opening stock."""
        lines = (error.errors or {}).get("lines")
        if isinstance(lines, dict):
            for messages in lines.values():
                self.add_error("opening_quantity", [str(message).partition(": ")[2] or message for message in messages])
            error.errors = {key: value for key, value in error.errors.items() if key != "lines"}
            if not error.errors:
                return
        super().add_service_error(error)


# --- Stock documents: one header, many lines -------------------------------------------------------------------

LINE_PREFIX = "lines"
MAX_DOCUMENT_LINES = 1000  # stock.services.documents.MAX_LINES
KIND_TITLES = {
    DocumentKind.RECEIPT: _("Receipt"),
    DocumentKind.ISSUE: _("Issue"),
    DocumentKind.TRANSFER: _("Transfer"),
    DocumentKind.COUNT: _("Count"),
}
# "New receipt" and the like: a whole phrase each, so that a language can word it its own way.
NEW_KIND_TITLES = {
    DocumentKind.RECEIPT: _("New receipt"),
    DocumentKind.ISSUE: _("New issue"),
    DocumentKind.TRANSFER: _("New transfer"),
    DocumentKind.COUNT: _("New count"),
}
# The header fields each kind takes, in the order of create_document's keywords.
KIND_FIELDS = {
    DocumentKind.RECEIPT: ("location", "supplier", "reason", "reference", "note"),
    DocumentKind.ISSUE: ("location", "reason", "reference", "note"),
    DocumentKind.TRANSFER: ("source_location", "destination_location", "via_transit", "reference", "note"),
    DocumentKind.COUNT: ("location", "reference", "note"),
}
DEFAULT_REASON_LABEL = {DocumentKind.RECEIPT: _("Default: purchase"), DocumentKind.ISSUE: _("Default: sale")}


class DocumentForm(TokenForm):
    """A document's header: which fields it has depends on the kind (``KIND_FIELDS``)."""

    kind = forms.ChoiceField(choices=DocumentKind.choices, widget=forms.HiddenInput)
    location = LocationChoiceField()
    source_location = LocationChoiceField(label=_("Source location"), required=True)
    destination_location = LocationChoiceField(label=_("Destination location"), required=True, empty_label=_("Choose…"))
    via_transit = forms.BooleanField(
        label=_("Via transit"),
        required=False,
        help_text=_("The stock waits in TRANSIT until the destination receives it (or the transfer is cancelled)."),
    )
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Supplier.objects.filter(is_active=True), required=False, empty_label=_("None")
    )
    reason = forms.ChoiceField(label=_("Reason"), required=False, choices=CLIENT_REASONS)
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=limits.REFERENCE_MAX_LENGTH,
        help_text=_("A delivery note, PO…"),
    )
    note = note_field()

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in [name for name in self.fields if name not in ("form_token", "kind", *KIND_FIELDS[kind])]:
            del self.fields[name]
        self.fields["kind"].initial = kind
        default = self.initial.get("location") or default_location_id()
        for name in ("location", "source_location"):
            if name in self.fields:
                self.fields[name].initial = self.initial.get(name) or default
        if "reason" in self.fields:
            self.fields["reason"].choices = [("", DEFAULT_REASON_LABEL[kind]), *CLIENT_REASONS]

    def clean(self):
        data = super().clean()
        source, destination = data.get("source_location"), data.get("destination_location")
        if source and destination and source == destination:
            self.add_error("destination_location", _("The destination must differ from the source."))
        return data

    def service_kwargs(self) -> dict:
        """create_document's header keywords from the cleaned fields."""
        data = self.cleaned_data
        kwargs = {"kind": self.kind, "reference": data.get("reference", ""), "note": data.get("note", "")}
        for name in ("location", "source_location", "destination_location", "supplier"):
            if data.get(name) is not None:
                kwargs[f"{name}_id"] = data[name].pk
        if self.kind == DocumentKind.TRANSFER:
            kwargs["via_transit"] = bool(data.get("via_transit"))
        if data.get("reason"):
            kwargs["reason"] = data["reason"]
        return kwargs


class DocumentLineForm(forms.Form):
    """One line: a scanned or typed product and its quantity (the counted quantity on a count). A blank line
    is ignored; half a line is an error on that line."""

    product = ProductField(label=_("Product"), required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == DocumentKind.COUNT:
            self.quantity_name = "counted_quantity"
            field = quantity_field(_("Counted quantity"), minimum=0, required=False)
        else:
            self.quantity_name = "quantity"
            field = quantity_field(required=False)
        self.fields[self.quantity_name] = field

    @property
    def quantity(self):
        return self[self.quantity_name]

    def clean(self):
        data = super().clean()
        product, quantity = data.get("product"), data.get(self.quantity_name)
        if product is None and quantity is not None and "product" not in self.errors:
            self.add_error("product", _("Scan or type the product of this line."))
        if product is not None and quantity is None and self.quantity_name not in self.errors:
            self.add_error(self.quantity_name, _("Enter the quantity of this line."))
        return data


class BaseDocumentLineFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        # A line re-shown by "Add line" comes back as an initial form: a blank one is still just ignored.
        kwargs["empty_permitted"] = True
        kwargs["use_required_attribute"] = False
        return super()._construct_form(i, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        if not self.filled():
            raise forms.ValidationError(_("Add at least one line with a product and a quantity."))

    def filled(self) -> list[forms.Form]:
        """The lines with a product, in order: the service's line indexes count these."""
        return [form for form in self.forms if form.cleaned_data.get("product")]

    def service_lines(self) -> list[dict]:
        return [
            {"product_id": form.cleaned_data["product"].pk, form.quantity_name: form.cleaned_data[form.quantity_name]}
            for form in self.filled()
        ]

    def add_service_error(self, error) -> None:
        """The service's line errors (``errors.lines`` by index) and short lines (``lines`` on a 409), each on
        its line: a message naming a field goes under that field."""
        filled = self.filled()
        line_errors = (error.errors or {}).get("lines")
        if isinstance(line_errors, dict):
            for index, messages in line_errors.items():
                if str(index).isdigit() and int(index) < len(filled):
                    for message in messages:
                        _add_line_error(filled[int(index)], message)
        for short in getattr(error, "shortages", None) or []:
            index = short.get("index")
            if isinstance(index, int) and 0 <= index < len(filled):
                form = filled[index]
                message = _("Short: %(requested)s requested, %(available)s available.") % short
                if form.quantity_name == "counted_quantity":
                    message = f"A count of {short['requested']} is below what orders have reserved here."
                form.add_error(form.quantity_name, message)


def _add_line_error(form, message: str) -> None:
    field, _, text = message.partition(": ")
    if field == "product_id":
        form.add_error("product", text)
    elif field in ("quantity", "counted_quantity") and field in form.fields:
        form.add_error(field, text)
    else:
        form.add_error(None, message)


DocumentLineFormSet = forms.formset_factory(
    DocumentLineForm,
    formset=BaseDocumentLineFormSet,
    extra=1,
    max_num=MAX_DOCUMENT_LINES,
    absolute_max=MAX_DOCUMENT_LINES,
    validate_max=True,
)


def _location_filter_field() -> forms.ModelChoiceField:
    """A list's location filter: any location (transit too), or "Any"; it matches its sub-locations as well."""
    locations = Location.objects.order_by("priority", "code")
    return forms.ModelChoiceField(label=_("Location"), queryset=locations, required=False, empty_label=_("Any"))


def _day_field(label) -> DayField:
    return DayField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DateRangeMixin:
    """A filter form's optional ``start_date`` and ``end_date``: the end may not come before the start."""

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class DocumentFilterForm(DateRangeMixin, forms.Form):
    """The API's document filters (kind, status, location with its sub-locations, reference, dates)."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *DocumentKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *DocumentStatus.choices])
    location = _location_filter_field()
    reference = TextField(label=_("Reference"))
    start_date = _day_field(_("From"))
    end_date = _day_field(_("To"))

    def filter_params(self) -> dict:
        """The API's query parameters (stock.filters.DocumentFilter) from the cleaned fields."""
        data = self.cleaned_data
        return {
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "location_id": data["location"].pk if data.get("location") else "",
            "reference": data.get("reference") or "",
            "start_date": data["start_date"].isoformat() if data.get("start_date") else "",
            "end_date": data["end_date"].isoformat() if data.get("end_date") else "",
        }


class MovementFilterForm(DateRangeMixin, forms.Form):
    """The API's history filters, plus sorting."""

    change_type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any")), *TYPE_CHOICES])
    product = ProductField(label=_("Product"), required=False, active_only=False)
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.all(), required=False, empty_label=_("Anyone"))
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Supplier.objects.all(), required=False, empty_label=_("Any")
    )
    reason = forms.ChoiceField(label=_("Reason"), required=False, choices=[("", _("Any")), *Reason.choices])
    location = _location_filter_field()
    document = forms.IntegerField(label=_("Document id"), required=False, min_value=1, max_value=limits.MAX_ID)
    start_date = _day_field(_("From"))
    end_date = _day_field(_("To"))
    sort_by = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=[("created_at", _("Date")), ("quantity", _("Quantity"))]
    )
    sort_order = forms.ChoiceField(
        label=_("Order"), required=False, choices=[("desc", _("Descending")), ("asc", _("Ascending"))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget.attrs.update({"data-include-inactive": "1", "placeholder": _("SKU or name")})


class ProductFilterForm(forms.Form):
    """The products list's filters, in the order the page shows them (templates/partials/filters.html)."""

    search = TextField(label=_("Search"), widget=forms.TextInput(attrs={"type": "search"}))
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False, empty_label=_("All categories")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All"))],
    )
    sort_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("sku", _("SKU")),
            ("available", _("Available")),
            ("unit_price", _("Unit price")),
            ("created_at", _("Created")),
        ],
    )
    sort_order = forms.ChoiceField(
        label=_("Order"), required=False, choices=[("asc", _("Ascending")), ("desc", _("Descending"))]
    )
    low_stock = forms.BooleanField(label=_("Low stock only"), required=False)
