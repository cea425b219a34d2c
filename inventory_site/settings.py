"""Settings for the inventory service, read from the environment (see .env.example)."""

import hashlib
import hmac
import logging
import sys
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from inventory_site.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent

env = Env()  # an empty value means "not set": the default applies (inventory_site/env.py)
# Real environment variables win over the file; DJANGO_ENV_FILE points elsewhere (or at nothing).
Env.read_env(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    # Only DJANGO_DEBUG allows running without a secret; the test settings supply their own key.
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required unless DJANGO_DEBUG is on")
    SECRET_KEY = "insecure-debug-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "corsheaders",
    "csp",
    "axes",
    "django_rq",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "inventory_site",
    "audit",
    "accounts",
    "catalog",
    "integrations",
    "stock",
    "orders",
    "reports",
    "imports",
]

MIDDLEWARE = [
    # First: /healthz and /readyz answer on any Host and without the HTTPS redirect (probes use the container IP).
    "inventory_site.health.HealthCheckMiddleware",
    "inventory_site.middleware.RecentConnectionMiddleware",  # no SELECT 1 on a connection used just now
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The user's chosen language (the picker's cookie), else English; never Accept-Language, never on /api/.
    "inventory_site.language.LanguageMiddleware",
    "inventory_site.middleware.CSPMiddleware",  # django-csp's, built once for the API
    "inventory_site.middleware.ErrorMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "inventory_site.middleware.MessageMiddleware",  # Django's, skipped on the API
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
    # Last, so it sees the outcome of every login view and can turn it into a lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "inventory_site.urls"
WSGI_APPLICATION = "inventory_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# No web request waits for ever on PostgreSQL: every connection of a web process (gunicorn, runserver, the
# test client) gives up waiting for a lock after DB_LOCK_TIMEOUT_MS and on a statement after
# DB_STATEMENT_TIMEOUT_MS, which answers 503 with Retry-After. A manage.py command (the worker, the
# scheduler, migrate, seed_demo, reconcile_stock, ...) serves no waiting user: it gets the DB_JOB_* limits.
DB_LOCK_TIMEOUT_MS = env.int("DB_LOCK_TIMEOUT_MS", default=2000)
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=30000)
DB_JOB_LOCK_TIMEOUT_MS = env.int("DB_JOB_LOCK_TIMEOUT_MS", default=30000)
DB_JOB_STATEMENT_TIMEOUT_MS = env.int("DB_JOB_STATEMENT_TIMEOUT_MS", default=600000)
MANAGE_COMMAND = sys.argv[1] if Path(sys.argv[0]).name == "manage.py" and len(sys.argv) > 1 else ""
WEB_PROCESS = MANAGE_COMMAND in ("", "runserver")
_lock_ms, _statement_ms = (
    (DB_LOCK_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS)
    if WEB_PROCESS
    else (DB_JOB_LOCK_TIMEOUT_MS, DB_JOB_STATEMENT_TIMEOUT_MS)
)
DATABASE_URL = env.str("DATABASE_URL", default="")
DATABASES = {"default": env.db_url_config(DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every write transaction take the write lock up front, so services serialize.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
    # jit=off: PostgreSQL's JIT compiled the low-stock and product-list queries for 60-80 ms each time (bench/
    # reports.py --explain), more than the queries themselves; it pays only on long analytic scans.
    _jit = "on" if env.bool("DB_JIT", default=False) else "off"  # a boolean: nothing else reaches the options
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"-c lock_timeout={_lock_ms} -c statement_timeout={_statement_ms} -c jit={_jit}"
    )
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and jobs ------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
            "KEY_PREFIX": "inventory",
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "inventory"}}

RQ_QUEUE_NAMES = ("high", "default", "low")
RQ_QUEUES = {name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 300} for name in RQ_QUEUE_NAMES}
# Jobs are short database transactions: a worker that does not fork per job (rq's SimpleWorker) is several
# times faster; jobs close stale database connections themselves (inventory_site.jobs). Ours also waits out
# a Redis outage of any length instead of exiting (inventory_site.worker), so the plain rqworker command does.
RQ = {"WORKER_CLASS": "inventory_site.worker.ResilientWorker"}
JOBS_IN_PROCESS = not REDIS_URL
# The JWT's user is cached this long in the shared cache (accounts.user_cache); every change of the user drops
# it. 0 (the embedded default, whose cache is per process): read on every request.
AUTH_USER_CACHE_SECONDS = env.int("AUTH_USER_CACHE_SECONDS", default=60) if REDIS_URL else 0
# The outbox (integrations): committed events are sequenced by the relay and sent to webhooks by the senders,
# RQ jobs with Redis and one background thread each on the embedded default (never the request thread); the
# scheduler's loop sweeps both every OUTBOX_SWEEP_SECONDS. OUTBOX_INLINE (the test settings) runs them in the
# committing thread instead.
OUTBOX_INLINE = False
# On PostgreSQL a single movement runs as one guarded statement (stock/services/guarded.py); off: the ORM
# reference service only (both pass the same tests).
STOCK_GUARDED_STATEMENT = env.bool("STOCK_GUARDED_STATEMENT", default=True)
# The statements of fixed text (the guarded movement, the array INSERTs and UPDATEs of documents: inventory_site/
# bulk.py) are prepared once per connection on PostgreSQL; off (a PgBouncer before 1.21 in transaction mode):
# bound on the server but never prepared.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
# The common case of the hottest API requests answered before Django's request cycle (inventory_site/hotpath.py;
# off: Django answers everything). Handlers are named here: stock is above the plumbing in the import order.
HOT_PATH = env.bool("HOT_PATH", default=True)
HOT_PATHS = {"POST /api/v1/stock/movements": "stock.hotpath.movement"}
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=5)
OUTBOX_LAG = "integrations.feed.outbox_lag"  # shown by /readyz
# In-house readers of the outbox: the relay calls each with the events it stamps, in its transaction (stock is
# above integrations in the import order, so it is named here).
OUTBOX_CONSUMERS = ["stock.alerts.alerts_from_events"]
EVENTS_RETENTION_DAYS = env.int("EVENTS_RETENTION_DAYS", default=30)
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
# integrations and accounts name stock's location functions here (stock is above them in the import order).
LOCATION_SUBTREE = "stock.access.subtree"
ORDER_REQUEUE_AFTER_SECONDS = env.int("ORDER_REQUEUE_AFTER_SECONDS", default=30)
# The scheduler (orders' requeue_orders) also calls each of these every tick, ``sweep(older_than=timedelta) -> int``
# (how many jobs it enqueued again): the recovery of apps that orders may not import.
SCHEDULER_SWEEPS = ["imports.services.requeue_stuck_imports"]

