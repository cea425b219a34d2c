import unicodedata

from django.core.exceptions import ValidationError


class LettersAndDigitsValidator:
    """The password must contain at least one letter and at least one digit."""

    def validate(self, password, user=None):
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError("The password must contain both letters and digits.", code="password_no_mix")

    def get_help_text(self):
        return "Your password must contain both letters and digits."


def _letters_and_digits(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", value).casefold() if c.isalnum())


class EmailLocalPartValidator:
    """The password must not contain the email's local part, whatever punctuation or case surrounds it.

    ``john.smith@x.example`` refuses ``JohnSmith-2026x`` and ``john.smith.2026``: both are compared with
    everything but letters and digits removed. Local parts shorter than ``min_length`` letters and digits
    are not checked (``al`` would refuse half the dictionary).
    """

    def __init__(self, min_length: int = 3):
        self.min_length = min_length

    def validate(self, password, user=None):
        email = getattr(user, "email", "") or ""
        local = _letters_and_digits(email.rpartition("@")[0] if "@" in email else email)
        if len(local) >= self.min_length and local in _letters_and_digits(password):
            raise ValidationError("The password must not contain the email address.", code="password_has_email")

    def get_help_text(self):
        return "Your password must not contain your email address."
