from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from accounts import tokens
from accounts.exceptions import DuplicateEmail, UserHasHistory
from accounts.models import HUMAN_ROLES, User, normalise_email
from audit.services import assign, diff, record_event, snapshot
from inventory_site import email_key
from inventory_site.exceptions import Invalid, lazy_message, use_one_of

USER_FIELDS = ("email", "first_name", "last_name", "role", "is_active")
EMAIL_TAKEN = _("A user with the email %(email)s already exists.")


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise Invalid(_("The password does not meet the policy."), errors={"password": list(error.messages)}) from None


def _ensure_email_free(email: str, *, exclude_pk=None) -> None:
    """Two spellings with the same normalised key (case, full-width letters, ...) are one address."""
    key = normalise_email(email)
    if len(key) > email_key.MAX_LENGTH:
        raise Invalid(_("The email address is too long."), errors={"email": [_("The email address is too long.")]})
    if User.objects.filter(email_key=key).exclude(pk=exclude_pk).exists():
        raise DuplicateEmail(lazy_message(EMAIL_TAKEN, email=email))


def _save(user: User) -> None:
    """Save; a racing user with the same email key (the unique constraint) is a DuplicateEmail, not a 500."""
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DuplicateEmail(lazy_message(EMAIL_TAKEN, email=user.email)) from None


def _check_role(role) -> str:
    if role not in HUMAN_ROLES:
        raise Invalid.of({"role": [use_one_of(HUMAN_ROLES)]})
    return role


@transaction.atomic
def create_user(
    *, actor: User | None, email: str, password: str, role: str, first_name: str, last_name: str, is_active=True
) -> User:
    email = User.objects.normalize_email(email)
    _check_role(role)
    _ensure_email_free(email)
    user = User(email=email, first_name=first_name, last_name=last_name, role=role, is_active=is_active)
    _check_password(password, user)
    user.set_password(password)
    _save(user)
    record_event(action="user.created", actor=actor, obj=user, changes={"email": email, "role": role})
    return user


@transaction.atomic
def update_user(*, actor: User | None, user: User, password: str | None = None, **fields) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_api_client:
        raise Invalid(_("An API client's principal is managed through its client (api-clients)."))
    before = snapshot(user, USER_FIELDS)
    assign(user, fields, USER_FIELDS, {"role": _check_role})
    if "email" in fields:
        user.email = User.objects.normalize_email(user.email)
        _ensure_email_free(user.email, exclude_pk=user.pk)
    if password is not None:
        _check_password(password, user)
        user.set_password(password)
    _save(user)
    changes = diff(user, before, USER_FIELDS)
    if password is not None:
        changes["password"] = ["***", "***"]
        _password_changed(actor=actor, user=user)
    if "role" in changes:
        record_event(action="user.role_changed", actor=actor, obj=user, changes={"role": changes["role"]})
    if changes:
        record_event(action="user.updated", actor=actor, obj=user, changes=changes)
    return user


@transaction.atomic
def set_password(*, actor: User | None, user: User, password: str | None) -> User:
    """Change a user's password (``None``: no usable password), under the policy.

    Every live refresh token of the user is revoked in the same transaction, and a
    ``user.password_changed`` event is written (never the password itself).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
    user.save(update_fields=["password"])
    _password_changed(actor=actor, user=user)
    return user


def _password_changed(*, actor: User | None, user: User) -> None:
    revoked = tokens.revoke_all_refresh_tokens(user=user)
    record_event(
        action="user.password_changed",
        actor=actor,
        obj=user,
        changes={"usable": user.has_usable_password(), "revoked_refresh_tokens": revoked},
    )


@transaction.atomic
def delete_user(*, actor: User | None, user: User) -> None:
    user_id, email = user.pk, user.email
    try:
        with transaction.atomic():
            user.delete()
    except (ProtectedError, IntegrityError):
        raise UserHasHistory(
            _("This user has history (movements, orders or audit events); deactivate them instead.")
        ) from None
    record_event(action="user.deleted", actor=actor, object_type="user", object_id=user_id, changes={"email": email})
