from django.contrib import admin

from audit.models import AuditEvent, LoginAttempt
from inventory_site.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "actor", "object_type", "object_id", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_id", "actor__email")
    date_hierarchy = "at"
    list_select_related = ("actor",)


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "email", "success", "reason", "ip")
    list_filter = ("success", "reason")
    search_fields = ("email", "ip")
    date_hierarchy = "at"
