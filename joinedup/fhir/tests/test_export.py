"""`joinedup export-fhir`: NDJSON files per resource type, valid FHIR, the organisation's scope,
the audit of the disclosure, and a number of queries that does not grow with the people."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.relatedperson import RelatedPerson
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region
from joinedup.directory.models import Organisation
from joinedup.fhir.export import (
    EXPORT_ACTION,
    EXPORT_PERSON_ACTION,
    RESOURCE_TYPES,
    export_fhir,
    organisation_by_ods_code,
)
from joinedup.people.models import Person
from joinedup.sharing.models import ChoiceKind, ExpressedHow
from joinedup.sharing.services import record_choice

MODELS: dict[str, Any] = {
    "Patient": Patient,
    "RelatedPerson": RelatedPerson,
    "CareTeam": CareTeam,
    "Consent": Consent,
    "ServiceRequest": ServiceRequest,
    "Task": Task,
    "Organization": Organization,
    "Practitioner": Practitioner,
    "PractitionerRole": PractitionerRole,
    "HealthcareService": HealthcareService,
}
RIVERSIDE = "X81001"


def _read(out: Path, resource_type: str) -> list[dict[str, Any]]:
    lines = (out / f"{resource_type}.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _patient_ids(out: Path) -> set[str]:
    return {patient["id"] for patient in _read(out, "Patient")}


def _stranger(name: str = "Stranger") -> Person:
    """A person with no GP practice, no care team and no referrals."""
    return Person.objects.create(
        given_name="Unlinked", family_name=name, date_of_birth=date(1950, 1, 1)
    )


def test_the_region_exports_a_file_of_valid_fhir_per_resource_type(
    region: Region, tmp_path: Path
) -> None:
    # Margaret objects to her mental health information reaching the council.
    record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        category="mental_health",
        expressed_how=ExpressedHow.SPOKEN,
        in_their_words="I don't want the council reading about my depression.",
    )
    stdout = StringIO()
    call_command("export_fhir", "--out", str(tmp_path), stdout=stdout)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        f"{name}.ndjson" for name in RESOURCE_TYPES
    )
    for name in RESOURCE_TYPES:
        resources = _read(tmp_path, name)  # every line parses as JSON
        assert resources, f"no {name} written"
        assert all(resource["resourceType"] == name for resource in resources)
        for resource in resources[:20]:
            MODELS[name].model_validate(resource)
    printed = stdout.getvalue()
    assert "Patient.ndjson" in printed and "per second" in printed
    assert f"{Person.objects.count()} written" in printed.replace(",", "")

    margaret = next(p for p in _read(tmp_path, "Patient") if p["id"] == str(region.margaret.pk))
    assert margaret["identifier"] == [
        {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990001111"}
    ]
    [team] = [t for t in _read(tmp_path, "CareTeam") if t["id"] == str(region.margaret.pk)]
    assert len(team["managingOrganization"]) == 5


def test_an_organisation_exports_only_the_people_in_its_care(
    region: Region, tmp_path: Path
) -> None:
    stranger = _stranger()
    riverside = organisation_by_ods_code(RIVERSIDE)
    assert riverside is not None and riverside.name == "Riverside Medical Practice"
    call_command(
        "export_fhir",
        "--out",
        str(tmp_path),
        "--organisation",
        RIVERSIDE.lower(),
        stdout=StringIO(),
    )
    ids = _patient_ids(tmp_path)
    assert str(region.margaret.pk) in ids
    assert str(stranger.pk) not in ids
    assert len(ids) < Person.objects.count()
    # Every exported referral is one Riverside sent or received, about an exported person.
    for request in _read(tmp_path, "ServiceRequest"):
        assert request["subject"]["reference"].removeprefix("Patient/") in ids
    # The directory is exported in full.
    assert len(_read(tmp_path, "Organization")) == Organisation.objects.count()


def test_each_exported_person_is_audited_once_by_the_named_system_actor(
    region: Region, tmp_path: Path
) -> None:
    before = AuditEvent.objects.count()
    result = export_fhir(tmp_path / "audit-check")
    events = AuditEvent.objects.filter(action=EXPORT_PERSON_ACTION, id__gt=0).order_by("id")
    new = list(events.filter(reason="Exported for FHIR bulk export to audit-check"))
    assert len(new) == result.people == Person.objects.count()
    assert len({event.person_id for event in new}) == len(new)
    assert {event.actor_label for event in new} == {"system: fhir export"}
    assert {event.channel for event in new} == {"system"}
    [summary] = AuditEvent.objects.filter(action=EXPORT_ACTION, target_id="audit-check")
    assert summary.actor_label == "system: fhir export"
    assert summary.reason.startswith("Exported for FHIR bulk export to audit-check")
    assert AuditEvent.objects.count() == before + len(new) + 1


def _queries_to_export(out: Path, **kwargs: Any) -> tuple[int, int]:
    """(reads, audit inserts) that one export made."""
    with CaptureQueriesContext(connection) as queries:
        export_fhir(out, **kwargs)
    sql = [query["sql"].lstrip().upper() for query in queries.captured_queries]
    return sum(1 for text in sql if text.startswith("SELECT")), sum(
        1 for text in sql if text.startswith("INSERT")
    )


def test_the_number_of_queries_does_not_grow_with_the_people(
    region: Region, tmp_path: Path
) -> None:
    small_reads, small_inserts = _queries_to_export(tmp_path / "small")
    for number in range(25):
        _stranger(f"Stranger {number}")
    large_reads, large_inserts = _queries_to_export(tmp_path / "large")
    people = len(_read(tmp_path / "large", "Patient"))
    assert people == len(_read(tmp_path / "small", "Patient")) + 25
    assert large_reads == small_reads
    # The audit rows go in batches (SQLite takes fewer rows a statement than PostgreSQL):
    # a handful of statements, never one a person.
    assert small_inserts <= 2 + people // 50
    assert large_inserts <= 2 + people // 50  # the batches and the summary event
    # Nor with the size of the organisation's scope.
    riverside = organisation_by_ods_code(RIVERSIDE)
    reads, _ = _queries_to_export(tmp_path / "riverside", organisation=riverside)
    assert reads == small_reads
