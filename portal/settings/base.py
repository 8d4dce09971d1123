"""Settings shared by every environment. Everything that varies comes from the environment."""

from pathlib import Path

import dj_database_url

from portal import queues
from portal.lib.env import env, envbool, envint, envlist, envsecret, redis_database, redis_database_number

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env("MB_VAR_DIR", str(BASE_DIR / "var")))

DEVELOPMENT_SECRET_KEY = "development-only-not-a-secret-5b1f0d8e"  # noqa: S105 - refused by production settings
SECRET_KEY = envsecret("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = envbool("DJANGO_DEBUG", False)

# Dealers live at <code>.<base domain>; the bare base domain is the central host (operators' admin, agent API).
PORTAL_BASE_DOMAIN = env("PORTAL_BASE_DOMAIN", "localhost")
PORTAL_SCHEME = env("PORTAL_SCHEME", "http")
PORTAL_PORT = env("PORTAL_PORT", "8000")
PORTAL_CENTRAL_URL = env("PORTAL_CENTRAL_URL", f"{PORTAL_SCHEME}://{PORTAL_BASE_DOMAIN}:{PORTAL_PORT}")
ALLOWED_HOSTS = [PORTAL_BASE_DOMAIN, f".{PORTAL_BASE_DOMAIN}", "127.0.0.1", "[::1]", *envlist("DJANGO_ALLOWED_HOSTS")]

SHARED_APPS = [
    "django_tenants",
    "portal.dealers",
    "portal.accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "anymail",
    "portal",
]
# Each dealer's schema gets its own staff accounts and sessions: a user of dealer B does not exist at dealer A.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "portal.accounts",
    "agents",
    "meters",
    "reports",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "dealers.Dealer"
TENANT_DOMAIN_MODEL = "dealers.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "portal.urls_public"
ROOT_URLCONF = "portal.urls_dealer"
TENANT_LIMIT_SET_CALLS = True
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

# How many reverse proxies of ours stand in front of gunicorn (deploy/portal's nginx: 1). Only that many entries
# of X-Forwarded-For are believed, by Django (portal.security) and DRF's throttles (NUM_PROXIES) alike.
TRUSTED_PROXY_HOPS = envint("TRUSTED_PROXY_HOPS", 0)

MIDDLEWARE = [
    "portal.health.ProbeMiddleware",  # /healthz and /readyz, before the tenant lookup that needs the database
    "portal.security.TrustedProxyMiddleware",
    "portal.middleware.DealerHostMiddleware",
    "portal.lib.locale.DealerLocaleMiddleware",  # dates in the dealer's locale, once the dealer is known
    "agents.agent_api.tenancy.AgentCredentialTenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meterbridge")
# Persistent connections are checked before each request reuses them: after a PostgreSQL restart the first
# request on a stale connection reconnects instead of answering 500.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60), conn_health_checks=True)
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# One English for every dealer's words (British: docs/wording.md); the locale only decides how dates print.
# DEALER_LOCALE is every dealer's until dealers have a locale of their own (portal.lib.locale): en-gb or en-us.
DEALER_LOCALE = env("DEALER_LOCALE", "en-gb").lower()
if DEALER_LOCALE not in {"en-gb", "en-us"}:
    raise ValueError(f"DEALER_LOCALE must be en-gb or en-us, not {DEALER_LOCALE!r}")
LANGUAGE_CODE = DEALER_LOCALE
LANGUAGES = [("en-gb", "English (United Kingdom)"), ("en-us", "English (United States)")]
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
# Shared by every web process: throttles and dashboard caches must agree across gunicorn workers. With Redis
# unreachable the cache is a miss, never a 500 (portal.lib.cache), and throttles fail open.
CACHES = {
    "default": {
        "BACKEND": "portal.lib.cache.DegradingRedisCache",
        # By default the database after the broker's: a cache clear (FLUSHDB) must never take the Celery broker's
        # queues with it, and deployments whose brokers use databases 0 and 2 get caches 1 and 3, not both 1.
        "LOCATION": env("CACHE_URL", redis_database(CELERY_BROKER_URL, redis_database_number(CELERY_BROKER_URL) + 1)),
        # One namespace per deployment (its database name unless set), should two share one CACHE_URL.
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", f"mb:{DATABASES['default']['NAME']}"),
    }
}
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
# One queue per kind of work (portal/queues.py), named after this prefix.
CELERY_QUEUE_PREFIX = env("MB_CELERY_QUEUE", "meterbridge")
CELERY_TASK_DEFAULT_QUEUE = queues.default_queue(CELERY_QUEUE_PREFIX)
CELERY_TASK_ROUTES = queues.task_routes(CELERY_QUEUE_PREFIX)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.accounts.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "portal.lib.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "portal.lib.api_errors.exception_handler",
    # Enrolment takes a key or a dealer's enrolment password from anyone on the Internet: slow guessing down.
    "DEFAULT_THROTTLE_RATES": {"enrolment": env("AGENT_ENROLMENT_RATE", "10/minute")},
    "NUM_PROXIES": TRUSTED_PROXY_HOPS,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Meterbridge API",
    "DESCRIPTION": "Dealer API (/api/v1/, on the dealer's host) and agent API (/agent/v1/, on the central host).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the errors it can answer (400/401/403/404), so clients and schemathesis know them.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.openapi.document_error_responses",
    ],
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Meterbridge <reports@meterbridge.localhost>")
ANYMAIL = {
    "POSTMARK_SERVER_TOKEN": envsecret("POSTMARK_SERVER_TOKEN"),
    "SENDGRID_API_KEY": envsecret("SENDGRID_API_KEY"),
    "MAILGUN_API_KEY": envsecret("MAILGUN_API_KEY"),
    "AMAZON_SES_CLIENT_PARAMS": {},
}