# --- Auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "accounts.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.validators.LettersAndDigitsValidator"},
    {"NAME": "accounts.validators.EmailLocalPartValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)  # one working shift
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
}

# API keys are stored as HMAC-SHA256 under a pepper: "version:secret" pairs, comma separated; the highest
# version signs new keys, older ones keep verifying the keys made with them (rotate by adding a version).
# Default: one pepper derived from DJANGO_SECRET_KEY.
API_KEY_PEPPERS = {
    int(version): secret
    for version, _, secret in (
        item.strip().partition(":") for item in env.list("API_KEY_PEPPERS", default=[]) if item.strip()
    )
} or {1: hmac.new(SECRET_KEY.encode(), b"api-key-pepper-v1", hashlib.sha256).hexdigest()}
API_KEY_LAST_USED_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often per key
# accounts checks a client's location_ids with stock's function, named here (stock is above accounts).
LOCATION_IDS_CHECK = "stock.access.unknown_location_ids"

AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.client_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "inventory_site.client_ip.client_ip"
AXES_VERBOSE = False

# --- API -----------------------------------------------------------------------------------
# Reverse proxies in front of the app: the client IP is the Nth address from the right of X-Forwarded-For
# (inventory_site.client_ip, for throttling, the lockout, audit and login attempts); 0 = the peer address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
REST_FRAMEWORK = {
    # JWT first: a request with no credentials must get 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A Bearer token shaped like a key (inv_...) is an API key; any other is a JWT.
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: every API view declares the scope each method needs (inventory_site.api.permissions).
    "DEFAULT_PERMISSION_CLASSES": ["inventory_site.api.permissions.ScopePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["inventory_site.api.parsers.JSONParser"],  # deep nesting: 400, not 500
    "DEFAULT_PAGINATION_CLASS": "inventory_site.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "inventory_site.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "inventory_site.api.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {"auth": env.str("AUTH_THROTTLE_RATE", default="20/min")},
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Inventory service API",
    "DESCRIPTION": "Stock ledger, catalogue, orders and reports. Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No validator badge: it would send the schema URL to validator.swagger.io (and the CSP refuses it anyway).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Status",
        "LocationKindEnum": "stock.models.LocationKind",
        "DocumentKindEnum": "stock.models.DocumentKind",
        "ReasonEnum": "stock.models.Reason",
        "ClientReasonEnum": "stock.models.CLIENT_REASONS",
        "EventTypeEnum": "integrations.models.EventType",
        "DeliveryStatusEnum": "integrations.models.DeliveryStatus",
        "ScopeEnum": "accounts.models.Scope",
        "ImportKindEnum": "imports.models.ImportKind",
        "ImportStatusEnum": "imports.models.ImportStatus",
        "ImportRowStatusEnum": "imports.models.RowStatus",
        "ImportRowActionEnum": "imports.models.RowAction",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "inventory_site.api.schema.strip_trailing_slashes",
    ],
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = False
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST")
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "idempotency-key")
CORS_EXPOSE_HEADERS = ("location", "retry-after")

# --- Security (DJANGO_HTTPS) -----------------------------------------------------------------
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every response: django-csp (maintained, per-response nonces, per-view additions,
# report-only mode) rather than a middleware of our own. Nothing remote; inline scripts and styles only with
# the per-response nonce (request.csp_nonce: the Swagger UI and ReDoc templates use it). /docs and /redoc add
# what those two need (inventory_site/urls.py): ReDoc's search worker from a blob: URL.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- i18n, static --------------------------------------------------------------------------
# English is the default whatever the browser asks for (inventory_site.language); German is the second language
# (locale/de/LC_MESSAGES/django.po, compiled by `make run`, `make test` and the Docker build).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# The ISO 4217 code shown with every price and total on the pages (inventory_site.templatetags.inventory).
CURRENCY = env.str("CURRENCY", default="EUR").strip().upper()
if not (len(CURRENCY) == 3 and CURRENCY.isascii() and CURRENCY.isalpha()):
    raise ImproperlyConfigured(f"CURRENCY must be an ISO 4217 code such as EUR, not {CURRENCY!r}")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="inventory@localhost")
STOCK_ALERT_EMAILS = env.list("STOCK_ALERT_EMAILS", default=[])

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "inventory_site.logging.JsonFormatter"},
    },
    # On stdout, as the README says (a StreamHandler alone writes to stderr).
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "rq.worker": {"level": "WARNING"},
    },
}
# Python's warnings (a missing static directory, a deprecation) become log records too: JSON on stdout.
logging.captureWarnings(True)
