"""Run inside Django against one benchmark database (`python -m bench.offline OUT.json DIR`):
the rates that are not requests. Seal the audit trail, then time `verify_chain` (what
`joinedup verify-audit` runs) over all of it, and time `export_fhir` (what `joinedup
export-fhir` runs) writing the whole region as NDJSON into DIR. Each runs in this one
process, so its rate is per core."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import django

django.setup()


from joinedup.audit.chain import verify_chain  # noqa: E402
from joinedup.audit.services import seal_pending_events  # noqa: E402
from joinedup.fhir.export import export_fhir  # noqa: E402


def main(out: Path, export_dir: Path) -> None:
    started = time.perf_counter()
    sealed = seal_pending_events()
    seal_seconds = time.perf_counter() - started

    started = time.perf_counter()
    verdict = verify_chain()
    verify_seconds = time.perf_counter() - started
    if not verdict.ok:
        raise SystemExit(f"The audit trail fails its check: {verdict.problem}")

    export = export_fhir(export_dir)
    out.write_text(
        json.dumps(
            {
                "audit_seal": {
                    "events": sealed,
                    "seconds": round(seal_seconds, 2),
                    "per_second": round(sealed / seal_seconds) if sealed else None,
                },
                "audit_verify": {
                    "events": verdict.checked,
                    "seconds": round(verify_seconds, 2),
                    "per_second": round(verdict.checked / verify_seconds),
                },
                "fhir_export": {
                    "resources": export.total,
                    "people": export.people,
                    "seconds": round(export.seconds, 2),
                    "per_second_per_core": round(export.total / export.seconds),
                    "by_type": {name: count.written for name, count in export.counts.items()},
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
