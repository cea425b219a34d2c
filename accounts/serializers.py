from rest_framework import serializers

from accounts.models import ApiClient, ApiKey, Role, Scope, User
from inventory_site.api.fields import FlatListField, StrictBooleanField, StrictIntegerField

HUMAN_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value]


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, trim_whitespace=True)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class RefreshRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()


class RefreshedPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


USER_FIELDS = ("id", "email", "first_name", "last_name", "role", "is_active", "date_joined", "last_login")


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = USER_FIELDS
        read_only_fields = fields


_DATETIME = serializers.DateTimeField()


def user_representation(user) -> dict:
    """What ``UserSerializer`` gives, built directly: a ModelSerializer introspects the model on every
    instance (about 0.5 ms), and ``auth/me`` is the floor every API request is measured against."""
    body = {name: getattr(user, name) for name in USER_FIELDS}
    for name in ("date_joined", "last_login"):
        body[name] = _DATETIME.to_representation(body[name]) if body[name] else None
    return body


class UserCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
    role = serializers.ChoiceField(choices=HUMAN_ROLE_CHOICES)
    first_name = serializers.CharField(max_length=150, allow_blank=True)
    last_name = serializers.CharField(max_length=150, allow_blank=True)
    is_active = serializers.BooleanField(default=True)


class UserUpdateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, required=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True, required=False)
    role = serializers.ChoiceField(choices=HUMAN_ROLE_CHOICES, required=False)
    first_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    last_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    is_active = serializers.BooleanField(required=False)


# --- API clients and keys -------------------------------------------------------------------------------------


class ApiClientSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(read_only=True)
    scopes = FlatListField(child=serializers.ChoiceField(choices=Scope.choices))
    location_ids = FlatListField(child=serializers.IntegerField())

    class Meta:
        model = ApiClient
        fields = ("id", "name", "user_id", "scopes", "location_ids", "is_active", "created_at")
        read_only_fields = fields


class ApiClientBriefSerializer(serializers.ModelSerializer):
    scopes = FlatListField(child=serializers.ChoiceField(choices=Scope.choices))
    location_ids = FlatListField(child=serializers.IntegerField())

    class Meta:
        model = ApiClient
        fields = ("id", "name", "scopes", "location_ids")
        read_only_fields = fields


class MeClientSerializer(serializers.Serializer):
    """``auth/me`` with an API key."""

    client = ApiClientBriefSerializer()


class ApiClientInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    scopes = FlatListField(child=serializers.ChoiceField(choices=Scope.choices), required=False)
    location_ids = FlatListField(child=StrictIntegerField(min_value=1, max_value=2**63 - 1), required=False)
    is_active = StrictBooleanField(required=False)


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ("id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
        read_only_fields = fields


class NewApiKeySerializer(serializers.ModelSerializer):
    """A key as created: ``key`` is the whole secret key, shown in this answer only."""

    key = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = ("id", "name", "prefix", "key", "created_at", "expires_at")
        read_only_fields = fields

    def get_key(self, key) -> str:
        return self.context["key"]


class ApiKeyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyRotateSerializer(serializers.Serializer):
    grace_hours = StrictIntegerField(min_value=0, max_value=24 * 30, required=False)
