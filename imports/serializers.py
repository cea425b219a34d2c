from rest_framework import serializers

from imports.models import COUNT_NAMES, Import, ImportKind, ImportRow
from inventory_site import limits


class ImportCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(help_text="CSV (UTF-8) or XLSX, at most 20 MB.")
    location_id = serializers.IntegerField(
        min_value=1, max_value=limits.MAX_ID, required=False, help_text="Stock: rows without a location go here."
    )


CountsSerializer = type(
    "ImportCountsSerializer", (serializers.Serializer,), {name: serializers.IntegerField() for name in COUNT_NAMES}
)


class ChangedSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Products created.")
    updated = serializers.IntegerField(help_text="Products updated.")
    counted = serializers.IntegerField(help_text="Counts that moved stock (one movement each).")


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class ImportSerializer(serializers.ModelSerializer):
    counts = CountsSerializer()
    changed = ChangedSerializer()
    progress = ProgressSerializer()
    location_id = serializers.IntegerField(allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id", help_text="User id.")
    applied_by = serializers.IntegerField(source="applied_by_id", allow_null=True, help_text="User id.")

    class Meta:
        model = Import
        fields = (
            "id",
            "kind",
            "status",
            "counts",
            "changed",
            "progress",
            "file_name",
            "file_format",
            "file_size",
            "location_id",
            "skip_invalid",
            "error",
            "created_by",
            "created_at",
            "validated_at",
            "applied_by",
            "apply_started_at",
            "finished_at",
        )
        read_only_fields = fields


class ImportRowSerializer(serializers.ModelSerializer):
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    data = serializers.DictField(child=serializers.CharField(allow_blank=True))
    result = serializers.DictField()

    class Meta:
        model = ImportRow
        fields = ("row_number", "status", "action", "errors", "data", "result")
        read_only_fields = fields
