from django import forms
from django.utils.translation import gettext_lazy as _

from imports.models import ImportKind
from stock.selectors import location_list


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=location_list().none(),
        required=False,
        empty_label=_("The default location"),
        help_text=_("Stock files: where rows without a location column are counted."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, comma or semicolon) or XLSX, at most 20 MB. The first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = location_list().filter(is_active=True).exclude(kind="transit")
