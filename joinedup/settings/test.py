"""The test suite: SQLite by default, PostgreSQL when DATABASE_URL points at one."""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from joinedup.settings.base import *  # noqa: F403

# Fast hashing in tests only: argon2 at production cost would dominate the suite.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
JOINEDUP_DEMO_ALLOWED = True
# Serve static files straight from the app and node_modules folders: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # On PostgreSQL the audit tables refuse UPDATE, DELETE and TRUNCATE (audit migration 0003),
    # but pytest-django empties the database with TRUNCATE after each live-server test. The
    # triggers let a session through when joinedup.audit_maintenance is on, so only the test
    # suite's connections set it; production and local settings never do. The audit tests
    # turn it off again (SET LOCAL) to show the refusals.
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _db_options["options"] = " ".join(
        part
        for part in (_db_options.get("options", ""), "-c joinedup.audit_maintenance=on")
        if part
    )
