from django.contrib.auth import password_validation
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import user_cache
from inventory_site.email_key import normalise_email

__all__ = ["ApiClient", "ApiKey", "RefreshToken", "Role", "User", "UserManager", "normalise_email"]


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")
    NONE = "", _("None (an API client's principal)")


HUMAN_ROLES = (Role.ADMIN, Role.STAFF)


class UserQuerySet(models.QuerySet):
    def update(self, **fields):
        """A queryset update sends no signal: the users it changes leave the cache here (accounts.user_cache)."""
        ids = list(self.values_list("pk", flat=True))
        updated = super().update(**fields)
        for pk in ids:
            user_cache.forget(pk)
        return updated

    def bulk_update(self, objs, fields, batch_size=None):
        updated = super().bulk_update(objs, fields, batch_size=batch_size)
        for obj in objs:
            user_cache.forget(obj.pk)
        return updated


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def normalize_email(self, email):
        """The email as entered (surrounding spaces dropped); identity is ``email_key``."""
        return (email or "").strip()

    def get_by_natural_key(self, username):
        return self.get(email_key=normalise_email(username))

    def with_email(self, email):
        """Users whose email is the same identity as ``email`` (any case or compatibility spelling)."""
        return self.filter(email_key=normalise_email(email))

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email is required")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("role", Role.STAFF)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        """The door of ``createsuperuser`` (``--noinput`` too): the password policy applies; a ValidationError
        becomes the command's error message and a non-zero exit."""
        fields["role"] = Role.ADMIN
        if password is not None:
            candidate = self.model(email=self.normalize_email(email), **fields)
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as error:
                raise ValidationError(f"The password does not meet the policy: {' '.join(error.messages)}") from None
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Logs in with the email. The role is the only source of Django's ``is_staff``/``is_superuser``.

    Both are properties of ``role``, not columns, so nothing can leave them stale (a queryset
    ``.update(role=...)`` included): an admin is Django's staff and superuser (``has_perm`` says yes to
    everything, the Django admin lets them in), a staff user is neither.
    """

    email = models.EmailField(max_length=254, unique=True)  # as entered
    # The identity: normalise_email(email) (NFKC, then case-folded), set on every save. Lookups, uniqueness
    # and the login lockout use it, by exact equality.
    email_key = models.CharField(max_length=254, unique=True, editable=False)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip()
        self.email_key = normalise_email(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_api_client(self) -> bool:
        """The principal of an API client: no role, no usable password, never in ``users``."""
        return self.role == Role.NONE

    # Replace PermissionsMixin's column: a name in the class body keeps Django from adding the field.
    @property
    def is_superuser(self) -> bool:
        return self.is_admin

    @property
    def is_staff(self) -> bool:
        """Django admin access."""
        return self.is_admin

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


class RefreshToken(models.Model):
    """A refresh token we issued. Spent on use (``replaced_by``), revoked on logout or reuse."""

    jti = models.CharField(max_length=64, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.jti}"


class Scope(models.TextChoices):
    """What an API client may do; its keys carry its scopes. No scope manages clients or keys."""

    CATALOG_READ = "catalog:read", _("Read the catalogue")
    CATALOG_WRITE = "catalog:write", _("Write the catalogue")
    STOCK_READ = "stock:read", _("Read stock, movements, documents and locations")
    STOCK_WRITE = "stock:write", _("Record movements, counts and documents")
    ORDERS_READ = "orders:read", _("Read its own orders")
    ORDERS_WRITE = "orders:write", _("Place its orders, ship and cancel its own")
    REPORTS_READ = "reports:read", _("Read the reports")
    EVENTS_READ = "events:read", _("Read the event feed")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage its webhooks")


class ApiClient(models.Model):
    """An external system (a shop, an ERP): a service principal with its own user row, which is the
    ``created_by``/``user_id`` of everything it writes. ``location_ids`` empty means every location."""

    name = models.CharField(max_length=200)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_client")
    scopes = models.JSONField(default=list, blank=True)
    location_ids = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A key of a client, sent as ``Authorization: Bearer inv_<prefix>_<secret>``.

    Only ``digest`` (HMAC-SHA256 of the secret under the pepper ``pepper_version``, from settings) is stored:
    the database never holds the secret. ``prefix`` finds the row in one indexed lookup.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys")
    name = models.CharField(max_length=200, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    pepper_version = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.prefix}"

    def usable(self, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
