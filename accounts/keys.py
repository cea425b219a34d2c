"""API keys: ``inv_<prefix>_<secret>``, 32 random bytes of secret, stored as HMAC-SHA256 under a versioned pepper.

The pepper lives in settings (``API_KEY_PEPPERS``: version -> secret, the highest version signs new keys), never
in the database, so a stolen table holds no usable key and a pepper can be rotated: keys keep verifying under
the version they were made with. The comparison is constant-time; the prefix finds the row with one indexed
lookup, so checking a key costs one query and one HMAC (microseconds: nothing to cache).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings

KEY_PREFIX = "inv"
PREFIX_BYTES = 6  # 12 hex characters
SECRET_BYTES = 32


@dataclass(frozen=True)
class NewKey:
    prefix: str
    secret: str
    digest: str
    pepper_version: int

    @property
    def key(self) -> str:
        """The whole key, shown to its owner once and never stored."""
        return f"{KEY_PREFIX}_{self.prefix}_{self.secret}"


def peppers() -> dict[int, bytes]:
    return {int(version): str(value).encode() for version, value in settings.API_KEY_PEPPERS.items()}


def current_pepper_version() -> int:
    return max(peppers())


def digest(secret: str, version: int) -> str:
    return hmac.new(peppers()[version], secret.encode(), hashlib.sha256).hexdigest()


def new_key() -> NewKey:
    version = current_pepper_version()
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return NewKey(
        prefix=secrets.token_hex(PREFIX_BYTES), secret=secret, digest=digest(secret, version), pepper_version=version
    )


def split(key: str) -> tuple[str, str] | None:
    """``(prefix, secret)`` of something shaped like a key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def matches(secret: str, stored_digest: str, version: int) -> bool:
    if version not in peppers():
        return False
    return hmac.compare_digest(digest(secret, version), stored_digest)


def looks_like_key(token: str) -> bool:
    return token.startswith(f"{KEY_PREFIX}_")
