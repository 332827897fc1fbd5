"""GET /fhir/R4/Organization, Practitioner, PractitionerRole and HealthcareService: the directory
as valid FHIR. Riverside Medical Practice is found by its ODS code (X81001), Nadia Okafor by
name and by her NMC registration; any valid token may read the directory, none is audited."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region
from joinedup.fhir.mapping import ODS_CODE_SYSTEM
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON, FhirClient, Json, outcome

FhirAs = Callable[[str | None], FhirClient]
NMC = "https://fhir.hl7.org.uk/Id/nmc-number"


def _bundle(response: Any) -> Json:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: Json = json.loads(response.content)
    Bundle.model_validate(body)
    assert body["type"] == "searchset"
    return body


def _resources(bundle: Json) -> list[Json]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def _link(bundle: Json, relation: str) -> str | None:
    return next((link["url"] for link in bundle["link"] if link["relation"] == relation), None)


def _riverside(nurse: FhirClient) -> Json:
    [riverside] = _resources(
        _bundle(nurse.get("/Organization", {"identifier": f"{ODS_CODE_SYSTEM}|X81001"}))
    )
    return riverside


def _nadia(nurse: FhirClient) -> Json:
    [nadia] = _resources(_bundle(nurse.get("/Practitioner", {"name": "nadia okafor"})))
    return nadia


# -- Organization ---------------------------------------------------------------------------


def test_riverside_is_found_by_ods_code_and_read_by_id(fhir_as: FhirAs) -> None:
    nurse = fhir_as("nurse")
    riverside = _riverside(nurse)

    Organization.model_validate(riverside)
    assert riverside["name"] == "Riverside Medical Practice"
    assert riverside["identifier"] == [{"system": ODS_CODE_SYSTEM, "value": "X81001"}]
    assert riverside["type"][0]["text"] == "GP practice"
    response = nurse.get(f"/Organization/{riverside['id']}")
    assert response.status_code == 200
    assert json.loads(response.content) == riverside
    # The system may be left out, and the code given in any case.
    assert _resources(_bundle(nurse.get("/Organization", {"identifier": "x81001"}))) == [riverside]


def test_organisations_by_the_start_of_their_name(fhir_as: FhirAs) -> None:
    found = _resources(_bundle(fhir_as("gp").get("/Organization", {"name": "riverSIDE med"})))
    assert [o["name"] for o in found] == ["Riverside Medical Practice"]
    none = _bundle(fhir_as("gp").get("/Organization", {"name": "Medical Practice"}))
    assert none["total"] == 0


def test_organisations_page_with_next_links_to_the_end(fhir_as: FhirAs) -> None:
    outsider = fhir_as("outsider")
    first = _bundle(outsider.get("/Organization", {"_count": "2"}))
    total = first["total"]
    assert total > 2
    seen = [o["id"] for o in _resources(first)]
    next_url = _link(first, "next")
    while next_url:
        page = _bundle(outsider.get(next_url.removeprefix(f"http://testserver{FHIR}")))
        assert len(_resources(page)) <= 2
        seen += [o["id"] for o in _resources(page)]
        next_url = _link(page, "next")
    assert len(seen) == len(set(seen)) == total
    for organisation in _resources(first):
        Organization.model_validate(organisation)


def test_another_identifier_system_or_no_value_is_refused(fhir_as: FhirAs) -> None:
    nurse = fhir_as("nurse")
    other = outcome(nurse.get("/Organization", {"identifier": "urn:other|X81001"}), 400)
    assert other["issue"][0]["expression"] == ["identifier"]
    assert other["issue"][0]["code"] == "not-supported"
    outcome(nurse.get("/Organization", {"identifier": f"{ODS_CODE_SYSTEM}|"}), 400)
    outcome(nurse.get("/Practitioner", {"identifier": f"{NMC}|"}), 400)
    outcome(nurse.get("/Practitioner", {"identifier": "urn:other|123"}), 400)


# -- Practitioner and PractitionerRole ------------------------------------------------------


def test_nadia_is_found_by_name_and_registration(fhir_as: FhirAs) -> None:
    gp = fhir_as("gp")
    nadia = _nadia(gp)

    Practitioner.model_validate(nadia)
    assert nadia["name"] == [{"use": "official", "family": "Okafor", "given": ["Nadia"]}]
    assert nadia["identifier"] == [{"system": NMC, "value": "09A1234E"}]
    by_number = _resources(_bundle(gp.get("/Practitioner", {"identifier": f"{NMC}|09A1234E"})))
    assert by_number == [nadia]
    wrong_regulator = gp.get(
        "/Practitioner", {"identifier": "https://fhir.hl7.org.uk/Id/gmc-number|09A1234E"}
    )
    assert _bundle(wrong_regulator)["total"] == 0
    assert json.loads(gp.get(f"/Practitioner/{nadia['id']}").content) == nadia


def test_nadias_role_at_the_community_trust(region: Region, fhir_as: FhirAs) -> None:
    gp = fhir_as("gp")
    nadia = _nadia(gp)
    roles = _resources(
        _bundle(gp.get("/PractitionerRole", {"practitioner": f"Practitioner/{nadia['id']}"}))
    )
    profile = region.role_profile("nurse")
    role = next(r for r in roles if r["id"] == str(profile.pk))

    PractitionerRole.model_validate(role)
    assert role["practitioner"] == {
        "reference": f"Practitioner/{nadia['id']}",
        "display": "Nadia Okafor",
    }
    assert role["organization"]["reference"] == f"Organization/{profile.organisation_id}"
    assert role["code"] == [
        {
            "coding": [
                {
                    "system": "https://joinedup.example/fhir/CodeSystem/job-role",
                    "code": "community_nurse",
                    "display": "Community nurse",
                }
            ],
            "text": "Community nurse",
        }
    ]
    assert role["period"]["start"] == profile.starts_on.isoformat()
    by_organisation = _resources(
        _bundle(
            gp.get(
                "/PractitionerRole",
                {"organization": f"Organization/{profile.organisation_id}", "_count": "100"},
            )
        )
    )
    assert role in by_organisation
    assert all(
        r["organization"]["reference"] == f"Organization/{profile.organisation_id}"
        for r in by_organisation
    )
    assert json.loads(gp.get(f"/PractitionerRole/{profile.pk}").content) == role


def test_a_reference_to_the_wrong_type_is_refused(fhir_as: FhirAs) -> None:
    response = fhir_as("gp").get("/PractitionerRole", {"practitioner": "Patient/abc"})
    assert outcome(response, 400)["issue"][0]["expression"] == ["practitioner"]


# -- HealthcareService ----------------------------------------------------------------------


def test_services_of_an_organisation(fhir_as: FhirAs) -> None:
    nurse = fhir_as("nurse")
    first = _bundle(nurse.get("/HealthcareService", {"_count": "1"}))
    [service] = _resources(first)
    HealthcareService.model_validate(service)
    assert "working days" in service["availabilityExceptions"]
    provider = service["providedBy"]["reference"]
    assert provider.startswith("Organization/")
    assert _link(first, "next")

    offered = _resources(
        _bundle(nurse.get("/HealthcareService", {"organization": provider, "_count": "100"}))
    )
    assert service in offered
    for each in offered:
        HealthcareService.model_validate(each)
        assert each["providedBy"]["reference"] == provider
    by_name = _resources(_bundle(nurse.get("/HealthcareService", {"name": service["name"]})))
    assert service in by_name
    assert json.loads(nurse.get(f"/HealthcareService/{service['id']}").content) == service


# -- all of them ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource_type", ["Organization", "Practitioner", "PractitionerRole", "HealthcareService"]
)
def test_directory_reads_need_a_token_answer_404_and_are_not_audited(
    resource_type: str, fhir_as: FhirAs
) -> None:
    before = AuditEvent.objects.count()
    outcome(fhir_as(None).get(f"/{resource_type}"), 401)
    outcome(fhir_as(None).get(f"/{resource_type}/{uuid.uuid4()}"), 401)
    outsider = fhir_as("outsider")
    assert outcome(outsider.get(f"/{resource_type}/{uuid.uuid4()}"), 404)
    assert outcome(outsider.get(f"/{resource_type}/not-a-uuid"), 404)
    assert _bundle(outsider.get(f"/{resource_type}", {"_count": "3"}))["total"] > 0
    assert AuditEvent.objects.count() == before
