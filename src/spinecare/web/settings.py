"""Django settings for SpineCare, read from environment variables.

``SPINECARE_ENV`` picks the mode: ``development`` (default), ``production`` or ``test``.
Required values fail fast at start-up with a hint (``get_env_var``); nothing insecure is a
default: production has no secret key and no allowed hosts unless they are given.
The README lists every variable.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from spinecare.web.env import (
    get_env_bool,
    get_env_int,
    get_env_list,
    get_env_var,
    read_or_create_secret_key,
)

WEB_DIR = Path(__file__).resolve().parent

# ---------------------------------------------------------------- mode
SPINECARE_ENV = get_env_var("SPINECARE_ENV", "development")
if SPINECARE_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"SPINECARE_ENV={SPINECARE_ENV!r} is not one of development, production, test."
    )
PRODUCTION = SPINECARE_ENV == "production"
DEBUG = SPINECARE_ENV == "development"

# ---------------------------------------------------------------- data directory
DATA_DIR = Path(get_env_var("SPINECARE_DATA_DIR", "var")).expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# ---------------------------------------------------------------- secret key and hosts
if PRODUCTION:
    SECRET_KEY = get_env_var(
        "SPINECARE_SECRET_KEY",
        hint="Production needs a long random key, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
    )
    ALLOWED_HOSTS = get_env_list(
        "SPINECARE_ALLOWED_HOSTS",
        hint="Give the host names SpineCare is served under, comma-separated, "
        "e.g. spinecare.example-clinic.org.",
    )
elif SPINECARE_ENV == "test":
    SECRET_KEY = get_env_var("SPINECARE_SECRET_KEY", None) or secrets.token_urlsafe(50)
    ALLOWED_HOSTS = get_env_list(
        "SPINECARE_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "testserver"]
    )
else:
    SECRET_KEY = get_env_var("SPINECARE_SECRET_KEY", None) or read_or_create_secret_key(
        DATA_DIR / "secret_key"
    )
    ALLOWED_HOSTS = get_env_list("SPINECARE_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

CSRF_TRUSTED_ORIGINS = get_env_list("SPINECARE_CSRF_TRUSTED_ORIGINS", [])

# ---------------------------------------------------------------- applications
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "spinecare.web.apps.SpineCareConfig",
    "spinecare.web.accounts",
    "spinecare.web.clinic",
    "spinecare.web.audit",
    "spinecare.web.patients",
    "spinecare.web.evaluations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "spinecare.web.middleware.NoStoreWhenSignedInMiddleware",  # pages with patient data
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "spinecare.web.urls"
WSGI_APPLICATION = "spinecare.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,  # spinecare/web/templates/ (all SpineCare templates): SpineCareConfig
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "spinecare.web.context_processors.knowledge_base",
            ],
        },
    },
]

# ---------------------------------------------------------------- database
# Development's runserver opens a thread per request, so persistent connections only help in
# production (Django docs, "Persistent connections").
CONN_MAX_AGE = get_env_int("SPINECARE_DB_CONN_MAX_AGE", 60 if PRODUCTION else 0)
_database_url: str | None
if PRODUCTION:  # PostgreSQL is the production store; SQLite is the embedded default
    _database_url = get_env_var(
        "DATABASE_URL",
        hint="Production runs on PostgreSQL, e.g. postgres://spinecare@db.internal:5432/spinecare.",
    )
else:
    _database_url = get_env_var("DATABASE_URL", None)
if _database_url:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url, conn_max_age=CONN_MAX_AGE, conn_health_checks=CONN_MAX_AGE > 0
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "spinecare.sqlite3"),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",  # no "database is locked" on lock upgrades
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- authentication
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if SPINECARE_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only

LOGIN_URL = "clinic:login"
LOGIN_REDIRECT_URL = "clinic:home"
LOGOUT_REDIRECT_URL = "clinic:login"

SESSION_COOKIE_AGE = get_env_int("SPINECARE_SESSION_AGE_SECONDS", 8 * 60 * 60, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# ---------------------------------------------------------------- HTTPS (production)
if PRODUCTION:
    SECURE_SSL_REDIRECT = get_env_bool("SPINECARE_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = get_env_int("SPINECARE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = get_env_bool("SPINECARE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = get_env_bool("SPINECARE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if get_env_bool("SPINECARE_TRUST_X_FORWARDED_PROTO", False):
        # Only behind a proxy that sets (and strips incoming) X-Forwarded-Proto.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# ---------------------------------------------------------------- i18n and time
LANGUAGE_CODE = "en-gb"
TIME_ZONE = get_env_var("SPINECARE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------- static files
# Development: runserver serves them. Production: run `manage.py collectstatic` and serve
# STATIC_ROOT with the web server in front of SpineCare (there is no WhiteNoise).
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# ---------------------------------------------------------------- email
EMAIL_HOST = get_env_var("SPINECARE_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = get_env_int("SPINECARE_EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = get_env_var("SPINECARE_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = get_env_var("SPINECARE_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = get_env_bool("SPINECARE_EMAIL_USE_TLS", True)
elif SPINECARE_ENV == "test":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = get_env_var("SPINECARE_EMAIL_FROM", "spinecare@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------- logging
# Never patient data: SQL (whose parameters are patient data) is not logged below WARNING,
# errors are not mailed (the mail includes POST data), and query strings are cut from the
# development server's access log. Application code logs ids only.
_LOG_LEVEL = get_env_var("SPINECARE_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "drop_query_string": {"()": "spinecare.web.log_filters.DropQueryString"},
    },
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["drop_query_string"],
        },
    },
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": _LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# ---------------------------------------------------------------- knowledge base
_kb_path = get_env_var("SPINECARE_KB_PATH", None)
SPINECARE_KB_PATH: Path | None = Path(_kb_path).expanduser().resolve() if _kb_path else None
