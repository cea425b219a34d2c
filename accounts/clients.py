"""API clients and their keys: every write audited, the secret shown once, revocation immediate.

A client's principal is a user row with no role and an unusable password: it is the ``created_by``/``user_id`` of
what the client writes, never logs in, never appears in ``users`` and is never seen by the lockout (keys are not
passwords: a bad key is a 401, never a counted failure).
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts import keys
from accounts.exceptions import TokenInvalid
from accounts.models import ApiClient, ApiKey, Role, Scope, User
from audit.services import assign, diff, record_event, snapshot
from inventory_site.exceptions import Invalid

CLIENT_FIELDS = ("name", "scopes", "location_ids", "is_active")
DEFAULT_GRACE_HOURS = 24
MAX_GRACE_HOURS = 24 * 30


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Invalid.of({"name": ["This field is required."]})
    return name.strip()


def _check_scopes(scopes) -> list[str]:
    if not isinstance(scopes, list | tuple) or not all(isinstance(scope, str) for scope in scopes):
        raise Invalid.of({"scopes": ["A list of scopes."]})
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise Invalid.of({"scopes": [f"Unknown scope(s): {', '.join(unknown)}. Use: {', '.join(Scope.values)}."]})
    return sorted(set(scopes))


def _check_location_ids(location_ids) -> list[int]:
    if not isinstance(location_ids, list | tuple) or not all(
        isinstance(value, int) and not isinstance(value, bool) and value > 0 for value in location_ids
    ):
        raise Invalid.of({"location_ids": ["A list of location ids."]})
    ids = sorted(set(location_ids))
    # Locations are stock's, above accounts in the import order: stock names the check in settings.
    unknown = import_string(settings.LOCATION_IDS_CHECK)(ids)
    if unknown:
        raise Invalid.of({"location_ids": [f"Unknown location(s): {', '.join(map(str, unknown))}."]})
    return ids


@transaction.atomic
def create_client(*, actor, name: str, scopes=(), location_ids=(), is_active: bool = True) -> ApiClient:
    name = _check_name(name)
    user = User(
        email=f"client-{uuid.uuid4().hex}@clients.invalid",
        first_name=name[:150],
        role=Role.NONE,
        is_active=is_active,
    )
    user.set_unusable_password()
    user.save()
    client = ApiClient.objects.create(
        name=name,
        user=user,
        scopes=_check_scopes(list(scopes)),
        location_ids=_check_location_ids(list(location_ids)),
        is_active=is_active,
    )
    record_event(action="apiclient.created", actor=actor, obj=client, changes=snapshot(client, CLIENT_FIELDS))
    return client


@transaction.atomic
def update_client(*, actor, client: ApiClient, **fields) -> ApiClient:
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    before = snapshot(client, CLIENT_FIELDS)
    checks = {"scopes": _check_scopes, "location_ids": _check_location_ids, "name": _check_name}
    assign(client, fields, CLIENT_FIELDS, checks)
    changes = diff(client, before, CLIENT_FIELDS)
    if changes:
        client.save()
        if "is_active" in changes:
            User.objects.filter(pk=client.user_id).update(is_active=client.is_active)
        record_event(action="apiclient.updated", actor=actor, obj=client, changes=changes)
    return client


@transaction.atomic
def delete_client(*, actor, client: ApiClient) -> bool:
    """Delete a client without history; one with history (anything written as it) is deactivated instead.
    Returns whether it was deleted. Either way its keys stop working at once."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    now = timezone.now()
    client.keys.filter(revoked_at__isnull=True).update(revoked_at=now)
    pk, name, user = client.pk, client.name, client.user
    try:
        with transaction.atomic():
            client.delete()
            user.delete()
    except (ProtectedError, IntegrityError):  # PROTECT from movements, orders, audit rows: history, keep it
        update_client(actor=actor, client=ApiClient.objects.get(pk=pk), is_active=False)
        return False
    record_event(action="apiclient.deleted", actor=actor, object_type="apiclient", object_id=pk, changes={"name": name})
    return True


# --- keys -----------------------------------------------------------------------------------------------------


def _check_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid.of({"expires_at": ["Give a time in the future."]})
    return expires_at


@transaction.atomic
def create_key(*, actor, client: ApiClient, name: str = "", expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """A new key for ``client``: the row, and the whole key (``inv_...``), which is shown once and never stored."""
    fresh = keys.new_key()
    key = ApiKey.objects.create(
        client=client,
        name=name or "",
        prefix=fresh.prefix,
        digest=fresh.digest,
        pepper_version=fresh.pepper_version,
        expires_at=_check_expiry(expires_at),
    )
    record_event(action="apikey.created", actor=actor, obj=key, changes={"client_id": client.pk, "prefix": key.prefix})
    return key, fresh.key


@transaction.atomic
def revoke_key(*, actor, key: ApiKey) -> ApiKey:
    """Revoked at once: the next request with it is a 401."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record_event(action="apikey.revoked", actor=actor, obj=key, changes={"prefix": key.prefix})
    return key


@transaction.atomic
def rotate_key(*, actor, key: ApiKey, grace_hours: int = DEFAULT_GRACE_HOURS) -> tuple[ApiKey, str]:
    """A new key for the same client; the old one keeps working until ``grace_hours`` from now (0: at once)."""
    if isinstance(grace_hours, bool) or not isinstance(grace_hours, int) or not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise Invalid.of({"grace_hours": [f"A whole number of hours from 0 to {MAX_GRACE_HOURS}."]})
    old = ApiKey.objects.select_for_update().get(pk=key.pk)
    if not old.usable(timezone.now()):
        raise Invalid.of({"key": ["This key is revoked or expired: create a new key instead."]})
    new, secret = create_key(actor=actor, client=old.client, name=old.name, expires_at=old.expires_at)
    grace_end = timezone.now() + timedelta(hours=grace_hours)
    old.expires_at = min(grace_end, old.expires_at) if old.expires_at else grace_end
    old.replaced_by = new
    old.save(update_fields=["expires_at", "replaced_by"])
    record_event(
        action="apikey.rotated", actor=actor, obj=old, changes={"replaced_by": new.prefix, "until": old.expires_at}
    )
    return new, secret


def authenticate_key(token: str) -> ApiKey:
    """The usable key ``token`` is, with its client and principal; TokenInvalid (401) for anything else."""
    parts = keys.split(token)
    key = None
    if parts is not None:
        key = ApiKey.objects.select_related("client__user").filter(prefix=parts[0]).first()
    now = timezone.now()
    if (
        key is None
        or not keys.matches(parts[1], key.digest, key.pepper_version)
        or not key.usable(now)
        or not key.client.is_active
        or not key.client.user.is_active
    ):
        raise TokenInvalid("The API key is unknown, revoked, expired or its client inactive.")
    _note_use(key, now)
    return key


def _note_use(key: ApiKey, now) -> None:
    """``last_used_at``, written at most every ``API_KEY_LAST_USED_EVERY`` per key (no write per request)."""
    every = settings.API_KEY_LAST_USED_EVERY
    if key.last_used_at is None or key.last_used_at < now - every:
        ApiKey.objects.filter(pk=key.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - every)).update(
            last_used_at=now
        )
        key.last_used_at = now
