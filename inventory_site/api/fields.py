from rest_framework import serializers


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: a fraction (even 2.0), a string, a boolean or null is a 400."""

    default_error_messages = {"invalid": "A whole number (JSON integer) is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class QuantityField(StrictIntegerField):
    """A quantity: a JSON integer greater than 0."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)
