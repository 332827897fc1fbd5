"""/fhir/R4/$export: system-level FHIR Bulk Data export (the Bulk Data Access IG's
asynchronous pattern; docs/fhir.md, "Bulk export over HTTP").

- Kick-off: `GET $export` with `Prefer: respond-async` answers 202 with a Content-Location, the
  status address. Only a system client with the export scope may ask (sharing.policy decides);
  it gets its own organisation's scope.
- Status: `GET $export-status/{job}` answers 202 with X-Progress while the files are written,
  then 200 with the manifest (or 500 with an OperationOutcome if the export failed). `DELETE`
  cancels the export or forgets a finished one, and deletes its files.
- Files: `GET $export-files/{job}/{Type}.ndjson`, as application/fhir+ndjson, streamed.

Status and files answer only the client that asked; anyone else gets the same 404 as for an
export that does not exist. fhir/bulk.py starts, runs, finds and forgets the jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from joinedup.core.errors import NotAllowed, NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.fhir.bulk import (
    KEEP_FOR,
    bulk_export_for,
    cancel_bulk_export,
    export_file_for,
    start_bulk_export,
)
from joinedup.fhir.export import RESOURCE_TYPES
from joinedup.fhir.models import BulkExportJob, BulkExportStatus
from joinedup.fhir.outcomes import (
    fhir_response,
    invalid_parameter,
    method_not_allowed,
    not_found,
    operation_outcome,
    outcome_response,
    server_error,
    unauthorised,
)
from joinedup.fhir.views import base_url, fhir_actor, fhir_endpoint, wants_strict_handling

FHIR_NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = frozenset({FHIR_NDJSON, "application/ndjson", "ndjson"})
KNOWN_PARAMETERS = frozenset({"_type", "_outputFormat", "_format"})
# How long a client should wait before asking again, in seconds.
RETRY_AFTER = "5"


class BadKickOff(Exception):
    def __init__(self, name: str, diagnostics: str, *, code: str = "value") -> None:
        super().__init__(diagnostics)
        self.name = name
        self.diagnostics = diagnostics
        self.code = code


def _preferences(request: HttpRequest) -> set[str]:
    parts = request.headers.get("Prefer", "").replace(";", ",").split(",")
    return {part.strip().replace(" ", "").lower() for part in parts if part.strip()}


def _types(request: HttpRequest) -> list[str]:
    asked = [name.strip() for value in request.GET.getlist("_type") for name in value.split(",")]
    if not request.GET.getlist("_type"):
        return list(RESOURCE_TYPES)
    unknown = [name for name in asked if name not in RESOURCE_TYPES]
    if unknown or not any(asked):
        raise BadKickOff(
            "_type",
            f"This server cannot export {', '.join(unknown) or 'an empty _type'}. Give _type as "
            "one or more of: " + ", ".join(RESOURCE_TYPES) + ", separated by commas.",
            code="not-supported",
        )
    return asked


def _check_kick_off(request: HttpRequest) -> list[str]:
    """The resource types asked for, or BadKickOff naming what is wrong."""
    if "respond-async" not in _preferences(request):
        raise BadKickOff(
            "Prefer",
            "Send the header 'Prefer: respond-async': a bulk export is written in the "
            "background, and you fetch the files when it is ready.",
            code="required",
        )
    output_format = request.GET.get("_outputFormat")
    if output_format is not None and output_format.strip().lower() not in OUTPUT_FORMATS:
        raise BadKickOff(
            "_outputFormat",
            f"This server exports NDJSON only ({FHIR_NDJSON}), not {output_format}.",
            code="not-supported",
        )
    if "_since" in request.GET:
        raise BadKickOff(
            "_since",
            "This server cannot export only what changed since a time yet: leave out _since "
            "to export everything in your organisation's scope.",
            code="not-supported",
        )
    unknown = sorted(set(request.GET) - KNOWN_PARAMETERS)
    if unknown and wants_strict_handling(request):
        raise BadKickOff(
            unknown[0],
            f"This server does not support the parameter {unknown[0]} for $export.",
            code="not-supported",
        )
    return _types(request)


# -- kick-off -------------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def kick_off(request: HttpRequest) -> HttpResponse:
    """Start an export of the client's organisation's scope. Audited as the client's request;
    the export audits each person it writes (fhir/bulk.py)."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        types = _check_kick_off(request)
    except BadKickOff as bad:
        return invalid_parameter(bad.name, bad.diagnostics, code=bad.code)
    try:
        job = start_bulk_export(actor=actor, types=types, request_url=request.build_absolute_uri())
    except NotAllowed as refused:
        return outcome_response(
            403,
            code="forbidden",
            diagnostics=f"{refused} Ask your organisation's IT administrator for a system "
            "client token with the export scope (joinedup create-api-token).",
        )
    response = fhir_response(
        operation_outcome(
            severity="information",
            code="informational",
            diagnostics="The export has started. Ask the address in Content-Location for its "
            "progress; the list of files is there when it is ready.",
        ),
        status=202,
    )
    response["Content-Location"] = _status_url(request, job)
    return response


