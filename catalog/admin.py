"""Catalogue admin. Every write goes through catalog.services, so it is validated and audited like the API."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from catalog import selectors, services
from catalog.models import Category, Product, Supplier
from inventory_site.exceptions import DomainError


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


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    list_display = ("name", "product_count", "created_at")
    search_fields = ("name",)
    fields = ("name", "description")
    fields_for_service = ("name", "description")
    service_create = staticmethod(services.create_category)
    service_update = staticmethod(services.update_category)
    service_delete = staticmethod(services.delete_category)
    instance_name = "category"

    def get_queryset(self, request):
        return selectors.category_list()

    @admin.display(ordering="product_count", description="Products")
    def product_count(self, obj) -> int:
        return obj.product_count


@admin.register(Supplier)
class SupplierAdmin(ServiceAdmin):
    list_display = ("name", "email", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "email")
    fields = ("name", "email", "phone", "address", "notes", "is_active")
    fields_for_service = fields
    service_create = staticmethod(services.create_supplier)
    service_update = staticmethod(services.update_supplier)
    service_delete = staticmethod(services.delete_supplier)
    instance_name = "supplier"
    actions = ["deactivate"]

    @admin.action(description="Deactivate selected suppliers")
    def deactivate(self, request, queryset):
        for supplier in queryset.filter(is_active=True):
            services.update_supplier(actor=request.user, supplier=supplier, is_active=False)
        self.message_user(request, "Deactivated the selected suppliers.")


class LowStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [("yes", "Low (available <= reorder point)"), ("no", "Above the reorder point")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return selectors.low_stock(queryset, self.value() == "yes")
        return queryset


@admin.register(Product)
class ProductAdmin(ServiceAdmin):
    list_display = (
        "sku",
        "name",
        "category",
        "unit_price",
        "on_hand",
        "reserved",
        "available",
        "min_quantity",
        "is_active",
    )
    list_filter = ("is_active", LowStockFilter, "category")
    list_select_related = ("category",)
    search_fields = ("sku", "name")
    fields = (
        "sku",
        "name",
        "description",
        "category",
        "unit",
        "unit_price",
        "min_quantity",
        "reorder_quantity",
        "is_active",
    )
    service_create = staticmethod(services.create_product)
    service_update = staticmethod(services.update_product)
    service_delete = staticmethod(services.delete_product)
    instance_name = "product"
    actions = ["deactivate"]

    def get_queryset(self, request):
        # Stock figures through the level row's LEFT JOIN: one query per page, no N+1.
        return selectors.with_stock_figures(super().get_queryset(request))

    def service_data(self, form) -> dict:
        data = {name: form.cleaned_data[name] for name in self.fields if name in form.cleaned_data}
        if "category" in data:
            data["category_id"] = data.pop("category").pk
        return data

    @admin.display(ordering="on_hand", description="On hand")
    def on_hand(self, obj) -> int:
        return obj.on_hand

    @admin.display(ordering="reserved", description="Reserved")
    def reserved(self, obj) -> int:
        return obj.reserved

    @admin.display(ordering="available", description="Available")
    def available(self, obj) -> int:
        return obj.available

    @admin.action(description="Deactivate selected products")
    def deactivate(self, request, queryset):
        try:
            changed = services.deactivate_products(actor=request.user, products=queryset)
        except DomainError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return
        self.message_user(request, f"Deactivated {changed} product(s).")
