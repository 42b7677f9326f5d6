"""Settings, read from the environment (and an optional `.env` file) through django-environ.

Every variable is documented in `.env.example`.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "dashboard.accounts",
    "dashboard.teams",
    "dashboard.audit",
    "dashboard.connections",
    "dashboard.connectors",
    "dashboard.browse",
    "dashboard.records",
    "dashboard.snapshots",
]

MIDDLEWARE = [
    "dashboard.core.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dashboard.accounts.middleware.SessionExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.accounts.middleware.HtmxSignInRedirectMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.teams.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the task worker write to one SQLite file: wait for each other's
    # locks, take the write lock when a transaction starts, and let readers read meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )

if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="vd"),
        }
    }
else:
    CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
    # Rate budgets keep about 63 small keys per vendor account: leave room for them.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 20_000)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# WhiteNoise serves static files itself; while developing it reads them from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Hashed, compressed file names in production (collectstatic); plain files while developing.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One JSON object per line (LOG_FORMAT=json, the default) or readable text (LOG_FORMAT=text);
# the redaction filter runs on every record, so secrets and credential headers never reach a log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "dashboard.core.observability.RedactingFilter"},
        "request_id": {"()": "dashboard.core.observability.RequestIdFilter"},
    },
    "formatters": {
        "json": {"()": "dashboard.core.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact"],
            "formatter": env.str("LOG_FORMAT", default="json"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # httpx logs every URL at INFO; the engine logs each vendor call itself.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
    },
}

# Security ----------------------------------------------------------------------------------
# Production defaults (DEBUG off): HTTPS only, secure cookies, HSTS. Behind a proxy that
# terminates TLS, set SECURE_PROXY_SSL_HEADER_ENABLED=true (it must strip the header).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
X_FRAME_OPTIONS = "DENY"
# Content Security Policy: only this origin's files, nonces for scripts, nothing inline.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Vendor connections ----------------------------------------------------------------------
# Fernet keys (url-safe base64, 32 bytes), comma separated: the first encrypts, all decrypt.
CREDENTIAL_KEYS = env.list("CREDENTIAL_KEYS", default=[])
# Vendor hosts that resolve to private, loopback or link-local addresses are refused unless
# this is on (the demo and the test suite talk to simulators on 127.0.0.1).
ALLOW_PRIVATE_VENDOR_HOSTS = env.bool("ALLOW_PRIVATE_VENDOR_HOSTS", default=False)
# Outbound fences for every vendor call.
VENDOR_CONNECT_TIMEOUT = env.float("VENDOR_CONNECT_TIMEOUT", default=5.0)
VENDOR_READ_TIMEOUT = env.float("VENDOR_READ_TIMEOUT", default=20.0)
VENDOR_DEADLINE = env.float("VENDOR_DEADLINE", default=30.0)
VENDOR_MAX_RESPONSE_BYTES = env.int("VENDOR_MAX_RESPONSE_BYTES", default=20 * 1024 * 1024)
# A call that would exceed a vendor's rate budget waits this long at most, then fails fast.
VENDOR_RATE_LIMIT_MAX_WAIT = env.float("VENDOR_RATE_LIMIT_MAX_WAIT", default=2.0)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Accounts and teams ------------------------------------------------------------------------
# django-axes checks for a lockout first; ModelBackend then checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in lockout: after AXES_FAILURE_LIMIT failed sign-ins for one address from one client
# IP, that pair is refused until AXES_COOLOFF_MINUTES pass without a new failure. Locking the
# pair (not the address alone) keeps others from locking a person out from elsewhere.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The sign-in form's field (and the key Django's authenticate() reports failures under).
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "dashboard.accounts.views.locked_out"
# The client IP comes from dashboard.accounts.client_ip: REMOTE_ADDR, or with
# TRUSTED_PROXY_COUNT reverse proxies in front, the address the outermost one saw.
AXES_CLIENT_IP_CALLABLE = "dashboard.accounts.client_ip.client_ip"
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request and, whatever the
# activity, SESSION_ABSOLUTE_TIMEOUT seconds after sign-in.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 3600)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=7 * 24 * 3600)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT

# Days an invitation link stays usable.
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)


def _mailer(url: str, *, timeout: int) -> dict[str, Any]:
    """A MAILERS entry from an e-mail URL: smtp://, smtp+tls://, smtps://, consolemail://."""
    config = environ.Env.email_url_config(url)
    if config["EMAIL_BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
        return {"BACKEND": config["EMAIL_BACKEND"]}
    return {
        "BACKEND": config["EMAIL_BACKEND"],
        "OPTIONS": {
            "host": config["EMAIL_HOST"],
            "port": config["EMAIL_PORT"],
            "username": config["EMAIL_HOST_USER"] or "",
            "password": config["EMAIL_HOST_PASSWORD"] or "",
            "use_tls": config.get("EMAIL_USE_TLS", False),
            "use_ssl": config.get("EMAIL_USE_SSL", False),
            "timeout": timeout,
        },
    }


# E-mail (invitations, password reset). EMAIL_URL, e.g. smtp+tls://user:password@host:587;
# without it the console (DEBUG) or an SMTP server on localhost:25.
MAILERS = {
    "default": _mailer(
        env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"),
        timeout=env.int("EMAIL_TIMEOUT", default=10),
    )
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Vendor dashboard <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Browsing ----------------------------------------------------------------------------------
# Seconds a fetched table page is served from the cache before the vendor is asked again
# (the refresh button always asks). 0 asks every time.
BROWSE_CACHE_TTL = env.int("BROWSE_CACHE_TTL", default=30)
# Seconds a fetched page is kept to show, marked with its age, when the vendor fails.
BROWSE_STALE_TTL = env.int("BROWSE_STALE_TTL", default=900)
# Warn when this share of a vendor's rate budget, or less, is left (0.1: 10%).
BROWSE_LOW_BUDGET_RATIO = env.float("BROWSE_LOW_BUDGET_RATIO", default=0.1)

# Background tasks ----------------------------------------------------------------------------
# Django's Tasks framework with the database backend: tasks are rows in the database and
# `manage.py db_worker` runs them (`make run` starts one; see README "Run in production").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Snapshots and exports -----------------------------------------------------------------------
# Most records one snapshot may hold; a larger collection stops the snapshot with a message.
SNAPSHOT_MAX_RECORDS = env.int("SNAPSHOT_MAX_RECORDS", default=200_000)
# Minutes a snapshot serves its table before the table falls back to live pages, for new
# connections (each connection has its own setting).
SNAPSHOT_MAX_AGE_MINUTES = env.int("SNAPSHOT_MAX_AGE_MINUTES", default=60)
# Seconds without a sign of life after which a running snapshot's worker counts as gone: the
# snapshot is resumed from its last stored page, at most SNAPSHOT_MAX_RESUMES times, then
# marked failed.
SNAPSHOT_HEARTBEAT_TIMEOUT = env.int("SNAPSHOT_HEARTBEAT_TIMEOUT", default=300)
SNAPSHOT_MAX_RESUMES = env.int("SNAPSHOT_MAX_RESUMES", default=3)
# Longest wait for the shared rate budget during a snapshot or a live export, per request.
SNAPSHOT_RATE_LIMIT_MAX_WAIT = env.float("SNAPSHOT_RATE_LIMIT_MAX_WAIT", default=120.0)
# A live export (streamed by a web worker) waits at most this long for the rate budget at a
# time, and is refused beyond EXPORT_LIVE_MAX_RECORDS records: larger ones come from a
# snapshot or `manage.py export`.
EXPORT_RATE_LIMIT_MAX_WAIT = env.float("EXPORT_RATE_LIMIT_MAX_WAIT", default=20.0)
EXPORT_LIVE_MAX_RECORDS = env.int("EXPORT_LIVE_MAX_RECORDS", default=10_000)
