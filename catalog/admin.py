"""Catalogue admin (categories, suppliers). Every write goes through catalog.services, so it is validated and
audited like the API. Products, listed with their stock figures, are registered by stock.admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog import selectors, services
from catalog.models import Category, Supplier
from inventory_site.admin import ServiceAdmin, deactivate


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

    @admin.display(ordering="product_count", description=_("Products"))
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
    actions = [deactivate]
