"""GET /fhir/R4/metadata: a valid CapabilityStatement, open without a token, that lists exactly
what is served (read and search of Patient, CareTeam and the four directory resources) and
nothing it does not."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import get_resolver
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from joinedup.core.routes import Access, Audit, declaration_of
from joinedup.core.tests.test_routes import walk
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON
from joinedup.fhir.urls import ID


def test_metadata_is_a_valid_capability_statement_without_a_token(client: Client) -> None:
    response = client.get(f"{FHIR}/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    body = json.loads(response.content)
    CapabilityStatement.model_validate(body)
    assert body["fhirVersion"] == "4.0.1"
    assert body["kind"] == "instance"
    assert FHIR_JSON in body["format"]
    assert body["implementation"]["url"] == f"http://testserver{FHIR}"


def test_metadata_lists_exactly_what_is_supported(client: Client) -> None:
    [rest] = json.loads(client.get(f"{FHIR}/metadata").content)["rest"]
    assert rest["mode"] == "server"
    assert "Bearer" in rest["security"]["description"]
    resources = {resource["type"]: resource for resource in rest["resource"]}
    assert list(resources) == [
        "Patient",
        "Organization",
        "Practitioner",
        "PractitionerRole",
        "HealthcareService",
        "CareTeam",
        "ServiceRequest",
        "Task",
    ]
    for name, resource in resources.items():
        expected = ["read", "search-type", "update"] if name == "Task" else ["read", "search-type"]
        assert [i["code"] for i in resource["interaction"]] == expected, name
    searches = {
        name: {p["name"] for p in resource["searchParam"]} for name, resource in resources.items()
    }
    assert searches == {
        "Patient": {"_id", "identifier", "family", "birthdate"},
        "Organization": {"_id", "identifier", "name"},
        "Practitioner": {"_id", "identifier", "name"},
        "PractitionerRole": {"_id", "practitioner", "organization"},
        "HealthcareService": {"_id", "organization", "name"},
        "CareTeam": {"_id", "patient", "subject"},
        "ServiceRequest": {"_id", "status", "subject", "patient"},
        "Task": {"_id", "focus", "owner", "status", "patient"},
    }
    assert "interaction" not in rest  # no whole-system interactions (transaction, batch, …)
    assert "operation" not in rest  # no $export yet


def test_every_fhir_route_declares_access_and_audit() -> None:
    declared = {
        entry.route: declaration_of(entry.view)
        for entry in walk(get_resolver())
        if entry.route.startswith("fhir/R4/")
    }
    assert declared == {
        "fhir/R4/metadata": (Access.PUBLIC, Audit.NONE),
        "fhir/R4/Patient": (Access.PERSON_POLICY, Audit.READ),
        "fhir/R4/^Patient/(?P<patient_id>[A-Za-z0-9\\-.]{1,64})$": (
            Access.PERSON_POLICY,
            Audit.READ,
        ),
        **{
            route: (Access.STAFF, Audit.NONE)
            for name in ("Organization", "Practitioner", "PractitionerRole", "HealthcareService")
            for route in (f"fhir/R4/{name}", f"fhir/R4/^{name}/{ID}$")
        },
        "fhir/R4/CareTeam": (Access.PERSON_POLICY, Audit.READ),
        f"fhir/R4/^CareTeam/{ID}$": (Access.PERSON_POLICY, Audit.READ),
        "fhir/R4/ServiceRequest": (Access.PERSON_POLICY, Audit.READ),
        f"fhir/R4/^ServiceRequest/{ID}$": (Access.PERSON_POLICY, Audit.READ),
        "fhir/R4/Task": (Access.PERSON_POLICY, Audit.READ),
        # One view answers GET (audited as a read by referral_for) and PUT (a write).
        f"fhir/R4/^Task/{ID}$": (Access.PERSON_POLICY, Audit.WRITE),
        "fhir/R4/^(?P<path>.*)$": (Access.PUBLIC, Audit.NONE),
    }
