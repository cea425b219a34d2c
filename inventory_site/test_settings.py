"""Settings for the test suite: the real settings with a fast hasher and no lockout noise."""

import os

os.environ.setdefault("DJANGO_TESTING", "1")

from inventory_site.settings import *  # noqa: E402,F403

# Argon2 stays first in production; tests that check it override PASSWORD_HASHERS themselves.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
