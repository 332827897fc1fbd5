"""`joinedup seed-region --people N --seed S`: build the synthetic region (see demo/region.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.demo.region import build_region, finished_region, region_exists


class Command(BaseCommand):
    help = "Build a deterministic synthetic region of N people into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people", type=int, default=300, help="How many people (at least 20)."
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="The same seed builds the same region."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if a region is already there."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if region_exists():
            if finished_region() is None:
                raise CommandError(
                    "A region was started in this database but never finished (the build was "
                    "interrupted). Start again with an empty database: for the demo, delete "
                    "var/joinedup.sqlite3 and the -wal and -shm files beside it."
                )
            if options["if_empty"]:
                self.stdout.write("A region is already there; leaving it as it is.")
                return
            raise CommandError("The database already holds a region. Use an empty database.")
        if options["people"] < 20:
            raise CommandError("--people must be at least 20.")
        stats = build_region(
            people=options["people"],
            seed=options["seed"],
            progress=lambda message: self.stdout.write(f"  {message}"),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Built a region of {stats.people:,} people, {stats.organisations:,} organisations, "
                f"{stats.practitioners:,} practitioners, {stats.relationships:,} relationships and "
                f"{stats.care_team_members:,} care team members in {stats.seconds:.1f} s."
            )
        )
