"""Settings for the test suite: the project's settings with safe test defaults.

Anything set in the environment (DATABASE_URL, REDIS_URL, ...) still wins, so CI runs the
same suite against PostgreSQL and Redis.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ALLOW_PRIVATE_VENDOR_HOSTS", "true")
os.environ.setdefault("CREDENTIAL_KEYS", "q9wT0s6Vh2m4cT0yfqv4zXK8H1uS3GZ2eV7b5nY0pJk=")
# The suite talks plain HTTP to the test client and to live servers.
for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
    os.environ.setdefault(name, "false")
os.environ.setdefault("LOG_FORMAT", "text")

from dashboard.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No collectstatic in tests: serve the source files with plain names.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tasks run at once, in the caller; the tests that need a real worker switch to the database
# backend (WORKER_TASKS) and start `manage.py db_worker` with TEST_TASKS=worker, which must see
# the test database: a file, then, one per test run so that runs side by side do not meet.
WORKER_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
if os.environ.get("TEST_TASKS") == "worker":
    TASKS = WORKER_TASKS
else:
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"dashboard-test-{os.getpid()}.sqlite3")
    }
