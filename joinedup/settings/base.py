"""Settings shared by every environment. Values that differ between machines come from the
environment (see README "Configuration"); nothing secret is written here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from joinedup.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("JOINEDUP_VAR_DIR", str(BASE_DIR / "var")))
# Files written by FHIR bulk exports (`GET /fhir/R4/$export`): person data, so never in the repo.
FHIR_EXPORT_DIR = Path(env_str("FHIR_EXPORT_DIR", str(VAR_DIR / "fhir-exports")))

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "joinedup.core",
    "joinedup.accounts",
    "joinedup.directory",
    "joinedup.people",
    "joinedup.careteams",
    "joinedup.records",
    "joinedup.careplans",
    "joinedup.referrals",
    "joinedup.notifications",
    "joinedup.handovers",
    "joinedup.sharing",
    "joinedup.audit",
    "joinedup.api",
    "joinedup.fhir",
    "joinedup.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "joinedup.accounts.middleware.SessionLifetimeMiddleware",
    "joinedup.accounts.middleware.StaffSignInRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "joinedup.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "joinedup.urls"
WSGI_APPLICATION = "joinedup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "joinedup" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "joinedup.core.jinja.environment", "autoescape": True},
    },
    {
        # The Django admin (IT administrators only) still uses Django templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'joinedup.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _DEFAULT_DATABASE_URL),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; synchronous FULL means an acknowledged write
    # survives a crash; IMMEDIATE transactions avoid upgrade deadlocks between writers.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "core:home"

# Sessions: an idle timeout and an absolute lifetime, both enforced by SessionLifetimeMiddleware.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A session ends after JOINEDUP_SESSION_IDLE_SECONDS without a request or the absolute lifetime
# after sign-in, whichever comes first (accounts.middleware enforces both and says which). The
# stored session lives as long as the absolute lifetime so that the middleware, not the session
# store, ends an idle session and can tell the user why. The cookie ends with the browser.
JOINEDUP_SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60, minimum=60)
# Saved when it changes: the last-seen time moves on at most once a minute (accounts.middleware).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
JOINEDUP_SESSION_ABSOLUTE_SECONDS = env_int(
    "SESSION_ABSOLUTE_LIFETIME_SECONDS", default=12 * 60 * 60, minimum=60
)
SESSION_COOKIE_AGE = max(JOINEDUP_SESSION_ABSOLUTE_SECONDS, JOINEDUP_SESSION_IDLE_SECONDS)
JOINEDUP_SIGN_IN_MAX_FAILURES = env_int("SIGN_IN_MAX_FAILURES", default=5, minimum=1)
JOINEDUP_SIGN_IN_LOCKOUT_SECONDS = env_int("SIGN_IN_LOCKOUT_SECONDS", default=15 * 60, minimum=1)
JOINEDUP_TOTP_ISSUER = env_str("TOTP_ISSUER", "joinedup")
# How long emergency (break-glass) access lasts before the record closes again.
JOINEDUP_BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", default=60, minimum=5)
# Days that do not count towards a routine referral's response deadline, besides weekends:
# comma-separated ISO dates (England and Wales bank holidays, for example).
try:
    JOINEDUP_BANK_HOLIDAYS = sorted(
        date.fromisoformat(day.strip())
        for day in env_str("BANK_HOLIDAYS", "").split(",")
        if day.strip()
    )
except ValueError as error:
    raise ImproperlyConfigured(f"BANK_HOLIDAYS must be dates like 2026-12-25: {error}") from None

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
NHSUK_FRONTEND_DIR = BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
# Always listed, so Django's checks complain loudly if the NHS.UK assets were not installed.
STATICFILES_DIRS = [("nhsuk", NHSUK_FRONTEND_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "joinedup <no-reply@joinedup.invalid>")

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
LOGIN_URL_PATH = "/sign-in/"
