from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Django admin screens that show records nobody may add, change or delete by hand (ledger, audit)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
