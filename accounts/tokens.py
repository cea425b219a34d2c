"""JWT access tokens (SimpleJWT) and rotating refresh tokens tracked in our own table.

A refresh token is spent once: refreshing locks its row, issues a new pair and links the old row to
the new one. Presenting a spent token again is reuse: every live token of the user is revoked and an
``auth.refresh_reuse`` event is written, committed before the 401 is answered.
"""

import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.tokens import RefreshToken as JwtRefreshToken

from accounts.exceptions import TokenInvalid
from accounts.models import RefreshToken, User
from audit.services import record_event


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_refresh(user: User) -> tuple[str, RefreshToken]:
    jwt = JwtRefreshToken.for_user(user)
    token = str(jwt)
    row = RefreshToken.objects.create(
        jti=jwt["jti"],
        token_hash=_hash(token),
        user=user,
        expires_at=datetime.fromtimestamp(jwt["exp"], tz=UTC),
    )
    return token, row


def _access_for(user: User) -> str:
    return str(AccessToken.for_user(user))


def access_lifetime_seconds() -> int:
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())


def issue_token_pair(*, user: User) -> dict:
    refresh, _ = _issue_refresh(user)
    return {
        "access": _access_for(user),
        "refresh": refresh,
        "token_type": "Bearer",
        "expires_in": access_lifetime_seconds(),
    }


def _decode_refresh(token) -> str:
    """The jti of a well-formed, unexpired refresh JWT; anything else is a plain 401."""
    if not isinstance(token, str) or not token:
        raise TokenInvalid("A refresh token is required.")
    try:
        return JwtRefreshToken(token)["jti"]
    except (TokenError, KeyError):
        raise TokenInvalid("The refresh token is invalid or expired.") from None


def rotate_refresh_token(*, token: str) -> dict:
    jti = _decode_refresh(token)
    with transaction.atomic():
        # The user's row first, then the token's: a password change (accounts.services) locks the user before
        # revoking every token, so a refresh either finishes first (and its new token is revoked) or finds its own
        # token revoked. The same order in both (user, then token) so they never deadlock.
        user_id = RefreshToken.objects.filter(jti=jti).values_list("user_id", flat=True).first()
        if user_id is not None:
            User.objects.select_for_update().filter(pk=user_id).first()
        row = RefreshToken.objects.select_for_update(of=("self",)).select_related("user").filter(jti=jti).first()
        if row is None or row.token_hash != _hash(token) or row.expires_at <= timezone.now():
            raise TokenInvalid("The refresh token is invalid or expired.")
        if row.revoked_at is not None and row.replaced_by_id is None:
            raise TokenInvalid("The refresh token was revoked.")
        reused = row.revoked_at is not None
        if reused:
            _revoke_all_after_reuse(row)
        elif not row.user.is_active:
            raise TokenInvalid("The user is inactive.")
        else:
            new_token, new_row = _issue_refresh(row.user)
            row.revoked_at = timezone.now()
            row.replaced_by = new_row
            row.save(update_fields=["revoked_at", "replaced_by"])
            return {"access": _access_for(row.user), "refresh": new_token}
    # Answered after the block has committed, so the revocation and its audit event are kept.
    raise TokenInvalid("The refresh token was already used; every session of this user was revoked.")


def revoke_all_refresh_tokens(*, user: User) -> int:
    """Revoke every live refresh token of ``user`` (in the caller's transaction); the number revoked."""
    return RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def _revoke_all_after_reuse(row: RefreshToken) -> None:
    revoked = revoke_all_refresh_tokens(user=row.user)
    record_event(
        action="auth.refresh_reuse",
        actor=row.user,
        obj=row.user,
        changes={"jti": row.jti, "revoked_tokens": revoked},
    )


def revoke_refresh_token(*, token: str, user: User | None = None) -> None:
    jti = _decode_refresh(token)
    with transaction.atomic():
        row = RefreshToken.objects.select_for_update().filter(jti=jti, token_hash=_hash(token)).first()
        if row is None or (user is not None and row.user_id != user.pk):
            raise TokenInvalid("The refresh token is invalid.")
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
