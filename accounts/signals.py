"""Login auditing: every attempt through any door becomes a LoginAttempt row; a changed user leaves the cache."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts import user_cache
from accounts.lockout import client_username
from accounts.models import User
from audit.context import client_from_request
from audit.services import record_event, record_login_attempt


def _client(request):
    client = client_from_request(request) if request is not None else None
    return {"ip": client.ip if client else None, "user_agent": client.user_agent if client else ""}


@receiver(user_logged_in)
def on_logged_in(sender, request, user, **kwargs):
    record_login_attempt(email=user.email_key, success=True, reason="ok", **_client(request))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    email = client_username(request, credentials)
    if request is not None and getattr(request, "locked_before_attempt", False):
        reason = "locked_out"
    else:
        user = User.objects.filter(email_key=email).only("is_active").first() if email else None
        reason = "unknown_email" if user is None else ("inactive" if not user.is_active else "wrong_password")
    record_login_attempt(email=email, success=False, reason=reason, **_client(request))


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    # axes also sends this for every refused attempt during a lockout; audit only the moment it starts.
    if request is not None and getattr(request, "locked_before_attempt", False):
        return
    record_event(
        action="auth.locked_out",
        object_type="user",
        object_id="",
        changes={"email": username, "ip": ip_address},
    )


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _forget_cached_user(sender, instance, **kwargs):
    """A deactivation, a role or a password change is seen by the very next request (accounts.user_cache)."""
    user_cache.forget(instance.pk)
