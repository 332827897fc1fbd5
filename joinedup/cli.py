"""The `joinedup` console command: this project's manage.py.

Production settings are the default, so a server started without configuration fails loudly
instead of running with demo settings. Set DJANGO_SETTINGS_MODULE=joinedup.settings.local for
development (the Makefile does this for `make demo`)."""

from __future__ import annotations

import os
import sys

HYPHENATED = frozenset(
    {
        "seed-region",
        "demo-accounts",
        "create-api-token",
        "seal-audit",
        "verify-audit",
        "anchor-audit",
        "forget-idempotency-keys",
        "escalate-referrals",
        "export-fhir",
        "import-fhir",
        "run-bulk-exports",
    }
)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings.production")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and argv[1] in HYPHENATED:
        # `joinedup seed-region` reads better than seed_region; Django names commands by module.
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
