"""Stock admin: the ledger, its projection, reservations and documents are read-only here; locations are
written through stock.services.locations.

Movements are written only through stock.services (API, HTML form, orders); the admin shows them.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog import services as catalog_services
from catalog.models import Product
from inventory_site.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, deactivate
from stock import selectors, services
from stock.models import Document, DocumentLine, Location, LowStockAlert, Reservation, StockLevel, StockMovement

LOCATION_FORM_FIELDS = ("code", "name", "parent", "kind", "is_sellable", "priority", "is_active")


class LocationAdminForm(forms.ModelForm):
    """``make_default`` stands for ``is_default`` so the form does not judge the one-default constraint
    itself: the service moves the flag (setting it takes it off the old default) and checks its rules."""

    make_default = forms.BooleanField(
        required=False,
        label=_("Is default"),
        help_text=_("Setting it moves the default flag here from the old default."),
    )

    class Meta:
        model = Location
        fields = LOCATION_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["make_default"].initial = self.instance.is_default

    def clean_code(self):
        code = self.cleaned_data["code"]
        if selectors.location_code_taken(code, exclude_pk=self.instance.pk):
            raise forms.ValidationError(_("A location with this code already exists (codes are unique in any case)."))
        return code


@admin.register(Location)
class LocationAdmin(ServiceAdmin):
    form = LocationAdminForm
    list_display = ("code", "name", "kind", "parent", "priority", "is_default", "is_sellable", "is_active")
    list_filter = ("kind", "is_active", "is_sellable")
    list_select_related = ("parent",)
    search_fields = ("code", "name")
    ordering = ("priority", "code")
    fields = (*LOCATION_FORM_FIELDS[:-1], "make_default", "is_active")
    service_create = staticmethod(services.create_location)
    service_update = staticmethod(services.update_location)
    service_delete = staticmethod(services.delete_location)
    instance_name = "location"
    actions = [deactivate]

    def service_data(self, form) -> dict:
        data = {name: form.cleaned_data[name] for name in self.fields if name in form.cleaned_data}
        if "parent" in data:
            parent = data.pop("parent")
            data["parent_id"] = parent.pk if parent else None
        data["is_default"] = data.pop("make_default", False)
        return data

    def get_actions(self, request):
        # Django's bulk delete reports "Successfully deleted" even for the locations the service refused.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs, request):
        # The service decides (movements, stock, reservations or sub-locations: 409 location_in_use); rows
        # created for stock that never came go with the location, so Django's protected-object list would
        # refuse what the service allows.
        return [str(obj) for obj in objs], {}, set(), []


class DocumentLineInline(ReadOnlyInline):
    model = DocumentLine
    fields = ("position", "product", "quantity", "counted_quantity", "difference")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Documents are written through the API and the pages (stock.services.documents); here they are shown."""

    list_display = (
        "number",
        "kind",
        "status",
        "reference",
        "location",
        "source_location",
        "destination_location",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "status", "created_at")
    list_select_related = ("location", "source_location", "destination_location", "created_by")
    search_fields = ("reference", "note")
    date_hierarchy = "created_at"
    inlines = [DocumentLineInline]

    @admin.display(description=_("Number"), ordering="id")
    def number(self, document) -> str:
        return document.number


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "product",
        "location",
        "change_type",
        "quantity",
        "reason",
        "supplier",
        "user",
        "reference",
        "document",
    )
    list_filter = ("change_type", "reason", "location", "created_at")
    list_select_related = ("product", "location", "supplier", "user", "document")
    search_fields = ("product__sku", "reference", "note")
    date_hierarchy = "created_at"
    # The ledger grows without bound: skip the unfiltered COUNT(*) on every page.
    show_full_result_count = False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = (
        "product",
        "location",
        "total_in",
        "total_out",
        "reserved",
        "on_hand",
        "available",
        "last_restocked_at",
    )
    list_filter = ("location",)
    list_select_related = ("product", "location")
    search_fields = ("product__sku", "product__name")
    ordering = ("product__sku", "location_id")

    @admin.display(description=_("On hand"))
    def on_hand(self, level) -> int:
        return level.on_hand

    @admin.display(description=_("Available"))
    def available(self, level) -> int:
        return level.available


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("reference", "product", "location", "quantity", "state", "created_at", "updated_at")
    list_filter = ("state", "location")
    list_select_related = ("product", "location")
    search_fields = ("reference", "product__sku")


@admin.register(LowStockAlert)
class LowStockAlertAdmin(ReadOnlyAdmin):
    """Emails still unsent here after an outage are sent by the scheduler (``requeue_orders``)."""

    list_display = ("created_at", "product", "available", "reorder_point", "sent_at")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "created_at")
    list_select_related = ("product",)
    search_fields = ("product__sku", "product__name")

    @admin.display(ordering="min_quantity", description=_("Reorder point"))
    def reorder_point(self, obj) -> int:
        return obj.min_quantity


class LowStockFilter(admin.SimpleListFilter):
    title = _("stock")
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [("yes", _("Low (available <= reorder point)")), ("no", _("Above the reorder point"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return selectors.low_stock(queryset, self.value() == "yes")
        return queryset


def _column(name: str, label):
    """A sortable list column showing ``name`` (a field, or a figure the queryset annotates) under ``label``."""

    @admin.display(ordering=name, description=label)
    def show(modeladmin, obj):
        return getattr(obj, name)

    return show


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
        "reorder_point",
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
    service_create = staticmethod(catalog_services.create_product)
    service_update = staticmethod(catalog_services.update_product)
    service_delete = staticmethod(catalog_services.delete_product)
    instance_name = "product"
    actions = [deactivate]

    def get_queryset(self, request):
        # Stock figures through the level row's LEFT JOIN: one query per page, no N+1.
        return selectors.with_stock_figures(super().get_queryset(request))

    def service_data(self, form) -> dict:
        data = {name: form.cleaned_data[name] for name in self.fields if name in form.cleaned_data}
        if "category" in data:
            data["category_id"] = data.pop("category").pk
        return data

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # One name everywhere: the field is min_quantity in the API, "Reorder point" on every page.
        if "min_quantity" in form.base_fields:
            form.base_fields["min_quantity"].label = _("Reorder point")
        return form

    reorder_point = _column("min_quantity", _("Reorder point"))
    on_hand = _column("on_hand", _("On hand"))
    reserved = _column("reserved", _("Reserved"))
    available = _column("available", _("Available"))
