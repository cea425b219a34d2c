"""Form plumbing every HTML entry form shares: a one-time token, and a service's error shown on its field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory_site import limits
from inventory_site.web import issue_form_token

# Fields a shortage (``available`` on the error) is shown on, the first the form has.
QUANTITY_FIELDS = ("quantity", "counted_quantity")


class TokenForm(forms.Form):
    """A form with a one-time token (inventory_site.web): posting the same form twice records once."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def renew_token(self, request) -> None:
        """Re-shown after a post: a new token, so that the corrected form can be posted."""
        self.data = self.data.copy()
        self.data["form_token"] = issue_form_token(request)

    def _field_for(self, key: str) -> str | None:
        """A service's error key is the API's field name (``product_id``); the form's field drops the ``_id``."""
        for name in (key, key.removesuffix("_id")):
            if name in self.fields:
                return name
        return None

    def add_service_error(self, error) -> None:
        """Show a service's DomainError next to the field it names, or else at the top."""
        placed = False
        for key, messages in (error.errors or {}).items():
            field = self._field_for(key)
            if field is not None:
                self.add_error(field, messages)
                placed = True
        if hasattr(error, "available"):
            field = next((name for name in QUANTITY_FIELDS if name in self.fields), None)
            if field is not None:
                self.add_error(field, error.message)
                placed = True
        if not placed or len(error.errors or {}) > 1:
            self.add_error(None, error.message)


def quantity_field(label: str | None = None, *, minimum: int = 1, **kwargs) -> forms.IntegerField:
    """A quantity box with the API's limits (1 to ``limits.MAX_QUANTITY``), a number keypad on touch screens."""
    kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
    label = _("Quantity") if label is None else label
    return forms.IntegerField(label=label, min_value=minimum, max_value=limits.MAX_QUANTITY, **kwargs)


def note_field(label: str | None = None) -> forms.CharField:
    """An optional note with the API's limit."""
    return forms.CharField(
        label=_("Note") if label is None else label,
        required=False,
        max_length=limits.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