def _status_url(request: HttpRequest, job: BulkExportJob) -> str:
    return f"{base_url(request)}/$export-status/{job.pk}"


# -- status ---------------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@csrf_exempt
def status(request: HttpRequest, job_id: str) -> HttpResponse:
    """GET: how the export is going, or its manifest. DELETE: cancel or forget it (audited).
    The client that asked only; 404 for anyone else."""
    if request.method not in ("GET", "DELETE"):
        return method_not_allowed(request, "GET, DELETE")
    try:
        return _status(request, job_id)
    except Exception:
        return server_error(request)


def _status(request: HttpRequest, job_id: str) -> HttpResponse:
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        job = bulk_export_for(actor, job_id)
    except NotFound:
        return not_found()
    if request.method == "DELETE":
        cancel_bulk_export(actor=actor, job=job)
        return fhir_response(
            operation_outcome(
                severity="information",
                code="informational",
                diagnostics="The export was cancelled and its files deleted.",
            ),
            status=202,
        )
    if job.status == BulkExportStatus.FAILED:
        return outcome_response(500, code="exception", diagnostics=job.error)
    if job.status != BulkExportStatus.COMPLETED:
        waiting = HttpResponse(status=202)
        waiting["X-Progress"] = job.progress or job.get_status_display()
        waiting["Retry-After"] = RETRY_AFTER
        waiting["Cache-Control"] = "no-store"
        return waiting
    done = JsonResponse(_manifest(request, job))
    done["Cache-Control"] = "no-store"
    if job.finished_at is not None:
        done["Expires"] = http_date((job.finished_at + KEEP_FOR).timestamp())
    return done


def _manifest(request: HttpRequest, job: BulkExportJob) -> dict[str, Any]:
    root = base_url(request)
    started: datetime = job.started_at or job.created_at
    return {
        # The export reads the data as it is when it starts.
        "transactionTime": started.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": entry["type"],
                "url": f"{root}/$export-files/{job.pk}/{entry['type']}.ndjson",
                "count": entry["count"],
            }
            for entry in job.output
        ],
        "error": [],
    }


# -- files ----------------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@csrf_exempt
def download(request: HttpRequest, job_id: str, resource_type: str) -> HttpResponse | FileResponse:
    """One NDJSON file of a finished export, streamed, to the client that asked only (404 for
    anyone else). Each download is audited, naming the client."""
    if request.method != "GET":
        return method_not_allowed(request, "GET")
    try:
        actor = fhir_actor(request)
        if actor is None:
            return unauthorised(request)
        try:
            path = export_file_for(actor, job_id, resource_type)
        except NotFound:
            return not_found()
        response = FileResponse(path.open("rb"), content_type=FHIR_NDJSON)
        response["Cache-Control"] = "no-store"
        return response
    except Exception:
        return server_error(request)
