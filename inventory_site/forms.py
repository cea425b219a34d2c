"""Form plumbing every HTML entry form shares: a one-time token, and a service's error shown on its field."""

from django import forms

# Fields a shortage (``available`` on the error) is shown on, the first the form has.
QUANTITY_FIELDS = ("quantity", "counted_quantity")


class TokenForm(forms.Form):
    """A form with a one-time token (inventory_site.web): posting the same form twice records once."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

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
