"""`joinedup forget-idempotency-keys`: delete kept API responses older than a day.

Creates that carried an Idempotency-Key keep their first response so that a retry gets the same
answer; after 24 hours a retry is no longer expected. Schedule it daily (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from joinedup.api.idempotency import forget_old_responses


class Command(BaseCommand):
    help = "Delete responses kept for Idempotency-Key retries that are more than a day old."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = forget_old_responses()
        self.stdout.write(f"Forgot {deleted:,} kept response(s) older than a day.")
