from rest_framework import serializers


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: a fraction (even 2.0), a string, a boolean or null is a 400."""

    default_error_messages = {"invalid": "A whole number (JSON integer) is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean only: "yes", 1 or null is a 400 rather than a guess."""

    default_error_messages = {"invalid": "A JSON boolean (true or false) is required."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class QuantityField(StrictIntegerField):
    """A quantity: a JSON integer greater than 0."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


class FlatListField(serializers.ListField):
    """A list whose item errors are plain messages naming the item (``Item 2: ...``), so a field's errors stay a
    list of strings as the problem schema says (DRF's own nest them by index)."""

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            messages = []
            for index, detail in error.detail.items():
                for message in detail if isinstance(detail, list) else [detail]:
                    messages.append(f"Item {index}: {message}")
            raise serializers.ValidationError(messages) from None
