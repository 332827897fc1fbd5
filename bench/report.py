"""The machine the figures were taken on, and the Markdown summary of a run."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import django

from bench import regions
from bench.config import RESULTS

LABELS = {
    "ceiling": "Bare Django view, one row by primary key (the ceiling)",
    "api_summary": "API person summary `GET /api/v1/people/{id}`",
    "api_summary_audit_off": "API person summary, audit writing off (benchmark only)",
    "fhir_patient": "FHIR Patient read `GET /fhir/R4/Patient/{id}`",
    "record_page": "Person record page `GET /people/{id}/`",
    "caseload": "Caseload list (home page, My people) `GET /`",
    "search_nhs": "Person search by NHS number",
    "search_name_dob": "Person search by family name + date of birth",
    "referral_change": "Referral state change (write) `POST /api/v1/referrals/{id}/status`",
}
# QUALITY.md "Performance": p50 and p99 budgets in ms, for the figures at 1,000,000 people.
LATENCY_BUDGETS: dict[str, tuple[float | None, float]] = {
    "api_summary": (25, 100),
    "fhir_patient": (25, 100),
    "record_page": (25, 100),
    "caseload": (None, 50),
    "search_nhs": (None, 50),
    "search_name_dob": (None, 50),
}


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text().splitlines()[0].split()
        memory_kb = int(first[1])
    return {
        "cores": os.cpu_count(),
        "cpu": model or platform.processor(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": regions.postgres_version(),
    }


def _budget(name: str, found: dict[str, Any]) -> str:
    p50, p99 = LATENCY_BUDGETS.get(name, (None, None))
    if p99 is None:
        return ""
    misses = []
    if p50 is not None and found["p50_ms"] > p50:
        misses.append(f"p50 > {p50:g}")
    if found["p99_ms"] > p99:
        misses.append(f"p99 > {p99:g}")
    within = f"p50 ≤ {p50:g}, " if p50 is not None else ""
    return "**miss**: " + ", ".join(misses) if misses else f"within ({within}p99 ≤ {p99:g})"


def _scale_section(result: dict[str, Any]) -> list[str]:
    measures = result["measures"]
    workers = result["workers"]
    lines = [
        f"## {result['people']:,} people ({result['scale']})",
        "",
        f"As {result['practitioner']}, whose caseload holds {result['caseload_people']:,} "
        f"people. gunicorn with {workers} sync workers. Each measure ran "
        f"{result['rounds']} rounds of {result['seconds_per_measure']:g} s one request at a time "
        f"(latency: the server's own time, judged against the budgets) and {result['rounds']} "
        f"with {workers} connections (throughput at saturation); figures are medians of the "
        f"rounds. Load average on the machine before the runs: "
        f"{', '.join(str(x) for x in result['load_average_before'])}.",
        "",
        "| measure | p50 ms | p95 ms | p99 ms | requests/s saturated | p99 ms saturated "
        "| errors | SQL queries | budget at 1M (one at a time) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, label in LABELS.items():
        found = measures.get(name)
        if found is None:
            continue
        single = found.get("one_at_a_time")
        loaded = found["saturated"]
        queries = result["queries"].get(name.removesuffix("_audit_off"), {}).get("queries", "")
        errors = loaded["errors"] + (single["errors"] if single else 0)
        cells = (
            f"{single['p50_ms']:.1f} | {single['p95_ms']:.1f} | {single['p99_ms']:.1f}"
            if single
            else "– | – | –"
        )
        lines.append(
            f"| {label} | {cells} | {loaded['per_second']:,.0f} | {loaded['p99_ms']:.1f} | "
            f"{errors} | {queries} | {_budget(name, single) if single else ''} |"
        )
    ceiling = measures["ceiling"]["saturated"]["per_second"]
    summary = measures["api_summary"]["saturated"]["per_second"]
    fhir = measures["fhir_patient"]["saturated"]["per_second"]
    quiet = measures["api_summary_audit_off"]["saturated"]["per_second"]
    lines += [
        "",
        f"- Authorised and audited API read ÷ bare Django read, saturated, same run: "
        f"**{summary / ceiling:.2f}** (budget ≥ 0.5); FHIR Patient read ÷ bare: "
        f"{fhir / ceiling:.2f}.",
        f"- API read throughput with audit ÷ without: **{summary / quiet:.2f}** (budget ≥ 0.8).",
    ]
    verify = result["audit_verify"]
    lines.append(
        f"- Audit chain verification: **{verify['per_second']:,} events/s** "
        f"({verify['events']:,} events in {verify['seconds']:g} s; budget ≥ 200,000)."
    )
    export = result["fhir_export"]
    lines.append(
        f"- FHIR export: **{export['per_second_per_core']:,} resources/s per core** "
        f"({export['resources']:,} resources in {export['seconds']:g} s, one process; "
        "budget ≥ 10,000)."
    )
    imported = result["fhir_import"]
    if "per_second_per_core" in imported:
        lines.append(
            f"- FHIR import: **{imported['per_second_per_core']:,} resources/s per core** "
            f"({imported['resources']:,} in {imported['seconds']:g} s, one process, including "
            "its start-up; budget ≥ 2,000)."
        )
    else:
        lines.append(
            f"- FHIR import: not measured ({imported.get('skipped') or imported.get('failed')})."
        )
    return [*lines, ""]


def _query_table(results: list[dict[str, Any]]) -> list[str]:
    names = [n for n in LABELS if n in results[0]["queries"]]
    head = " | ".join(r["scale"] for r in results)
    lines = [
        "## SQL queries per request",
        "",
        "Counted in-process (Django test client, CaptureQueriesContext) against the same "
        "database; the second of two identical requests.",
        "",
        f"| measure | {head} | same at every scale |",
        "|---|" + "---:|" * len(results) + "---|",
    ]
    for name in names:
        counts = [r["queries"].get(name, {}).get("queries") for r in results]
        same = "yes" if len(set(counts)) == 1 else "**no**"
        lines.append(f"| {LABELS[name]} | " + " | ".join(str(c) for c in counts) + f" | {same} |")
    return [*lines, ""]


def _shared_machine(results: list[dict[str, Any]], about: dict[str, Any]) -> list[str]:
    """Say so when the machine was busy as measures began: a load average above the core count.
    The load average looks back up to 15 minutes, so it counts the harness's own work on the
    scale before (restoring, measuring, exporting) as well as anything else running."""
    busiest = max(max(r["load_average_before"]) for r in results)
    if busiest <= (about["cores"] or 1):
        return []
    return [
        f"The machine was busy as a scale's measures began (load average up to {busiest:g} on "
        f"{about['cores']} cores, over the last 1, 5 and 15 minutes: the harness's own work on "
        "the scale before counts in it, as would anything else running): absolute figures vary "
        "between runs; the ratios compare measures taken minutes apart in the same run and are "
        "less affected, though they still vary by tens of per cent.",
        "",
    ]


def write_reports(today: str, results: list[dict[str, Any]]) -> Path:
    about = results[0]["machine"]
    lines = [
        f"# joinedup benchmark, {today}",
        "",
        f"Machine: {about['cores']} cores ({about['cpu']}), {about['memory_gb']} GB memory, "
        f"PostgreSQL {about['postgresql']}, Python {about['python']}, Django "
        f"{about['django']}. Server, database and load generator share the machine.",
        "",
        "Reproduce: `make bench" + (" QUICK=1" if results[0]["quick"] else "") + "`.",
        "",
        *_shared_machine(results, about),
        *_query_table(results),
    ]
    for result in results:
        lines += _scale_section(result)
    summary = RESULTS / f"{today}.md"
    summary.write_text("\n".join(lines))
    return summary
