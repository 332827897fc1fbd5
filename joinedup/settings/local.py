"""Local development and the demo: embedded SQLite, console e-mail, DEBUG on."""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "local-demo-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from joinedup.settings.base import *  # noqa: F403

JOINEDUP_DEMO_ALLOWED = True
