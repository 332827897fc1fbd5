"""`joinedup import-fhir`: other systems' FHIR into joinedup.

The published HL7 and UK Core examples all import or are reported, none crashes the importer;
resource types joinedup does not keep are counted and named; a bad entry is reported with its
file and entry or line number and the element at fault while the good ones load; a re-run
loads nothing twice; an organisation's import puts people in its care; and the region exported
by joinedup re-imports into an empty database with the same counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from joinedup.audit.models import AuditEvent
from joinedup.careteams.models import CareTeamMember
from joinedup.conftest import Region
from joinedup.directory.models import Organisation, Practitioner
from joinedup.fhir.importer import Importer, ImportReport
from joinedup.fhir.models import ImportedRecord
from joinedup.fhir.tests.conftest import EXAMPLES
from joinedup.people.models import Person
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import ChoiceKind, ExpressedHow
from joinedup.sharing.policy import Action, decide
from joinedup.sharing.services import record_choice, withdraw_choice

Json = dict[str, Any]
HOLLYBANK = "XCH001"
SYNTHEA = "https://github.com/synthetichealth/synthea"
NHS = "https://fhir.nhs.uk/Id/nhs-number"


def _loader() -> Actor:
    return Actor.region_loader("fhir import tests")


def _import(*paths: Path, actor: Actor | None = None) -> ImportReport:
    return Importer(actor or _loader()).run(list(paths))


def _write_ndjson(path: Path, lines: list[Json | str]) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    )
    return path


def _patient(nhs_number: str, given: str, **more: Any) -> Json:
    return {
        "resourceType": "Patient",
        "id": f"pat-{nhs_number}",
        "identifier": [{"system": NHS, "value": nhs_number}],
        "name": [{"use": "official", "family": "Okonkwo", "given": [given]}],
        "gender": "female",
        "birthDate": "1941-03-09",
        **more,
    }


# -- published examples ------------------------------------------------------------------------


@pytest.fixture
def examples() -> Path:
    if not EXAMPLES.is_dir():
        pytest.skip(f"the published FHIR examples are not at {EXAMPLES}")
    return EXAMPLES


def test_every_published_example_imports_or_is_reported(region: Region, examples: Path) -> None:
    files = sorted(path for path in examples.rglob("*") if path.is_file())

    report = _import(examples)

    assert report.files == len(files)
    # Something from every kind joinedup keeps came in.
    for resource_type in ("Organization", "Practitioner", "Patient", "RelatedPerson"):
        assert sum(report.outcomes[resource_type].values()) > 0, resource_type
    # What joinedup does not keep is counted by type, not lost without trace.
    assert report.skipped["Observation"] > 0
    assert report.skipped["Encounter"] > 0
    # Each refusal names its file and place, and says why in words.
    assert report.errors
    for problem in report.errors:
        assert problem.where.startswith(str(examples)), problem
        assert problem.diagnostics.strip(), problem
    [readme] = [p for p in files if p.suffix != ".json"]
    assert any(problem.where == str(readme) for problem in report.errors)
    baby = next(p for p in report.errors if "BabyPatient" in p.where)
    assert baby.expression == "Patient.identifier[0].value"
    assert "not a valid NHS number" in baby.diagnostics
    # A file is either loaded, skipped or refused: every one was looked at.
    named = {problem.where.split(" entry ")[0] for problem in report.errors}
    assert named <= {str(path) for path in files}


def test_a_second_import_of_the_examples_adds_nothing(region: Region, examples: Path) -> None:
    _import(examples)
    people, practitioners, keys = (
        Person.objects.count(),
        Practitioner.objects.count(),
        ImportedRecord.objects.count(),
    )

    again = _import(examples)

    assert (Person.objects.count(), Practitioner.objects.count()) == (people, practitioners)
    assert ImportedRecord.objects.count() == keys
    assert "created" not in again.outcomes["Patient"]


# -- bad entries among good ------------------------------------------------------------------------


def test_bad_lines_are_reported_and_the_good_ones_load(region: Region, tmp_path: Path) -> None:
    path = _write_ndjson(
        tmp_path / "Patient.ndjson",
        [
            _patient("9990011028", "Ada"),
            "{not json",
            _patient("9990011027", "Bea"),  # wrong check digit
            {"resourceType": "Patient", "id": "x", "birthDate": "1950"},
            _patient("9990011036", "Cleo"),
        ],
    )

    report = _import(path)

    assert report.outcomes["Patient"]["created"] == 2
    assert {p.given_name for p in Person.objects.filter(given_name__in=["Ada", "Bea", "Cleo"])} == {
        "Ada",
        "Cleo",
    }
    where = {problem.where: problem for problem in report.errors}
    assert set(where) == {f"{path} line 2", f"{path} line 3", f"{path} line 4"}
    assert "not JSON" in where[f"{path} line 2"].diagnostics
    assert where[f"{path} line 3"].expression == "Patient.identifier[0].value"
    assert where[f"{path} line 4"].expression.startswith("Patient.")


def test_each_imported_person_is_audited_under_the_importers_name(
    region: Region, tmp_path: Path
) -> None:
    path = _write_ndjson(tmp_path / "Patient.ndjson", [_patient("9990011028", "Ada")])

    _import(path)

    ada = Person.objects.get(nhs_number="9990011028")
    [event] = AuditEvent.objects.filter(person=ada)
    assert (event.action, event.actor_label) == ("person.register", "system: fhir import tests")
    summary = AuditEvent.objects.filter(action="fhir.import").latest("id")
    assert "1 resources loaded" in summary.reason


# -- a synthetic-patient generator's bundle -----------------------------------------------------------


def _generator_bundle() -> Json:
    """A transaction Bundle shaped as common synthetic-patient generators write them (written
    for this test): urn:uuid full URLs, conditional references to the organisation and
    practitioner by the generator's own identifiers, a US address, and many clinical resources
    joinedup does not keep."""
    patient_url = "urn:uuid:2f1c0a8e-54d1-4b62-9d3e-0c7f3c1e9a01"
    org = {"reference": f"Organization?identifier={SYNTHEA}|f3a1c0de-0000-4000-8000-000000000001"}
    doctor = {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999912345"}
    entries: list[Json] = [
        {
            "fullUrl": "urn:uuid:f3a1c0de-0000-4000-8000-000000000001",
            "resource": {
                "resourceType": "Organization",
                "id": "f3a1c0de-0000-4000-8000-000000000001",
                "identifier": [
                    {"system": SYNTHEA, "value": "f3a1c0de-0000-4000-8000-000000000001"}
                ],
                "active": True,
                "type": [{"coding": [{"code": "prov", "display": "Healthcare Provider"}]}],
                "name": "GREENFIELD HEALTH CENTER",
                "address": [{"line": ["1 Main St"], "city": "Springfield", "postalCode": "01104"}],
            },
            "request": {"method": "POST", "url": "Organization"},
        },
        {
            "fullUrl": "urn:uuid:7d1e0f00-0000-4000-8000-000000000002",
            "resource": {
                "resourceType": "Practitioner",
                "id": "7d1e0f00-0000-4000-8000-000000000002",
                "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "9999912345"}],
                "name": [{"family": "Ruiz", "given": ["Maya"], "prefix": ["Dr."]}],
                "gender": "female",
            },
            "request": {"method": "POST", "url": "Practitioner"},
        },
        {
            "fullUrl": patient_url,
            "resource": {
                "resourceType": "Patient",
                "id": "2f1c0a8e-54d1-4b62-9d3e-0c7f3c1e9a01",
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
                        "valueCode": "F",
                    }
                ],
                "identifier": [
                    {"system": SYNTHEA, "value": "2f1c0a8e-54d1-4b62-9d3e-0c7f3c1e9a01"},
                    {
                        "type": {"coding": [{"code": "SS"}]},
                        "system": "http://hl7.org/fhir/sid/us-ssn",
                        "value": "999-55-1234",
                    },
                ],
                "name": [{"use": "official", "family": "Koch817", "given": ["Lena443"]}],
                "telecom": [{"system": "phone", "value": "555-201-3344", "use": "home"}],
                "gender": "female",
                "birthDate": "1948-07-21",
                "address": [
                    {
                        "line": ["12 Elm Rd"],
                        "city": "Springfield",
                        "state": "MA",
                        "postalCode": "01104",
                    }
                ],
                "maritalStatus": {"coding": [{"code": "W"}], "text": "W"},
                "communication": [{"language": {"coding": [{"code": "en-US"}], "text": "English"}}],
            },
            "request": {"method": "POST", "url": "Patient"},
        },
        {
            "fullUrl": "urn:uuid:aa000000-0000-4000-8000-000000000003",
            "resource": {
                "resourceType": "CareTeam",
                "id": "aa000000-0000-4000-8000-000000000003",
                "status": "active",
                "subject": {"reference": patient_url},
                "participant": [
                    {"role": [{"text": "Primary care physician"}], "member": doctor},
                    {"role": [{"text": "Healthcare provider"}], "member": org},
                ],
                "managingOrganization": [org],
            },
            "request": {"method": "POST", "url": "CareTeam"},
        },
    ]
    for index, kind in enumerate(["Encounter", "Condition", "Observation", "Observation"]):
        resource: Json = {"resourceType": kind, "id": f"clin-{index}"}
        if kind == "Encounter":
            resource.update(status="finished", subject={"reference": patient_url})
            resource["class"] = {"code": "AMB"}
        elif kind == "Condition":
            resource.update(subject={"reference": patient_url}, code={"text": "Hypertension"})
        else:
            resource.update(
                status="final", code={"text": "Body weight"}, subject={"reference": patient_url}
            )
        entries.append(
            {
                "fullUrl": f"urn:uuid:bb00000{index}-0000-4000-8000-000000000000",
                "resource": resource,
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def test_a_generator_bundle_loads_what_joinedup_keeps(region: Region, tmp_path: Path) -> None:
    path = tmp_path / "Lena_Koch.json"
    path.write_text(json.dumps(_generator_bundle()))

    report = _import(path)

    assert report.errors == []
    assert report.skipped == {"Encounter": 1, "Condition": 1, "Observation": 2}
    lena = Person.objects.get(family_name="Koch817")
    assert (lena.given_name, str(lena.date_of_birth), lena.town) == (
        "Lena443",
        "1948-07-21",
        "Springfield",
    )
    assert lena.postcode == ""  # not a UK postcode: left out, and said so
    assert any("01104" in warning.diagnostics for warning in report.warnings)
    # The care team's members were found by the generator's conditional references. The doctor
    # has no role anywhere in joinedup, so she is named through her organisation.
    members = CareTeamMember.objects.filter(person=lena).select_related("organisation")
    assert {m.organisation.name for m in members if m.organisation} == {"GREENFIELD HEALTH CENTER"}
    doctor = Practitioner.objects.get(family_name="Ruiz")
    assert any(doctor.display_name in m.responsibilities for m in members)
    # Lena is in the centre's care now; no one from elsewhere sees her.
    assert not decide(region.actor("nurse"), Action.VIEW_PERSON, lena).allowed


# -- an organisation's import ------------------------------------------------------------------------


def test_an_organisations_import_puts_people_in_its_care(region: Region, tmp_path: Path) -> None:
    path = _write_ndjson(
        tmp_path / "Patient.ndjson",
        [_patient("9990011028", "Ada"), _patient(region.margaret.nhs_number, "Margaret")],
    )
    out = StringIO()

    call_command("import_fhir", str(path), "--organisation", HOLLYBANK, "--no-progress", stdout=out)

    ada = Person.objects.get(nhs_number="9990011028")
    hollybank = Organisation.objects.get(ods_code=HOLLYBANK)
    assert CareTeamMember.objects.filter(person=ada, organisation=hollybank).exists()
    grace = region.actor("care_home_manager")
    assert decide(grace, Action.VIEW_PERSON, ada).allowed
    assert not decide(region.actor("nurse"), Action.VIEW_PERSON, ada).allowed
    # Margaret was already on joinedup: no second record; Hollybank's team joins her care team
    # and her details stay as her care team keep them.
    assert Person.objects.filter(nhs_number=region.margaret.nhs_number).count() == 1
    assert CareTeamMember.objects.filter(person=region.margaret, organisation=hollybank).exists()
    region.margaret.refresh_from_db()
    assert region.margaret.family_name == "Price"
    printed = out.getvalue()
    assert "Patient" in printed and "1 created" in printed and "1 updated" in printed
    assert "left as the person's care team keep it" in printed


def test_the_command_writes_a_full_report(region: Region, tmp_path: Path) -> None:
    path = _write_ndjson(tmp_path / "Patient.ndjson", ["[]", _patient("9990011028", "Ada")])
    report_file = tmp_path / "report.json"

    call_command(
        "import_fhir",
        str(path),
        "--report",
        str(report_file),
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )

    written = json.loads(report_file.read_text())
    assert written["loaded"] == {"Patient": {"created": 1}}
    [error] = written["errors"]
    assert error["where"] == f"{path} line 1"


# -- the region, out and back in -----------------------------------------------------------------------


def test_the_exported_region_imports_again_as_the_same_records(
    region: Region, tmp_path: Path
) -> None:
    call_command("export_fhir", "--out", str(tmp_path), stdout=StringIO())
    people = Person.objects.count()

    report = _import(tmp_path)

    assert report.errors == []
    assert Person.objects.count() == people
    for resource_type, counts in report.outcomes.items():
        assert "created" not in counts, (resource_type, counts)


def _joinedup(*args: str, database: Path) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "joinedup.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    done = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "joinedup.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _counts(folder: Path) -> dict[str, int]:
    return {
        path.stem: sum(1 for line in path.read_text().splitlines() if line.strip())
        for path in sorted(folder.glob("*.ndjson"))
    }


def test_an_export_reimports_into_an_empty_database_with_the_same_counts(
    region: Region, tmp_path: Path
) -> None:
    first, second, database = tmp_path / "first", tmp_path / "second", tmp_path / "empty.sqlite3"
    # Margaret's choices go with her: one in force, one she has withdrawn.
    nurse = region.actor("nurse")
    record_choice(
        actor=nurse,
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        category="mental_health",
        expressed_how=ExpressedHow.SPOKEN,
    )
    withdraw_choice(
        actor=nurse,
        choice=record_choice(
            actor=nurse,
            person=region.margaret,
            kind=ChoiceKind.CONSENT,
            purpose="research",
            expressed_how=ExpressedHow.WRITTEN,
        ),
        reason="She changed her mind after talking it over with her daughter.",
    )
    call_command("export_fhir", "--out", str(first), stdout=StringIO())

    _joinedup("migrate", "--no-input", "-v", "0", database=database)
    printed = _joinedup("import-fhir", str(first), "--no-progress", database=database)
    _joinedup("export-fhir", "--out", str(second), database=database)

    assert "0 refused" in printed
    assert _counts(second) == _counts(first)
    assert all(count > 0 for count in _counts(first).values())
    withdrawn = [
        json.loads(line)
        for line in (second / "Consent.ndjson").read_text().splitlines()
        if '"inactive"' in line
    ]
    assert [consent["status"] for consent in withdrawn] == ["inactive"]