# Agent protocol knobs.
AGENT_POLL_INTERVAL_SECONDS = envint("AGENT_POLL_INTERVAL_SECONDS", 300)
AGENT_LEASE_SECONDS = envint("AGENT_LEASE_SECONDS", 900)
# Long polls (agents.services.wakeups): the longest `wait` held (under nginx's 60 s proxy_read_timeout), how many
# polls one web process holds at once (each holds a thread: deploy/portal/gunicorn.conf.py sizes it from its
# threads; 0 = never hold), and the Redis whose pub/sub carries the wake-ups.
AGENT_LONG_POLL_MAX_WAIT = envint("AGENT_LONG_POLL_MAX_WAIT", 55)
AGENT_LONG_POLL_SLOTS = envint("AGENT_LONG_POLL_SLOTS", 8)
AGENT_WAKEUP_URL = env("AGENT_WAKEUP_URL", REDIS_URL)
# At-least-once interpretation (agents.services.results): the sweep queues a result again when its upload
# could not queue it within the grace, or when it was queued this long ago and is still not interpreted.
RESULT_QUEUE_GRACE_SECONDS = envint("RESULT_QUEUE_GRACE_SECONDS", 60)
RESULT_REQUEUE_SECONDS = envint("RESULT_REQUEUE_SECONDS", 600)
# A read or status result with more devices is interpreted in chunks of this many, by as many worker processes
# as the results queue has (meters/services/result_runs.py).
RESULT_CHUNK_DEVICES = envint("RESULT_CHUNK_DEVICES", 500)
AGENT_MAX_UPLOAD_BYTES = envint("AGENT_MAX_UPLOAD_BYTES", 16 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = AGENT_MAX_UPLOAD_BYTES
# Agent tokens: the portal asks for a new one at this age; a replaced token works this long after the swap.
AGENT_TOKEN_MAX_AGE_DAYS = envint("AGENT_TOKEN_MAX_AGE_DAYS", 90)  # 0: only when a dealer asks
AGENT_TOKEN_GRACE_HOURS = envint("AGENT_TOKEN_GRACE_HOURS", 24)
# Agent self-update (agents/services/agent_releases.py): signed releases, and the Ed25519 key that signs them
# (its public half is built into every agent). Development, tests and the demo create the key on first use;
# production is given one (portal/settings/production.py).
AGENT_RELEASES_DIR = Path(env("AGENT_RELEASES_DIR", str(VAR_DIR / "agent-releases")))
AGENT_SIGNING_KEY_FILE = env("AGENT_SIGNING_KEY_FILE", str(VAR_DIR / "agent-signing-key.pem"))
AGENT_SIGNING_KEY_CREATE = True
# Fernet key(s) for SNMP credentials at rest, newest first (or FIELD_ENCRYPTION_KEYS_FILE, one per line).
# Development and tests fall back to one derived from SECRET_KEY; production refuses to start without them.
FIELD_ENCRYPTION_KEYS = envsecret("FIELD_ENCRYPTION_KEYS").replace(",", " ").split()

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Pages load nothing from other hosts and run no inline script or style (portal.security adds it to HTML).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
