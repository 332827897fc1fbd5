"""`python -m bench [--quick] [--scales 1k,100k,1m]`, run by `make bench` (QUICK=1: --quick).

For each scale: build or reuse the region's PostgreSQL database (bench/regions.py); choose
the practitioner and people, issue credentials and count each measure's SQL queries
(bench/prepare.py); start gunicorn twice on loopback, audit on and audit off
(bench/server.py); warm up, then run every measure in turn, round after round, with a load
generator in another process (bench/load.py); time audit verification and FHIR export
(bench/offline.py) and, when `joinedup import-fhir` exists, the import of that export into an
empty database. Writes bench/results/<date>-<scale>.json and bench/results/<date>.md."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import load, regions
from bench.config import BIN, QUICK_SCALES, RESULTS, SCALES, VAR, Scale, django_env
from bench.report import machine, write_reports
from bench.server import Server

IMPORT_DATABASE = "joinedup_bench_import"
# Importing is timed only for exports up to this many resources (the whole 1,000-person region
# is about 3,600), so that a run stays bounded in time.
IMPORT_LIMIT = int(os.environ.get("BENCH_IMPORT_LIMIT", 50_000))


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare(scale: Scale) -> dict[str, Any]:
    out = VAR / f"prepare-{scale.label}.json"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.prepare", str(out)], check=True, env=django_env(scale.url)
    )
    found: dict[str, Any] = json.loads(out.read_text())
    out.unlink()  # it holds a token and session keys
    return found


def read_measures(setup: dict[str, Any]) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """Each read measure: the paths to rotate through and the credentials to send."""
    people = setup["people"]
    bearer = [{"Authorization": f"Bearer {setup['token']}"}]
    cookies = [{"Cookie": f"{setup['session_cookie']}={key}"} for key in setup["sessions"]]
    return {
        "ceiling": ([f"/api/bench/row/{p['id']}" for p in people], [{}]),
        "api_summary": ([f"/api/v1/people/{p['id']}" for p in people], bearer),
        "fhir_patient": ([f"/fhir/R4/Patient/{p['id']}" for p in people], bearer),
        "record_page": ([f"/people/{p['id']}/" for p in people], cookies),
        "caseload": (["/"], cookies),
        "search_nhs": (
            [f"/api/v1/people?nhs_number={p['nhs_number']}" for p in people if p["nhs_number"]],
            bearer,
        ),
        "search_name_dob": (
            [
                f"/api/v1/people?family_name={quote(p['family_name'])}"
                f"&date_of_birth={p['date_of_birth']}"
                for p in people
            ],
            bearer,
        ),
    }


def median_of(runs: list[load.Outcome]) -> dict[str, Any]:
    def mid(values: list[float]) -> float:
        return round(statistics.median(values), 2)

    return {
        "per_second": mid([r.per_second for r in runs]),
        "p50_ms": mid([r.p50_ms for r in runs]),
        "p95_ms": mid([r.p95_ms for r in runs]),
        "p99_ms": mid([r.p99_ms for r in runs]),
        "requests": sum(r.requests for r in runs),
        "errors": sum(r.errors for r in runs),
        "each_round": [r.as_dict() for r in runs],
    }


# Each measure runs twice a round: one request at a time (the server's own latency, what the
# budgets are about), then one connection per gunicorn worker (throughput at saturation).
MODES = ("one_at_a_time", "saturated")


def drive(scale: Scale, setup: dict[str, Any], *, seconds: float, rounds: int) -> dict[str, Any]:
    reads = read_measures(setup)
    names = [*reads, "api_summary_audit_off", "referral_change"]
    runs: dict[str, dict[str, list[load.Outcome]]] = {
        name: {mode: [] for mode in MODES} for name in names
    }
    with (
        Server(scale.url, audit=True, name=f"{scale.label}-audit-on") as server,
        Server(scale.url, audit=False, name=f"{scale.label}-audit-off") as quiet,
    ):
        workers = server.workers
        width = {"one_at_a_time": 1, "saturated": workers}
        changes = load.StatusChanges(
            server.base, setup["token"], setup["referrals"], setup["hold_reason"]
        )
        say(f"{scale.label}: warming up ({workers} gunicorn workers each)")
        for paths, headers in reads.values():
            load.wrk(server.base, paths, headers, seconds=2, connections=workers)
        api_paths, api_headers = reads["api_summary"]
        load.wrk(quiet.base, api_paths, api_headers, seconds=2, connections=workers)
        for turn in range(1, rounds + 1):
            say(f"{scale.label}: round {turn} of {rounds}, {seconds:g} s per measure and mode")
            for name, (paths, headers) in reads.items():
                for mode in MODES:
                    runs[name][mode].append(
                        load.wrk(
                            server.base, paths, headers, seconds=seconds, connections=width[mode]
                        )
                    )
                if name == "api_summary":
                    # Audit on and off back to back, so that both meet the same machine.
                    runs["api_summary_audit_off"]["saturated"].append(
                        load.wrk(quiet.base, paths, headers, seconds=seconds, connections=workers)
                    )
            if setup["referrals"]:
                for mode in MODES:
                    runs["referral_change"][mode].append(
                        load.status_changes(changes, seconds=seconds, connections=width[mode])
                    )
    measures = {
        name: {mode: median_of(found) for mode, found in by_mode.items() if found}
        for name, by_mode in runs.items()
        if any(by_mode.values())
    }
    return {"workers": workers, "rounds": rounds, "measures": measures}


def offline(scale: Scale) -> dict[str, Any]:
    out = VAR / f"offline-{scale.label}.json"
    export_dir = VAR / f"export-{scale.label}"
    shutil.rmtree(export_dir, ignore_errors=True)
    export_dir.mkdir(parents=True)
    say(f"{scale.label}: sealing and verifying the audit trail, exporting FHIR")
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.offline", str(out), str(export_dir)],
        check=True,
        env=django_env(scale.url),
    )
    found: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    resources = found["fhir_export"]["resources"]
    if resources > IMPORT_LIMIT:
        found["fhir_import"] = {
            "skipped": f"the export holds {resources:,} resources, more than BENCH_IMPORT_LIMIT "
            f"({IMPORT_LIMIT:,}); the import's rate is measured at the smaller scales, into an "
            "empty database, where the region's size does not change it"
        }
    else:
        found["fhir_import"] = import_rate(scale, export_dir, resources)
    shutil.rmtree(export_dir, ignore_errors=True)
    return found


def import_rate(scale: Scale, export_dir: Path, resources: int) -> dict[str, Any]:
    say(f"{scale.label}: importing the export into an empty database")
    url = regions.empty_database(IMPORT_DATABASE)
    files = sorted(str(path) for path in export_dir.glob("*.ndjson"))
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [str(BIN / "joinedup"), "import-fhir", *files],
        env=django_env(url),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    regions.drop_database(IMPORT_DATABASE)
    if done.returncode != 0:
        return {"failed": (done.stderr or done.stdout).strip()[-500:], "seconds": round(seconds, 1)}
    return {
        "resources": resources,
        "seconds": round(seconds, 2),
        "per_second_per_core": round(resources / seconds),
        "said": done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1k and 100k people, short runs.")
    parser.add_argument("--scales", help="Comma-separated, from 1k, 100k and 1m.")
    args = parser.parse_args()
    if not load.have_wrk():
        raise SystemExit("The benchmark needs wrk: `sudo apt-get install wrk` (make bench does).")
    chosen = args.scales.split(",") if args.scales else (QUICK_SCALES if args.quick else None)
    scales = [s for s in SCALES if chosen is None or s.label in chosen]
    if not scales:
        raise SystemExit(f"Choose scales from {', '.join(s.label for s in SCALES)}.")
    seconds = float(os.environ.get("BENCH_SECONDS", 5 if args.quick else 15))
    rounds = int(os.environ.get("BENCH_ROUNDS", 3))
    today = date.today().isoformat()  # noqa: DTZ011 - the report's name, in local time
    RESULTS.mkdir(parents=True, exist_ok=True)
    about = machine()
    say(
        f"machine: {about['cores']} cores, {about['memory_gb']} GB, PostgreSQL {about['postgresql']}"
    )
    results: list[dict[str, Any]] = []
    for scale in scales:
        region = regions.ensure_region(scale, say)
        say(f"{scale.label}: preparing credentials, referrals and query counts")
        setup = prepare(scale)
        load_before = [round(x, 2) for x in os.getloadavg()]
        driven = drive(scale, setup, seconds=seconds, rounds=rounds)
        result = {
            "date": today,
            "load_average_before": load_before,
            "scale": scale.label,
            "people": scale.people,
            "quick": args.quick,
            "seconds_per_measure": seconds,
            "machine": about,
            "region": region,
            "practitioner": setup["practitioner"],
            "caseload_people": setup["caseload_people"],
            "queries": setup["queries"],
            **driven,
            **offline(scale),
        }
        results.append(result)
        (RESULTS / f"{today}-{scale.label}.json").write_text(json.dumps(result, indent=2) + "\n")
        say(f"{scale.label}: wrote bench/results/{today}-{scale.label}.json")
    summary = write_reports(today, results)
    say(f"wrote {summary.relative_to(RESULTS.parent.parent)}")


if __name__ == "__main__":
    main()
