"""Benchmarks (`make bench`): production settings on loopback, plus the bare-Django ceiling.

Everything production checks still holds (DEBUG off, SECRET_KEY, ALLOWED_HOSTS and
DATABASE_URL from the environment); the harness (bench/) sets them. Two differences, both for
measuring only, and neither reachable from production settings:
- the routes add /api/bench/row/<id>, a bare Django view reading one row by primary key
  (joinedup/bench_urls.py), the ceiling our audited reads are compared with;
- BENCH_AUDIT=false stops audit events being written, to measure what audit writing costs.
  Production never turns the audit trail off: the setting does not exist there."""

from __future__ import annotations

from joinedup.settings.env import env_bool
from joinedup.settings.production import *  # noqa: F403

ROOT_URLCONF = "joinedup.bench_urls"
# Loopback HTTP: the harness speaks to gunicorn directly, with no TLS proxy in front.
SECURE_SSL_REDIRECT = False
JOINEDUP_AUDIT_ENABLED = env_bool("BENCH_AUDIT", default=True)
