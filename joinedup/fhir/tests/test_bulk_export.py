"""FHIR Bulk Data export over HTTP (`/fhir/R4/$export`): the community trust's own system, a
registered client with the export scope, asks for an export, polls it, downloads its NDJSON
files and deletes it. Nadia's practitioner token and a client without the export scope are
refused; the council's system cannot see the trust's export at all (404, as for a made-up
one). Each step is audited, naming the client."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.task import Task
from pytest_django.fixtures import Settings

from joinedup.accounts.models import ApiClient
from joinedup.accounts.services import create_client_token, register_api_client
from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region
from joinedup.directory.models import Organisation
from joinedup.fhir import bulk
from joinedup.fhir.export import EXPORT_PERSON_ACTION, RESOURCE_TYPES, people_in_scope
from joinedup.fhir.models import BulkExportJob, BulkExportStatus
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON, Json, outcome, token_of
from joinedup.referrals.models import Referral

ASYNC = {"Prefer": "respond-async", "Accept": FHIR_JSON}


@pytest.fixture(autouse=True)
def export_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.FHIR_EXPORT_DIR = tmp_path / "exports"
    return Path(settings.FHIR_EXPORT_DIR)


def _organisation_of(region: Region, key: str) -> Organisation:
    return region.role_profile(key).organisation


def _system(region: Region, key: str, *scopes: str) -> tuple[ApiClient, str]:
    """A registered system of `key`'s organisation, and a token for it."""
    organisation = _organisation_of(region, key)
    client = register_api_client(
        name=f"{organisation.name} records system ({', '.join(scopes)})",
        organisation=organisation,
        scopes=scopes,
    )
    return client, create_client_token(client=client).token


def _get(client: Client, url: str, token: str | None, **headers: str) -> Any:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(url.removeprefix("http://testserver"), headers=headers)


def _delete(client: Client, url: str, token: str) -> Any:
    return client.delete(
        url.removeprefix("http://testserver"), headers={"Authorization": f"Bearer {token}"}
    )


def _kick_off(client: Client, token: str | None, query: str = "", **headers: str) -> Any:
    return _get(client, f"{FHIR}/$export{query}", token, **{**ASYNC, **headers})


def _started(client: Client, token: str, query: str = "") -> str:
    response = _kick_off(client, token, query)
    assert response.status_code == 202, response.content
    status_url: str = response["Content-Location"]
    assert status_url.startswith(f"http://testserver{FHIR}/$export-status/")
    return status_url


def _lines(response: Any) -> list[Json]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return [json.loads(line) for line in body.splitlines()]


def _manifest(response: Any) -> Json:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body: Json = json.loads(response.content)
    return body


def test_the_trusts_system_exports_its_patients_and_tasks(
    client: Client, region: Region, export_dir: Path
) -> None:
    trust = _organisation_of(region, "nurse")
    system, token = _system(region, "nurse", "read", "export")
    status_url = _started(client, token, "?_type=Patient,Task&_outputFormat=ndjson")
    [job] = BulkExportJob.objects.all()
    assert (job.client, job.organisation, job.types) == (system, trust, ["Patient", "Task"])
    assert system.name in job.requested_by

    waiting = _get(client, status_url, token)
    assert waiting.status_code == 202
    assert waiting["X-Progress"] == "Waiting to start"
    assert waiting["Retry-After"]

    # The test's transaction never commits, so the background thread never starts: the
    # command runs what is waiting, as it does after a restart.
    printed = StringIO()
    call_command("run_bulk_exports", stdout=printed)
    assert f"Export {job.pk} for {job.requested_by}: Ready to download" in printed.getvalue()
    manifest = _manifest(_get(client, status_url, token))
    assert manifest["request"] == (
        f"http://testserver{FHIR}/$export?_type=Patient,Task&_outputFormat=ndjson"
    )
    assert manifest["requiresAccessToken"] is True
    assert manifest["error"] == []
    assert manifest["transactionTime"]
    assert [entry["type"] for entry in manifest["output"]] == ["Patient", "Task"]
    assert sorted(path.name for path in (export_dir / str(job.pk)).iterdir()) == [
        "Patient.ndjson",
        "Task.ndjson",
    ]

    patients_entry, tasks_entry = manifest["output"]
    assert patients_entry["url"] == f"http://testserver{FHIR}/$export-files/{job.pk}/Patient.ndjson"
    download = _get(client, patients_entry["url"], token, Accept="application/fhir+ndjson")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/fhir+ndjson"
    patients = _lines(download)
    assert len(patients) == patients_entry["count"] > 0
    for patient in patients:
        Patient.model_validate(patient)
    in_care = {str(pk) for pk in people_in_scope(trust).values_list("pk", flat=True)}
    assert {patient["id"] for patient in patients} == in_care

    # The referrals the trust sent or received, and no one else's.
    tasks = _lines(_get(client, tasks_entry["url"], token))
    assert len(tasks) == tasks_entry["count"] > 0
    for task in tasks:
        Task.model_validate(task)
    trusts = Referral.objects.filter(
        Q(requester_organisation=trust) | Q(receiving_organisation=trust)
    )
    assert {task["id"] for task in tasks} == {str(pk) for pk in trusts.values_list("pk", flat=True)}

    # Audited naming the system: the request, every exported person, the downloads.
    named = AuditEvent.objects.filter(actor_label__contains=system.name)
    actions = list(named.order_by("pk").values_list("action", flat=True))
    assert actions[0] == bulk.REQUEST_ACTION
    assert actions[-2:] == [bulk.DOWNLOAD_ACTION, bulk.DOWNLOAD_ACTION]
    exported = named.filter(action=EXPORT_PERSON_ACTION, reason__contains=str(job.pk))
    assert {str(pk) for pk in exported.values_list("person_id", flat=True)} == in_care


