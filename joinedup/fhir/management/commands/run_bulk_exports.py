"""`joinedup run-bulk-exports`: run the FHIR bulk exports still waiting (their background
thread died with the server, or never started), start again any stuck "running" for over an
hour, and forget exports that finished over a week ago. Run it from cron every few minutes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from joinedup.fhir.bulk import KEEP_FOR, STUCK_AFTER, forget_old_exports, run_waiting_exports


class Command(BaseCommand):
    help = (
        "Run waiting FHIR bulk exports ($export), restart stuck ones and delete the files of "
        "exports finished long ago."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stuck-after-minutes",
            type=int,
            default=int(STUCK_AFTER.total_seconds() // 60),
            help="Start again an export that has been running for longer than this.",
        )
        parser.add_argument(
            "--keep-days",
            type=int,
            default=KEEP_FOR.days,
            help="Delete the files of exports that finished longer ago than this.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        finished = run_waiting_exports(
            stuck_after=timedelta(minutes=options["stuck_after_minutes"])
        )
        for job in finished:
            self.stdout.write(f"Export {job.pk} for {job.requested_by}: {job.get_status_display()}")
        forgotten = forget_old_exports(kept_for=timedelta(days=options["keep_days"]))
        self.stdout.write(
            f"Ran {len(finished)} waiting export(s); deleted {forgotten} old export(s)."
        )
