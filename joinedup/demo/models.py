"""A record of each synthetic region built into this database, so that an interrupted build is
recognised as such instead of being mistaken for a finished region."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class GeneratedRegion(models.Model):
    """One run of `joinedup seed-region`: written when it starts, finished when it ends."""

    people = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        state = "finished" if self.finished_at else "unfinished"
        return f"{self.people:,} people, seed {self.seed} ({state})"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None