def test_an_export_of_the_directory_alone_exports_no_one(client: Client, region: Region) -> None:
    _, token = _system(region, "nurse", "export")
    status_url = _started(client, token, "?_type=Organization,HealthcareService")
    bulk.run_waiting_exports()
    manifest = _manifest(_get(client, status_url, token))
    assert [entry["type"] for entry in manifest["output"]] == [
        "Organization",
        "HealthcareService",
    ]
    assert not AuditEvent.objects.filter(action=EXPORT_PERSON_ACTION).exists()


def test_every_type_is_exported_when_none_is_named(client: Client, region: Region) -> None:
    _, token = _system(region, "social_worker", "export")
    status_url = _started(client, token)
    bulk.run_waiting_exports()
    manifest = _manifest(_get(client, status_url, token))
    assert [entry["type"] for entry in manifest["output"]] == list(RESOURCE_TYPES)


@pytest.mark.parametrize(
    ("query", "headers", "expression", "words"),
    [
        ("", {"Prefer": "handling=lenient"}, "Prefer", "Prefer: respond-async"),
        ("?_type=Patient,Observation", {}, "_type", "cannot export Observation"),
        ("?_type=", {}, "_type", "Give _type as one or more of"),
        ("?_outputFormat=text/csv", {}, "_outputFormat", "NDJSON only"),
        ("?_since=2026-01-01T00:00:00Z", {}, "_since", "leave out _since"),
        ("?_elements=id", {"Prefer": "respond-async, handling=strict"}, "_elements", "_elements"),
    ],
)
def test_a_kick_off_the_server_cannot_do_says_why(
    client: Client,
    region: Region,
    query: str,
    headers: dict[str, str],
    expression: str,
    words: str,
) -> None:
    _, token = _system(region, "nurse", "export")
    body = outcome(_kick_off(client, token, query, **headers), 400)
    [issue] = body["issue"]
    assert issue["expression"] == [expression]
    assert words in issue["diagnostics"]
    assert not BulkExportJob.objects.exists()


def test_only_a_system_with_the_export_scope_may_export(client: Client, region: Region) -> None:
    outcome(_kick_off(client, None), 401)
    nadia = outcome(_kick_off(client, token_of(region, "nurse")), 403)
    assert "export scope" in nadia["issue"][0]["diagnostics"]
    _, reader = _system(region, "nurse", "read")
    outcome(_kick_off(client, reader), 403)
    system, revoked = _system(region, "gp", "export")
    system.revoked_at = timezone.now()
    system.save(update_fields=["revoked_at"])
    outcome(_kick_off(client, revoked), 401)
    assert not BulkExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=bulk.REQUEST_ACTION).exists()


def test_only_the_system_that_asked_can_see_the_export(client: Client, region: Region) -> None:
    _, token = _system(region, "nurse", "export")
    status_url = _started(client, token)
    bulk.run_waiting_exports()
    file_url = _manifest(_get(client, status_url, token))["output"][0]["url"]
    made_up = f"http://testserver{FHIR}/$export-status/{uuid.uuid4()}"
    nowhere = _get(client, made_up, token)
    outcome(nowhere, 404)

    _, council = _system(region, "social_worker", "export")
    for someone_else in (council, token_of(region, "nurse")):
        for answer in (
            _get(client, status_url, someone_else),
            _get(client, file_url, someone_else),
            _delete(client, status_url, someone_else),
        ):
            outcome(answer, 404)
            assert answer.content == nowhere.content
    assert BulkExportJob.objects.count() == 1
    assert _get(client, file_url, token).status_code == 200


