"""One settings module, driven by environment variables.

With no environment at all the project runs as a single process: SQLite in the project
directory, Celery tasks run eagerly on commit, a development key-encryption key generated into
a git-ignored file, DEBUG on for localhost only. With DATABASE_URL (PostgreSQL) and
CELERY_BROKER_URL (Redis) it takes the production shape; DJANGO_SECRET_KEY marks production.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
PRODUCTION = bool(SECRET_KEY)
if not PRODUCTION:
    # Development only: a fixed, obviously non-secret key; production refuses to start without one.
    SECRET_KEY = "development-only-not-secret-" + "x" * 40

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "passports",
    "lifecycle",
    "recycling",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "passports.middleware.RejectNulCharactersMiddleware",
    # Before the body is read: a CORS preflight is answered without touching anything else.
    "passports.cors.PublicReadCorsMiddleware",
    # Before anything that reads the body, so the API's own size limit is the one applied.
    "passports.middleware.ApiBodyLimitMiddleware",
    # Hash tiles and anonymous proofs: public, the same for everyone; nothing below adds to them.
    "lifecycle.middleware.LogReadMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "settings.urls"
WSGI_APPLICATION = "settings.wsgi.application"
AUTH_USER_MODEL = "passports.User"
# django-axes first: it refuses a locked-out username or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
# The resolver answers browsers with this view; it receives the passport already filtered to
# the reader's tier.
PASSPORT_PAGE_VIEW = "web.passport_page.passport_page"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent requests on the embedded default wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The interface follows the browser's language, and the switch in the page header overrides it.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# In development WhiteNoise serves straight from the apps' static folders, no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "web.storage.ManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Integrity -------------------------------------------------------------------------------
# Base of every GS1 Digital Link URI we print into QR codes; the resolver answers under it.
RESOLVER_BASE_URL = env("RESOLVER_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# 32-byte AES-256-GCM key (base64) that encrypts organisations' private signing keys at rest.
KEY_ENCRYPTION_KEY = env("KEY_ENCRYPTION_KEY", default="")
DEV_KEY_ENCRYPTION_KEY_FILE = BASE_DIR / ".dev-key-encryption-key"

# The transparency log's name (the checkpoint origin line) and how often checkpoints are signed.
LOG_ORIGIN = env("LOG_ORIGIN", default=RESOLVER_BASE_URL.split("://", 1)[-1] + "/log")
CHECKPOINT_INTERVAL_SECONDS = env.int("CHECKPOINT_INTERVAL_SECONDS", default=5)
# The log as C2SP tlog-tiles files (/tile/..., /checkpoint). Any Django storage backend works;
# for a bucket, django-storages' S3 backend with its OPTIONS (README "Log tiles").
LOG_TILE_ROOT = Path(env("LOG_TILE_ROOT", default=str(BASE_DIR / "var" / "log-tiles")))
_TILE_BACKEND = env("LOG_TILE_STORAGE_BACKEND", default="")
LOG_TILE_STORAGE = (
    {"BACKEND": _TILE_BACKEND, "OPTIONS": env.json("LOG_TILE_STORAGE_OPTIONS", default={})}
    if _TILE_BACKEND
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(LOG_TILE_ROOT), "allow_overwrite": True},
    }
)
# True where `manage.py run_sequencer` runs: writes then wake it (NOTIFY on PostgreSQL) instead
# of queueing a Celery integration.
LOG_SEQUENCER = env.bool("LOG_SEQUENCER", default=False)

# Statistical disclosure control: a non-regulator sees no inventory cell, statistic or forecast
# describing fewer products, or products of fewer manufacturers, than these
# (recycling/disclosure.py).
DISCLOSURE_MIN_PRODUCTS = env.int("DISCLOSURE_MIN_PRODUCTS", default=10)
DISCLOSURE_MIN_MANUFACTURERS = env.int("DISCLOSURE_MIN_MANUFACTURERS", default=3)
# A statistic resting on fewer products, behind its numerator or its denominator, is flagged
# low-confidence (and greyed on the dashboard): a sample-size rule, not a disclosure one.
STATISTIC_MIN_PRODUCTS = env.int("STATISTIC_MIN_PRODUCTS", default=10)

# Countries whose share of each element's declared origin the supply figures report when a
# request names none (ISO 3166-1 alpha-2, comma-separated); empty: no watch list.
SUPPLY_WATCH_COUNTRIES = env.list("SUPPLY_WATCH_COUNTRIES", default=[])

# Two organisations opening the same passport at intake within this many hours, with no handover
# between them, raise a cloned-label alert (recycling/services/alerts.py).
CLONE_SCAN_WINDOW_HOURS = env.int("CLONE_SCAN_WINDOW_HOURS", default=24)

# How far outputs may exceed inputs (weighing and assay uncertainty) before a batch is refused.
MASS_BALANCE_TOLERANCE = Decimal(env("MASS_BALANCE_TOLERANCE", default="0.005"))

# Largest request body the API parses; larger bodies get 413 before any parsing.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=8 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
BULK_MAX_ITEMS = 1000
# How long a process trusts a token it already checked (passports/api/auth.py); 0: never.
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=10)

# --- EU registry -----------------------------------------------------------------------------
# Where uploads of passports placed on the market are POSTed (passports/registry/). Empty: delivery
# is off; outbox rows are still written and wait, shown as pending to their operator.
REGISTRY_URL = env("REGISTRY_URL", default="")
# Bearer credential the registry issued to this instance.
REGISTRY_TOKEN = env("REGISTRY_TOKEN", default="")
REGISTRY_TIMEOUT_SECONDS = env.float("REGISTRY_TIMEOUT_SECONDS", default=10.0)
# After a failed upload: wait about base * 2^(failures - 1) seconds, jittered, never above the cap.
REGISTRY_RETRY_BASE_SECONDS = env.float("REGISTRY_RETRY_BASE_SECONDS", default=30.0)
REGISTRY_RETRY_MAX_SECONDS = env.float("REGISTRY_RETRY_MAX_SECONDS", default=1800.0)

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "passports.api.auth.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["passports.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "passports.api.pagination.Pagination",
    # Per address, token, organisation and expensive endpoint, in two round trips to the cache.
    "DEFAULT_THROTTLE_CLASSES": ["passports.api.throttling.CallerThrottle"],
    # How many proxies in front set X-Forwarded-For; 0 trusts only the connection's address.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "passports.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # `format` is an ordinary query parameter here (audit reports, checkpoints), not a renderer.
    "URL_FORMAT_OVERRIDE": None,
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=10),
    "AUTH_HEADER_PREFIX": "Token",
}
# Knox's own token model, named so that our ApiToken can point at it as a swappable model.
KNOX_TOKEN_MODEL = "knox.AuthToken"
SPECTACULAR_SETTINGS = {
    "TITLE": "Metal passport API",
    "DESCRIPTION": "Signed, hash-chained product passports for batteries, PV modules and "
    "permanent magnets, with end-of-life traceability.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Single and batched events share their type choices; named, they stay one enum each.
    "ENUM_NAME_OVERRIDES": {
        "PostableEventTypeEnum": "lifecycle.payloads.POSTABLE_TYPES",
        "EventTypeEnum": "lifecycle.models.EventType",
    },
}

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Celery's Django support closes the database connection before and after every task unless
# told to reuse it for this many: a new PostgreSQL backend per task cost the log worker more
# than its task. The worker instead closes a connection as Django does between requests, once
# it is older than CONN_MAX_AGE or has failed (settings/celery.py).
CELERY_DB_REUSE_MAX = 1000
# A static schedule: the sweepers that make lost messages harmless.
CELERY_BEAT_SCHEDULE: dict = {
    "publish-checkpoint": {
        "task": "lifecycle.tasks.publish_checkpoint",
        "schedule": float(CHECKPOINT_INTERVAL_SECONDS),
    },
    # Integration reads the queue of pending events (cheap at any size); this hourly run
    # searches every event for one without a leaf, the safety net should one ever be unqueued.
    "integrate-stragglers": {
        "task": "lifecycle.tasks.integrate_stragglers",
        "schedule": 3600.0,
    },
    # Uploads to the EU registry whose retry time has come, and any a lost message missed.
    "sweep-registry-deliveries": {
        "task": "passports.registry.tasks.sweep_registrations",
        "schedule": env.float("REGISTRY_SWEEP_SECONDS", default=60.0),
    },
    "refresh-aggregates": {
        "task": "recycling.tasks.refresh_aggregates",
        "schedule": env.float("AGGREGATE_SWEEP_SECONDS", default=15.0),
    },
}

# --- Cache, rate limits, page sizes, sign-in lockout -----------------------------------------
# Redis when one is configured (REDIS_URL, else CACHE_URL, else a redis:// Celery broker), so
# every web process shares one set of rate-limit counters; local memory on the embedded default.
CACHE_REDIS_URL = env("REDIS_URL", default="") or env("CACHE_URL", default="")
if not CACHE_REDIS_URL and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CACHE_REDIS_URL = CELERY_BROKER_URL
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": "metalpass",
    }
    if CACHE_REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
# Public resolver answers (passports.scan_cache): the same Redis under its own prefix, or a local
# memory large enough for the passports one embedded process serves.
CACHES["scans"] = (
    {**CACHES["default"], "KEY_PREFIX": "metalpass-scans"}
    if CACHE_REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "scans",
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
)
# Set to the deployed release to retire cached answers per release; empty: a digest of the code.
SCAN_CACHE_VERSION = env("SCAN_CACHE_VERSION", default="")


def _rate(scope: str, default: str) -> str | None:
    """API_THROTTLE_<SCOPE> as "<n>/<s|min|hour|day>"; "off" (or empty) lifts the limit."""
    value = env(f"API_THROTTLE_{scope.upper()}", default=default).strip()
    return None if value.lower() in ("", "off", "none") else value


# Requests per caller; past one, 429 with Retry-After. Generous for people and the demo, tight
# enough that one token cannot monopolise the expensive endpoints.
API_THROTTLE_RATES = {
    "anon": _rate("anon", "300/min"),
    "token": _rate("token", "1200/min"),
    "organisation": _rate("organisation", "3000/min"),
    "bulk": _rate("bulk", "60/min"),
    "statistics": _rate("statistics", "60/min"),
    "inventory": _rate("inventory", "60/min"),
    "audit": _rate("audit", "10/min"),
    "proofs": _rate("proofs", "600/min"),
    "forecasts": _rate("forecasts", "60/min"),
    # Resolver scans (/01/..., /p/...) without a session or a token, per address.
    "scan": _rate("scan", "300/min"),
}
# List endpoints answer `limit` items from `offset`; no page is larger than the maximum.
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=200)

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failures for a username, or from an
# address, sign-in is refused for that one until the cool-off has passed.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "passports.api.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "web.lockout.lockout_response"

# --- Security --------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
