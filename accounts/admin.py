from django import forms
from django.contrib import admin, messages
from django.contrib.auth import password_validation
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts import services
from accounts.models import User
from inventory_site.exceptions import DomainError


class UserAddForm(forms.ModelForm):
    password = forms.CharField(
        widget=forms.PasswordInput, strip=False, help_text="At least 12 characters, letters and digits."
    )

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role", "is_active")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this email already exists.")
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


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Writes go through accounts.services so they are validated and audited."""

    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_form = UserAddForm
    add_fieldsets = ((None, {"fields": ("email", "password", "first_name", "last_name", "role", "is_active")}),)
    filter_horizontal = ()
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in ("email", "first_name", "last_name", "role", "is_active")
            if name in form.cleaned_data
        }
        try:
            if change:
                services.update_user(actor=request.user, user=obj, **data)
            else:
                created = services.create_user(actor=request.user, password=form.cleaned_data["password"], **data)
                obj.pk = created.pk
        except DomainError as error:
            self.message_user(request, f"{error.message} {error.errors or ''}", level=messages.ERROR)

    def delete_model(self, request, obj):
        try:
            services.delete_user(actor=request.user, user=obj)
        except DomainError as error:
            self.message_user(request, error.message, level=messages.ERROR)

    @admin.action(description="Deactivate selected users")
    def deactivate(self, request, queryset):
        for user in queryset:
            services.update_user(actor=request.user, user=user, is_active=False)
        self.message_user(request, f"Deactivated {queryset.count()} user(s).")
