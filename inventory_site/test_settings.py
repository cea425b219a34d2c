"""Settings for the test suite: the real settings with a fixed test-only secret, a fast hasher, plain static
storage and no lockout noise.

This module is the only place a fallback secret key exists: ``inventory_site.settings`` refuses to start
without ``DJANGO_SECRET_KEY`` unless ``DJANGO_DEBUG`` is on, whatever else is set.
"""

import os

# Before the real settings are read, so they find a key; an explicit DJANGO_SECRET_KEY still wins.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-settings-only-key-never-used-outside-the-test-suite-0123456789")

from inventory_site.settings import *  # noqa: E402,F403

# Argon2 stays first in production; tests that check it override PASSWORD_HASHERS themselves.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# No collectstatic before tests: the manifest storage would refuse every page with a static file.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

OUTBOX_INLINE = True  # the relay and the senders run right after a commit, in the test's thread
WEBHOOK_ALLOW_PRIVATE_URLS = True  # tests deliver to a receiver on 127.0.0.1
