"""`joinedup seal-audit [--every SECONDS]`: append new audit events to the hash chain."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from joinedup.audit.services import seal_pending_events


class Command(BaseCommand):
    help = "Seal new audit events into the hash chain; with --every, keep doing so."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="Seconds between runs; run until stopped. Without it, seal once and exit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sealed = seal_pending_events()
            if options["verbosity"] > 1 or not options["every"]:
                self.stdout.write(f"Sealed {sealed:,} audit event(s).")
            if not options["every"]:
                return
            time.sleep(options["every"])
