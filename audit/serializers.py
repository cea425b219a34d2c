from rest_framework import serializers

from audit.models import AuditEvent, LoginAttempt


class AuditEventSerializer(serializers.ModelSerializer):
    actor_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "at",
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "changes",
            "ip",
            "user_agent",
            "client_id",
            "key_id",
        )


class LoginAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = LoginAttempt
        fields = ("id", "at", "email", "success", "ip", "user_agent", "reason")
