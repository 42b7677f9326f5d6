"""Settings for the test suite: the project's settings with safe test defaults.

Anything set in the environment (DATABASE_URL, REDIS_URL, ...) still wins, so CI runs the
same suite against PostgreSQL and Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ALLOW_PRIVATE_VENDOR_HOSTS", "true")
os.environ.setdefault("CREDENTIAL_KEYS", "q9wT0s6Vh2m4cT0yfqv4zXK8H1uS3GZ2eV7b5nY0pJk=")

from dashboard.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
