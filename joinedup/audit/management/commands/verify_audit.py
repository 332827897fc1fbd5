"""`joinedup verify-audit [--anchor ANCHOR]`: check the whole audit hash chain. Exits non-zero,
naming the first bad event, if any sealed event was changed, removed or reordered, or (with an
anchor from `joinedup anchor-audit`) if events were cut off the end."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.audit.chain import Head, verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain from the first event to the last."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--anchor", help="A head printed earlier by `joinedup anchor-audit`.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchor = Head.from_anchor(options["anchor"]) if options["anchor"] else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        verdict = verify_chain(anchor=anchor)
        if not verdict.ok:
            raise CommandError(f"The audit trail fails its check: {verdict.problem}")
        self.stdout.write(
            self.style.SUCCESS(
                f"The audit trail is intact: {verdict.checked:,} sealed event(s) checked"
                + (", up to and including the anchor" if anchor else "")
                + f"; {verdict.unsealed:,} newer event(s) not sealed yet."
            )
        )
