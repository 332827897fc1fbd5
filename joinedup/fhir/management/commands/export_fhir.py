"""`joinedup export-fhir --out DIR [--organisation ODS_CODE]`: the region, or one
organisation's scope, as FHIR R4 NDJSON files, one per resource type. Audited as the system
actor "fhir export" (one event per exported person and one for the export)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from joinedup.fhir.export import TypeCount, export_fhir, organisation_by_ods_code


class Command(BaseCommand):
    help = (
        "Write the region (or one organisation's scope) as FHIR R4 NDJSON files, one per "
        "resource type, into a folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="The folder to write the files into.")
        parser.add_argument(
            "--organisation",
            default="",
            help="An ODS code: export only the people in that organisation's care and its "
            "referrals (the directory is always exported in full).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = None
        if options["organisation"]:
            organisation = organisation_by_ods_code(options["organisation"])
            if organisation is None:
                raise CommandError(f"No organisation has the ODS code {options['organisation']}.")
        out_dir = Path(options["out"])
        scope = f"{organisation.name} ({organisation.ods_code})" if organisation else "the region"
        self.stdout.write(f"Exporting {scope} to {out_dir} …")
        result = export_fhir(out_dir, organisation=organisation, progress=self._report)
        self.stdout.write(
            f"Wrote {result.total:,} resources for {result.people:,} people in "
            f"{result.seconds:.1f} s ({result.total / max(result.seconds, 1e-9):,.0f} per second)."
        )

    def _report(self, count: TypeCount) -> None:
        self.stdout.write(
            f"  {count.resource_type + '.ndjson':<24} {count.written:>10,} written "
            f"in {count.seconds:7.1f} s  ({count.per_second:,.0f} per second)"
        )
