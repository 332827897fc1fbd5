"""GET /fhir/R4/metadata: a valid CapabilityStatement, open without a token, that lists exactly
what is served (each resource's interactions and searches, and the $export operation) and
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
        "AuditEvent",
        "Provenance",
        "Communication",
        "CarePlan",
        "Goal",
        "RelatedPerson",
        "Consent",
    ]
    read_only = ["read", "search-type"]
    interactions = {
        "Task": [*read_only, "update"],
        "CarePlan": [*read_only, "update", "create", "vread", "history-instance"],
        "Goal": [*read_only, "create"],
        "Consent": [*read_only, "update", "create"],
    }
    for name, resource in resources.items():
        expected = interactions.get(name, read_only)
        assert [i["code"] for i in resource["interaction"]] == expected, name
    # Versions are kept (and If-Match checked) where the domain keeps them.
    versioned_updates = {
        name for name, resource in resources.items() if resource["versioning"] == "versioned-update"
    }
    assert versioned_updates == {"Task", "CarePlan", "Consent"}
    assert [name for name, resource in resources.items() if resource["readHistory"]] == ["CarePlan"]
    conditional_creates = {
        name for name, resource in resources.items() if resource.get("conditionalCreate")
    }
    assert conditional_creates == {"CarePlan", "Consent"}
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
        "AuditEvent": {"patient", "entity", "date", "_lastUpdated"},
        "Provenance": {"target", "patient"},
        "Communication": {"_id", "patient", "subject", "status"},
        "CarePlan": {"patient", "subject", "_id", "status", "_lastUpdated"},
        "Goal": {"patient", "subject", "_id", "lifecycle-status"},
        "RelatedPerson": {"_id", "patient"},
        "Consent": {"_id", "patient", "status", "_lastUpdated"},
    }
    # The whole-system interactions: transaction and batch Bundles posted to the base.
    assert [i["code"] for i in rest["interaction"]] == ["transaction", "batch"]
    assert [operation["name"] for operation in rest["operation"]] == ["export"]


def test_every_fhir_route_declares_access_and_audit() -> None:
    declared = {
        entry.route: declaration_of(entry.view)
        for entry in walk(get_resolver())
        if entry.route.startswith("fhir/R4/")
    }
    assert declared == {
        # Transaction and batch Bundles: each entry is audited by the view that answers it.
        "fhir/R4/": (Access.PERSON_POLICY, Audit.WRITE),
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
        **{
            route: (Access.PERSON_POLICY, Audit.READ)
            for name in ("AuditEvent", "Provenance", "Communication", "RelatedPerson")
            for route in (f"fhir/R4/{name}", f"fhir/R4/^{name}/{ID}$")
        },
        # Search and create at the type; read and update (or withdraw) at the instance.
        "fhir/R4/CarePlan": (Access.PERSON_POLICY, Audit.WRITE),
        f"fhir/R4/^CarePlan/{ID}$": (Access.PERSON_POLICY, Audit.WRITE),
        f"fhir/R4/^CarePlan/{ID}/_history$": (Access.PERSON_POLICY, Audit.READ),
        f"fhir/R4/^CarePlan/{ID}/_history/(?P<version_id>[0-9]{{1,9}})$": (
            Access.PERSON_POLICY,
            Audit.READ,
        ),
        "fhir/R4/Goal": (Access.PERSON_POLICY, Audit.WRITE),
        f"fhir/R4/^Goal/{ID}$": (Access.PERSON_POLICY, Audit.READ),
        "fhir/R4/Consent": (Access.PERSON_POLICY, Audit.WRITE),
        f"fhir/R4/^Consent/{ID}$": (Access.PERSON_POLICY, Audit.WRITE),
        # Bulk Data: the kick-off and the downloads read; the status address can cancel.
        "fhir/R4/^\\$export$": (Access.PERSON_POLICY, Audit.READ),
        "fhir/R4/^\\$export-status/(?P<job_id>[0-9a-fA-F\\-]{36})$": (
            Access.PERSON_POLICY,
            Audit.WRITE,
        ),
        "fhir/R4/^\\$export-files/(?P<job_id>[0-9a-fA-F\\-]{36})/"
        "(?P<resource_type>[A-Za-z]{1,64})\\.ndjson$": (Access.PERSON_POLICY, Audit.READ),
        "fhir/R4/^(?P<path>.*)$": (Access.PUBLIC, Audit.NONE),
    }
