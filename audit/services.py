from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.context import current_client
from audit.models import AuditEvent, LoginAttempt
from inventory_site.email_key import normalise_email
from inventory_site.exceptions import Invalid, lazy_message


def record_event(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    changes: dict | None = None,
) -> AuditEvent:
    """Write one audit event; call it inside the transaction of the change it describes."""
    event = _event(action=action, actor=actor, obj=obj, object_type=object_type, object_id=object_id, changes=changes)
    event.save(force_insert=True)
    return event


def record_events(events: Iterable[dict]) -> list[AuditEvent]:
    """Write many audit events in one INSERT, each given as ``record_event``'s keyword arguments (a bulk write
    audits each row it changes, as the single write does); call it inside the transaction of the changes."""
    return AuditEvent.objects.bulk_create([_event(**event) for event in events], batch_size=1000)


def _event(*, action: str, actor=None, obj=None, object_type: str = "", object_id="", changes=None) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
    client = current_client.get()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent(
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=str(object_id or ""),
        changes=changes or {},
        ip=client.ip,
        user_agent=client.user_agent,
        client_id=client.api_client_id,
        key_id=client.api_key_id,
    )


def record_login_attempt(*, email: str, success: bool, reason: str = "", ip=None, user_agent: str = "") -> LoginAttempt:
    """``email`` is stored as its normalised key (NFKC, case-folded), the value the lockout counts on."""
    return LoginAttempt.objects.create(
        email=normalise_email(email)[:254], success=success, reason=reason, ip=ip or None, user_agent=user_agent[:500]
    )


def diff(instance: models.Model, before: dict, fields) -> dict:
    """``{field: [old, new]}`` for the fields whose value changed."""
    changes = {}
    for field in fields:
        new = getattr(instance, field)
        if before.get(field) != new:
            changes[field] = [before.get(field), new]
    return changes


def snapshot(instance: models.Model, fields) -> dict:
    return {field: getattr(instance, field) for field in fields}


def assign(instance: models.Model, fields: dict, allowed, checks: dict | None = None) -> None:
    """Set ``fields`` on ``instance`` (a new or a locked row), each value through its function in ``checks`` if it
    has one (which returns the value to store or raises); a name outside ``allowed`` is a 400."""
    checks = checks or {}
    for name, value in fields.items():
        if name not in allowed:
            raise Invalid(lazy_message(_("Unknown field %(name)s."), name=name), errors={name: [_("Unknown field.")]})
        setattr(instance, name, checks[name](value) if name in checks else value)


def stripped(value):
    """A ``checks`` function of ``assign``: text without its surrounding white space, anything else as it is."""
    return value.strip() if isinstance(value, str) else value