def test_deleting_cancels_the_export_and_its_files(
    client: Client, region: Region, export_dir: Path
) -> None:
    system, token = _system(region, "nurse", "export")
    status_url = _started(client, token, "?_type=Organization")
    [job] = BulkExportJob.objects.all()
    bulk.run_waiting_exports()
    file_url = _manifest(_get(client, status_url, token))["output"][0]["url"]
    assert (export_dir / str(job.pk) / "Organization.ndjson").is_file()

    deleted = _delete(client, status_url, token)
    assert deleted.status_code == 202
    outcome(_get(client, status_url, token), 404)
    outcome(_get(client, file_url, token), 404)
    assert not (export_dir / str(job.pk)).exists()
    assert not BulkExportJob.objects.exists()
    cancelled = AuditEvent.objects.get(action=bulk.CANCEL_ACTION)
    assert system.name in cancelled.actor_label

    # A waiting export cancelled before it runs is never written.
    status_url = _started(client, token)
    assert _delete(client, status_url, token).status_code == 202
    assert bulk.run_waiting_exports() == []
    assert not any(export_dir.iterdir())


def test_a_failed_export_answers_an_operation_outcome(
    client: Client, region: Region, export_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = _system(region, "nurse", "export")
    status_url = _started(client, token)

    def disk_full(out_dir: Path, **kwargs: Any) -> None:
        out_dir.mkdir(parents=True)
        (out_dir / "Patient.ndjson").write_text("{}\n")
        raise OSError("No space left on device")

    monkeypatch.setattr(bulk, "export_fhir", disk_full)
    bulk.run_waiting_exports()
    body = outcome(_get(client, status_url, token), 500)
    diagnostics = body["issue"][0]["diagnostics"]
    assert "Ask for a new export" in diagnostics
    assert "No space" not in diagnostics  # the detail is logged, not shown
    assert not any(export_dir.iterdir())
    assert BulkExportJob.objects.get().status == BulkExportStatus.FAILED


def test_the_command_restarts_a_stuck_export_and_forgets_old_ones(
    client: Client, region: Region, export_dir: Path
) -> None:
    _, token = _system(region, "nurse", "export")
    stuck_url = _started(client, token, "?_type=HealthcareService")
    old_url = _started(client, token, "?_type=Organization")
    stuck, old = BulkExportJob.objects.order_by("created_at")
    bulk.run_bulk_export(old.pk)
    BulkExportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    BulkExportJob.objects.filter(pk=stuck.pk).update(
        status=BulkExportStatus.RUNNING, started_at=timezone.now() - timedelta(hours=2)
    )
    assert _get(client, stuck_url, token).status_code == 202

    printed = StringIO()
    call_command("run_bulk_exports", stdout=printed)
    assert "Ran 1 waiting export(s); deleted 1 old export(s)." in printed.getvalue()
    assert [e["type"] for e in _manifest(_get(client, stuck_url, token))["output"]] == [
        "HealthcareService"
    ]
    outcome(_get(client, old_url, token), 404)
    assert sorted(path.name for path in export_dir.iterdir()) == [str(stuck.pk)]


def test_the_capability_statement_offers_export(client: Client) -> None:
    [rest] = json.loads(client.get(f"{FHIR}/metadata").content)["rest"]
    [operation] = rest["operation"]
    assert operation["name"] == "export"
    assert operation["definition"].endswith("/OperationDefinition/export")
    assert "export scope" in operation["documentation"]


@pytest.mark.django_db(transaction=True)
def test_the_export_runs_in_the_background_once_asked(client: Client, export_dir: Path) -> None:
    region = Region()
    _, token = _system(region, "care_home_manager", "export")
    status_url = _started(client, token, "?_type=Patient,CareTeam")
    deadline = time.monotonic() + 60
    answer = _get(client, status_url, token)
    while answer.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = _get(client, status_url, token)
    manifest = _manifest(answer)
    assert [entry["type"] for entry in manifest["output"]] == ["Patient", "CareTeam"]
    assert all(entry["count"] > 0 for entry in manifest["output"])
