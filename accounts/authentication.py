"""The DRF authentications: API keys (``Authorization: Bearer inv_<prefix>_<secret>``) and JWT beside them."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework_simplejwt import authentication as simplejwt
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import aware_utcnow

from accounts import clients, keys, user_cache
from audit.context import acting_with_key


class ApiKeyAuthentication(BaseAuthentication):
    """A Bearer token shaped like a key is checked here (a bad one is a 401 ``token_invalid``); any other Bearer
    token is left to the JWT authentication. The request acts as the key's client: ``request.user`` is the
    client's principal, ``request.auth`` the key, and audit rows name the client and the key."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        token = parts[1].decode("latin-1")
        if not keys.looks_like_key(token):
            return None
        key = clients.authenticate_key(token)
        acting_with_key(api_client_id=key.client_id, api_key_id=key.pk)
        return key.client.user, key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


_VERIFIED: dict[bytes, object] = {}
_VERIFIED_MAX = 4096  # about 1 KB each


class JWTAuthentication(simplejwt.JWTAuthentication):
    """simplejwt's, with the user from ``accounts.user_cache`` when it is there (no query per request), and
    each access token's signature checked once per process: PyJWT's decode (base64, JSON, HMAC) cost about
    0.4 ms of every request. A token seen before is the same bytes, so the same signature; its expiry is
    checked again on every request."""

    def get_validated_token(self, raw_token):
        token = _VERIFIED.get(raw_token)
        if token is not None:
            try:
                token.check_exp(current_time=aware_utcnow())
                return token
            except TokenError:
                _VERIFIED.pop(raw_token, None)
        token = super().get_validated_token(raw_token)
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[raw_token] = token
        return token

    def get_user(self, validated_token):
        user_id = validated_token.get(jwt_settings.USER_ID_CLAIM)
        user = user_cache.get(user_id) if user_id is not None else None
        if user is not None and user.is_active:
            return user
        user = super().get_user(validated_token)
        user_cache.put(user)
        return user


def access_token_user_id(header: str) -> int | None:
    """The user id in a valid JWT access token of an ``Authorization`` header (``Bearer <token>``), from the
    token alone: its signature (checked once per process, as above), its type and its expiry, never the user's
    row. For a caller that checks the row itself in its own statement (stock/hotpath.py); None for anything
    else: no header, another scheme, an API key, a bad, expired or refresh token."""
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw or keys.looks_like_key(raw):
        return None
    try:
        token = JWTAuthentication().get_validated_token(raw.encode("latin-1"))
        return int(token[jwt_settings.USER_ID_CLAIM])
    except (InvalidToken, TokenError, KeyError, TypeError, ValueError, UnicodeEncodeError):
        return None
