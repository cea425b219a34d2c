from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from inventory_site.exceptions import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Django admin screens that show records nobody may add, change or delete by hand (ledger, audit)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceAdmin(admin.ModelAdmin):
    """Route saves and deletes through ``create``/``update``/``delete`` services; show domain errors.

    A domain error escapes ``save_model`` so the admin's own transaction rolls back; the view then
    sends the user back to the form with the message.
    """

    fields_for_service: tuple[str, ...] = ()
    service_create = service_update = service_delete = None  # staticmethod(services.*), set per model
    instance_name = ""

    def service_data(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in self.fields_for_service if name in form.cleaned_data}

    def save_model(self, request, obj, form, change):
        data = self.service_data(form)
        if change:
            self.service_update(actor=request.user, **{self.instance_name: obj}, **data)
        else:
            obj.pk = self.service_create(actor=request.user, **data).pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        self.service_delete(actor=request.user, **{self.instance_name: obj})

    def delete_queryset(self, request, queryset):
        failed = []
        for obj in queryset:
            try:
                self.service_delete(actor=request.user, **{self.instance_name: obj})
            except DomainError as error:
                failed.append(error.message)
        for message in failed:
            self.message_user(request, message, level=messages.ERROR)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
