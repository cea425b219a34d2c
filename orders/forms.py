from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.forms import ProductField
from inventory_site import limits
from inventory_site.forms import TokenForm, note_field
from inventory_site.params import TextField
from orders.models import Priority, Status
from stock.models import Location

LINE_PREFIX = "items"
MINE = "mine"
HEADER_FIELDS = ("customer_name", "customer_email", "reference", "priority", "note")


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} – {obj.name}"


def _order_locations():
    """The locations an order may be placed for: active and sellable (never transit)."""
    return Location.objects.filter(is_active=True, is_sellable=True).order_by("priority", "id")


class OrderForm(TokenForm):
    customer_name = forms.CharField(label=_("Customer name"), max_length=limits.CUSTOMER_NAME_MAX_LENGTH)
    customer_email = forms.EmailField(
        label=_("Customer email"), required=False, max_length=limits.CUSTOMER_EMAIL_MAX_LENGTH
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=limits.REFERENCE_MAX_LENGTH)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    location = LocationChoiceField(
        label=_("Location"),
        queryset=_order_locations(),
        required=False,
        empty_label=_("Any (chosen when reserving)"),
        help_text=_("Reserve every line here (or below it), or reject the order."),
    )
    note = note_field()


class OrderLineForm(forms.Form):
    product = ProductField(label=_("Product"))
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=1_000_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError(_("Add at least one line with a product and a quantity."))

    def lines(self) -> list[tuple[forms.Form, dict]]:
        """The filled lines, in order, with the form each came from (to place the service's line errors)."""
        return [(form, form.cleaned_data) for form in self.forms if form.cleaned_data.get("product")]

    def add_service_error(self, error) -> None:
        """Put the service's line errors (orders.exceptions.InvalidOrder.line_errors) on their lines."""
        lines = self.lines()
        for index, messages in getattr(error, "line_errors", {}).items():
            if 0 <= index < len(lines):
                for message in messages:
                    lines[index][0].add_error(None, message)


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=BaseLineFormSet, extra=1, max_num=100, absolute_max=100, validate_max=True
)


class OrderFilterForm(forms.Form):
    """The orders list's filters, in the order the page shows them (templates/partials/filters.html)."""

    search = TextField(
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number or customer")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Status.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", _("Any")), *Priority.choices])
    placed_by = forms.ChoiceField(label=_("Placed by"), required=False, choices=[("", _("Anyone")), (MINE, _("Mine"))])
