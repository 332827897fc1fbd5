"""`joinedup anchor-audit`: print the chain's head (count and last digest) to keep elsewhere,
for example in another organisation's records, so that a cut tail can be detected later."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from joinedup.audit.chain import current_head


class Command(BaseCommand):
    help = "Print the audit chain's head, to keep somewhere else and check with verify-audit."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(current_head().anchor())
