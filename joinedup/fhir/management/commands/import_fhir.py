"""`joinedup import-fhir PATH… [--organisation ODS_CODE | --client NAME] [--report FILE]`

Loads FHIR R4 JSON files (one resource, or a Bundle of any type) and NDJSON files, or every
such file under a folder, into joinedup (fhir/importer.py). Prints what loaded by type, what was
skipped and why, and each refused entry with its file, entry or line number and the element at
fault. A re-run loads nothing twice.

With --organisation or --client the import acts as that organisation's system (its client
needs the import scope) and the people it brings in are in the organisation's care. Without,
it is the region loader, for moving a whole region from another system: who is in whose care
comes from the care teams and GP practices in the files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from joinedup.accounts.models import ApiClient, ClientScope
from joinedup.accounts.services import register_api_client
from joinedup.directory.models import Organisation
from joinedup.fhir.importer import KEPT_OUR_OWN_WAY, Importer, ImportReport, files_in
from joinedup.sharing.actors import Actor

IMPORT_LOADER = "fhir import"


class Command(BaseCommand):
    help = "Import FHIR R4 bundles and NDJSON files (or folders of them) into joinedup."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="Files (.json, .ndjson) or folders.")
        who = parser.add_mutually_exclusive_group()
        who.add_argument(
            "--organisation",
            help="ODS code: import as this organisation's system; the people come into its care.",
        )
        who.add_argument(
            "--client", help="Import as this registered system client (it needs the import scope)."
        )
        parser.add_argument("--report", help="Also write the full report, as JSON, to this file.")
        parser.add_argument(
            "--show", type=int, default=20, help="How many refused entries to print (20)."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(raw) for raw in options["paths"]]
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}.")
        actor = self._actor(options)
        files = files_in(paths)
        total = sum(path.stat().st_size for path in files)
        self.stderr.write(f"Importing {len(files):,} files as {actor.label} …")
        importer = Importer(actor)
        console = Console(file=sys.stderr)
        with Progress(
            TextColumn("Importing"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=options["no_progress"] or not console.is_terminal,
        ) as bar:
            task = bar.add_task("import", total=total)
            report = importer.run(paths, progress=lambda done: bar.advance(task, done))
        self._print(report, options["show"])
        if options["report"]:
            Path(options["report"]).write_text(json.dumps(_as_json(report), indent=2))

    def _actor(self, options: dict[str, Any]) -> Actor:
        if options["client"]:
            found = (
                ApiClient.objects.select_related("organisation")
                .filter(name=options["client"])
                .first()
            )
            if found is None or found.revoked_at is not None:
                raise CommandError(f"There is no registered client called {options['client']!r}.")
            if not found.has_scope(ClientScope.IMPORT):
                raise CommandError(f"{found.name} does not have the import scope.")
            return Actor.system_client(found, channel="import")
        if options["organisation"]:
            code = options["organisation"].strip().upper()
            organisation = Organisation.objects.filter(ods_code__iexact=code).first()
            if organisation is None:
                raise CommandError(f"There is no organisation with the ODS code {code}.")
            registered = register_api_client(
                name=f"FHIR import ({organisation.ods_code})",
                organisation=organisation,
                scopes=[ClientScope.IMPORT],
            )
            return Actor.system_client(registered, channel="import")
        return Actor.region_loader(IMPORT_LOADER)

    def _print(self, report: ImportReport, show: int) -> None:
        write = self.stdout.write
        write(
            f"Read {report.files:,} files in {report.seconds:.1f} s: {report.loaded:,} resources "
            f"in joinedup, {sum(report.skipped.values()):,} skipped, {len(report.errors):,} "
            f"refused ({report.per_second:,.0f} resources per second)."
        )
        for resource_type, counts in sorted(report.outcomes.items()):
            parts = ", ".join(f"{n:,} {outcome}" for outcome, n in sorted(counts.items()))
            write(f"  {resource_type:<20} {parts}")
        if report.skipped:
            write("Skipped (joinedup does not take these):")
            for resource_type, n in report.skipped.most_common():
                why = KEPT_OUR_OWN_WAY.get(resource_type, "not something joinedup keeps")
                write(f"  {resource_type:<28} {n:>7,}  {why}")
        if report.warnings:
            write(f"{len(report.warnings):,} warnings (things left out), for example:")
            for warning in report.warnings[:5]:
                write(f"  {warning.where}: {warning.diagnostics}")
        if report.errors:
            write(f"Refused {len(report.errors):,} entries (the rest loaded):")
            for problem in report.errors[:show]:
                at = f" [{problem.expression}]" if problem.expression else ""
                write(f"  {problem.where}{at}: {problem.diagnostics}")
            if len(report.errors) > show:
                write(f"  … and {len(report.errors) - show:,} more (--report FILE lists them all).")


def _as_json(report: ImportReport) -> dict[str, Any]:
    return {
        "files": report.files,
        "seconds": round(report.seconds, 3),
        "resources_per_second": round(report.per_second, 1),
        "loaded": {name: dict(counts) for name, counts in report.outcomes.items()},
        "skipped": dict(report.skipped),
        "errors": [vars(problem) for problem in report.errors],
        "warnings": [vars(problem) for problem in report.warnings],
    }
