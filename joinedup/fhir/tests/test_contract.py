"""/fhir/R4/ over real HTTP: a running server, httpx, personas' tokens. The nurse reads and
finds Margaret Price; the outsider's read is the same 404 as a made-up id; paging links are
absolute URLs a client can follow. `live_server` flushes the database after each test; the
region is built again before the next (joinedup/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region
from joinedup.fhir.mapping import NHS_NUMBER_SYSTEM
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON, token_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def http(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_server.url}{FHIR}", timeout=20) as client:
        yield client


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(Region(), key)}", "Accept": FHIR_JSON}


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == FHIR_JSON
    body: dict[str, Any] = response.json()
    return body


def _outcome(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == FHIR_JSON
    body: dict[str, Any] = response.json()
    OperationOutcome.model_validate(body)
    return body


def test_a_client_reads_and_searches_as_the_nurse(http: httpx.Client) -> None:
    CapabilityStatement.model_validate(_ok(http.get("/metadata")))
    nurse = _bearer("nurse")
    margaret = Region().margaret
    before = AuditEvent.objects.count()

    patient = Patient.model_validate(_ok(http.get(f"/Patient/{margaret.pk}", headers=nurse)))
    assert AuditEvent.objects.count() == before + 1

    found = _ok(
        http.get(
            "/Patient", params={"identifier": f"{NHS_NUMBER_SYSTEM}|9990001111"}, headers=nurse
        )
    )
    Bundle.model_validate(found)
    assert found["total"] == 1
    assert found["entry"][0]["resource"]["id"] == patient.id
    base = str(http.base_url).rstrip("/")
    assert found["entry"][0]["fullUrl"] == f"{base}/Patient/{patient.id}"
    assert AuditEvent.objects.count() == before + 2


def test_paging_links_work_for_a_client(http: httpx.Client) -> None:
    gp = _bearer("gp")
    first = _ok(
        http.get(
            "/Patient",
            params={"family": "Price", "birthdate": "1944-03-12", "_count": "1"},
            headers=gp,
        )
    )
    assert first["total"] >= 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    second = _ok(httpx.get(links["next"], headers=gp, timeout=20))
    Bundle.model_validate(second)
    assert second["total"] == first["total"]
    assert second["entry"][0]["resource"]["id"] != first["entry"][0]["resource"]["id"]
    assert {link["relation"] for link in second["link"]} >= {"self", "previous"}


def test_the_outsider_and_the_anonymous_get_operation_outcomes(http: httpx.Client) -> None:
    margaret = Region().margaret
    outsider = _bearer("outsider")
    forbidden = http.get(f"/Patient/{margaret.pk}", headers=outsider)
    missing = http.get(f"/Patient/{uuid.uuid4()}", headers=outsider)
    assert _outcome(forbidden, 404) == _outcome(missing, 404)
    assert forbidden.content == missing.content

    anonymous = http.get(f"/Patient/{margaret.pk}")
    assert _outcome(anonymous, 401)["issue"][0]["code"] == "login"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    _outcome(http.get("/Patient", params={"identifier": "123"}, headers=outsider), 400)
    _outcome(http.get("/metadata", params={"_format": "xml"}), 406)
