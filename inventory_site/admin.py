from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from inventory_site.exceptions import DomainError


class ReadOnly:
    """Records nobody may add, change or delete by hand (ledger, audit): for admin screens and their inlines."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """Django admin screens that show records nobody may add, change or delete by hand (ledger, audit)."""


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    """The lines of a read-only record (a document's, an order's): every field shown, none editable, no blank rows."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class ServiceAdmin(admin.ModelAdmin):
    """Route saves and deletes through ``create``/``update``/``delete`` services; show domain errors.

    Every admin that writes uses this base. A domain error escapes ``save_model`` so the admin's own
    transaction rolls back (nothing is created or changed); the view then sends the user back to the form
    with the message, never to a "saved successfully" page.
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

    def deactivate_queryset(self, request, queryset) -> int:
        """Switch ``is_active`` off on every active row of ``queryset`` through ``service_update``; how many."""
        active = list(queryset.filter(is_active=True).order_by("pk"))
        for obj in active:
            self.service_update(actor=request.user, **{self.instance_name: obj}, is_active=False)
        return len(active)

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


@admin.action(description=_("Deactivate selected %(verbose_name_plural)s"))
def deactivate(modeladmin: ServiceAdmin, request, queryset) -> None:
    """The one deactivate action (``actions = [deactivate]`` on a ServiceAdmin whose model has ``is_active``):
    all the selected rows or none, each through the admin's update service (validated, audited)."""
    try:
        with transaction.atomic():
            count = modeladmin.deactivate_queryset(request, queryset)
    except DomainError as error:
        modeladmin.message_user(request, error.message, level=messages.ERROR)
        return
    modeladmin.message_user(
        request, _("Deactivated %(count)s %(name)s(s).") % {"count": count, "name": queryset.model._meta.verbose_name}
    )
