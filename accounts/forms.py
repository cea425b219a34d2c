from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form with the field labelled "Email"; it still posts ``username`` like the admin's.

    A plain text field, as on the admin's form and the API: whatever is typed is tried (and counted by the
    lockout under its normalised key), so every spelling of an address meets the same counter.
    """

    username = forms.CharField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": _("The email or password is incorrect."),
        "inactive": _("The email or password is incorrect."),
    }

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.errors and self.data.get("username"):
            # After a wrong password the email is still filled in: the cursor goes where the retry is typed.
            self.fields["username"].widget.attrs.pop("autofocus", None)
            self.fields["password"].widget.attrs["autofocus"] = True
