"""`joinedup escalate-referrals [--every SECONDS]`: tell services' managers (and referrers)
about referrals past their response deadline, once each."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from joinedup.referrals.services import escalate_overdue_referrals


class Command(BaseCommand):
    help = (
        "Escalate referrals past their response deadline to the service's manager and the "
        "referrer; with --every, keep doing so."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="Seconds between runs; run until stopped. Without it, escalate once and exit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            escalated = escalate_overdue_referrals()
            if options["verbosity"] > 1 or not options["every"] or escalated:
                self.stdout.write(f"Escalated {escalated:,} overdue referral(s).")
            if not options["every"]:
                return
            time.sleep(options["every"])
