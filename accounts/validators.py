from django.core.exceptions import ValidationError


class LettersAndDigitsValidator:
    """The password must contain at least one letter and at least one digit."""

    def validate(self, password, user=None):
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError("The password must contain both letters and digits.", code="password_no_mix")

    def get_help_text(self):
        return "Your password must contain both letters and digits."
