"""Where the harness finds things, and how it names the databases and files it makes."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
SEED = 2026
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


@dataclass(frozen=True)
class Scale:
    label: str  # 1k, 100k, 1m
    people: int

    @property
    def database(self) -> str:
        return f"joinedup_bench_{self.label}"

    @property
    def url(self) -> str:
        return f"{PG_URL}/{self.database}"


SCALES = (Scale("1k", 1_000), Scale("100k", 100_000), Scale("1m", 1_000_000))
QUICK_SCALES = ("1k", "100k")

# A fresh key for each run: production settings insist on one of at least 50 characters.
_SECRET = "bench-" + secrets.token_urlsafe(48)


def django_env(database_url: str, *, audit: bool = True) -> dict[str, str]:
    """The environment for anything that runs joinedup against a benchmark database."""
    static = VAR / "app" / "static"  # whitenoise warns about a missing folder; nothing is served
    static.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="joinedup.settings.bench",
        DATABASE_URL=database_url,
        SECRET_KEY=_SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        BENCH_AUDIT="true" if audit else "false",
        LOG_LEVEL="WARNING",
        JOINEDUP_VAR_DIR=str(VAR / "app"),
        STATIC_ROOT=str(static),
        # Notifications still go through the mail layer, but to nowhere: there is no mail
        # server on the benchmark machine, and its latency is not joinedup's.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    return env


def tool(name: str) -> str:
    """The full path of a program the harness runs (PostgreSQL's client tools, wrk)."""
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"The benchmark needs {name}, which is not installed.")
    return found
