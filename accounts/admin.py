from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import password_validation
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts import clients, services
from accounts.models import HUMAN_ROLES, ApiClient, ApiKey, Role, Scope, User
from inventory_site.admin import ReadOnlyAdmin, ServiceAdmin, deactivate
from inventory_site.exceptions import DomainError

HUMAN_ROLE_CHOICES = [(role.value, role.label) for role in HUMAN_ROLES]


class UserAddForm(forms.ModelForm):
    password = forms.CharField(
        widget=forms.PasswordInput, strip=False, help_text=_("At least 12 characters, letters and digits.")
    )
    role = forms.ChoiceField(choices=HUMAN_ROLE_CHOICES, initial=Role.STAFF)

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role", "is_active")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.with_email(email).exists():
            raise forms.ValidationError(_("A user with this email already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            candidate = User(**{k: cleaned.get(k) for k in ("email", "first_name", "last_name") if cleaned.get(k)})
            try:
                password_validation.validate_password(cleaned["password"], candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class UserChangeForm(DjangoUserChangeForm):
    role = forms.ChoiceField(choices=HUMAN_ROLE_CHOICES)

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.with_email(email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A user with this email already exists."))
        return email


# The admin changing a password, for the audit event: Django's view builds the form without the request.
_password_actor: ContextVar = ContextVar("password_actor", default=None)


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django admin's password form, saved through ``accounts.services.set_password``: audited, and every
    refresh token of the user revoked in the same transaction."""

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        self.user = services.set_password(actor=_password_actor.get(), user=self.user, password=password)
        return self.user


@admin.register(User)
class UserAdmin(ServiceAdmin, DjangoUserAdmin):
    """Writes go through accounts.services so they are validated and audited (ServiceAdmin: a refused
    write shows its error and stays on the form, with nothing created)."""

    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name")}),
        (_("Access"), {"fields": ("role", "is_active")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    form = UserChangeForm
    add_form = UserAddForm
    change_password_form = PasswordChangeForm
    add_fieldsets = ((None, {"fields": ("email", "password", "first_name", "last_name", "role", "is_active")}),)
    filter_horizontal = ()
    actions = [deactivate]
    fields_for_service = services.USER_FIELDS
    service_create = staticmethod(services.create_user)
    service_update = staticmethod(services.update_user)
    service_delete = staticmethod(services.delete_user)
    instance_name = "user"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role__in=HUMAN_ROLES)  # API clients: their own admin

    def service_data(self, form) -> dict:
        data = super().service_data(form)
        if isinstance(form, UserAddForm):  # the change form's password is the read-only hash
            data["password"] = form.cleaned_data["password"]
        return data

    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, required=False, widget=forms.CheckboxSelectMultiple)
    location_ids = forms.CharField(
        required=False,
        help_text=_("Comma-separated location ids (with their sub-locations); empty: every location."),
    )

    class Meta:
        model = ApiClient
        fields = ("name", "scopes", "location_ids", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["location_ids"] = ", ".join(str(pk) for pk in self.instance.location_ids)

    def clean_location_ids(self) -> list[int]:
        raw = [item.strip() for item in (self.cleaned_data.get("location_ids") or "").split(",") if item.strip()]
        if not all(item.isdigit() for item in raw):
            raise forms.ValidationError(_("Whole numbers separated by commas."))
        return [int(item) for item in raw]


@admin.register(ApiClient)
class ApiClientAdmin(ServiceAdmin):
    """API clients through accounts.clients (validated, audited); "Issue a key" shows the new key once."""

    form = ApiClientForm
    list_display = ("name", "scope_list", "location_ids", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    actions = ["issue_key", deactivate]
    fields_for_service = ("name", "scopes", "location_ids", "is_active")
    service_create = staticmethod(clients.create_client)
    service_update = staticmethod(clients.update_client)
    service_delete = staticmethod(clients.delete_client)
    instance_name = "client"

    @admin.display(description=_("Scopes"))
    def scope_list(self, client) -> str:
        return ", ".join(client.scopes)

    @admin.action(description=_("Issue a new key for the selected clients (shown once)"))
    def issue_key(self, request, queryset):
        for client in queryset.order_by("pk"):
            try:
                _key, secret = clients.create_key(actor=request.user, client=client, name="admin")
            except DomainError as error:
                self.message_user(
                    request, _("%(name)s: %(reason)s") % {"name": client.name, "reason": error.message}, messages.ERROR
                )
                continue
            self.message_user(
                request,
                _("Key for %(name)s (copy it now: it is never shown again): %(key)s")
                % {"name": client.name, "key": secret},
                messages.WARNING,
            )


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """Keys are issued from their client; here they are listed and revoked (at once, through the service)."""

    list_display = ("prefix", "client", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "client")
    list_select_related = ("client",)
    search_fields = ("prefix", "name", "client__name")
    exclude = ("digest",)
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected keys now"))
    def revoke(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            clients.revoke_key(actor=request.user, key=key)
            count += 1
        self.message_user(request, _("Revoked %(count)s key(s).") % {"count": count})
