"""GET /fhir/R4/metadata: a valid CapabilityStatement, open without a token, that lists exactly
what this slice serves (Patient read and search) and nothing it does not."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import get_resolver
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from joinedup.core.routes import Access, Audit, declaration_of
from joinedup.core.tests.test_routes import walk
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON


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
    [patient] = rest["resource"]
    assert patient["type"] == "Patient"
    assert [i["code"] for i in patient["interaction"]] == ["read", "search-type"]
    assert {p["name"] for p in patient["searchParam"]} == {
        "_id",
        "identifier",
        "family",
        "birthdate",
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
        "fhir/R4/^(?P<path>.*)$": (Access.PUBLIC, Audit.NONE),
    }
