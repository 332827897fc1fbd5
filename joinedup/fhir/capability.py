"""The CapabilityStatement at /fhir/R4/metadata. It tells the truth: only what this server
answers today is listed, and core/fhir tests check the list against the URL configuration."""

from __future__ import annotations

from datetime import date
from typing import Any

from joinedup.fhir.outcomes import FHIR_JSON

# When this statement last changed: bump it with what the server supports.
PUBLISHED = date(2026, 11, 24)
SOFTWARE_VERSION = "0.1.0"

PATIENT_SEARCH_PARAMS: tuple[tuple[str, str, str], ...] = (
    ("_id", "token", "The Patient's logical id (the person's joinedup id)."),
    (
        "identifier",
        "token",
        "The NHS number: https://fhir.nhs.uk/Id/nhs-number|9990001111 (the system may be left "
        "out). The number must pass the Modulus 11 check.",
    ),
    (
        "family",
        "string",
        "The whole family name, any case. Needs birthdate too.",
    ),
    ("birthdate", "date", "An exact date of birth, YYYY-MM-DD. Needs family too."),
)


Param = tuple[str, str, str]

DIRECTORY = (
    "Directory data about organisations and staff, not about the people they care for: any "
    "valid token may read it, and reads are not audited."
)

ORGANIZATION_SEARCH_PARAMS: tuple[Param, ...] = (
    ("_id", "token", "The Organization's logical id."),
    (
        "identifier",
        "token",
        "The ODS code: https://fhir.nhs.uk/Id/ods-organization-code|X81001 (the system may be "
        "left out).",
    ),
    ("name", "string", "The start of the organisation's name, any case."),
)
PRACTITIONER_SEARCH_PARAMS: tuple[Param, ...] = (
    ("_id", "token", "The Practitioner's logical id."),
    (
        "identifier",
        "token",
        "The professional registration number, with the regulator's system (GMC, NMC, HCPC, "
        "Social Work England, GPhC) or without one.",
    ),
    ("name", "string", "Each word starts the given or the family name, any case."),
)
PRACTITIONER_ROLE_SEARCH_PARAMS: tuple[Param, ...] = (
    ("_id", "token", "The PractitionerRole's logical id."),
    ("practitioner", "reference", "Practitioner/<id>."),
    ("organization", "reference", "Organization/<id>."),
)
HEALTHCARE_SERVICE_SEARCH_PARAMS: tuple[Param, ...] = (
    ("_id", "token", "The HealthcareService's logical id."),
    ("organization", "reference", "The organisation providing it: Organization/<id>."),
    ("name", "string", "Every word given appears in the service's name, any case."),
)
CARE_TEAM_SEARCH_PARAMS: tuple[Param, ...] = (
    ("_id", "token", "The CareTeam's id, which is the person's (Patient) id."),
    ("patient", "reference", "Patient/<id>: that person's current care team."),
    ("subject", "reference", "The same as patient."),
)

SERVICE_REQUEST_SEARCH_PARAMS: tuple[Param, ...] = (
    ("_id", "token", "The ServiceRequest's id, which is the referral's."),
    ("status", "token", "draft, active, completed or revoked."),
    ("subject", "reference", "Patient/<id>: referrals of that person."),
    ("patient", "reference", "The same as subject."),
)
TASK_SEARCH_PARAMS: tuple[Param, ...] = (
    ("_id", "token", "The Task's id, which is the referral's."),
    ("focus", "reference", "ServiceRequest/<id>: that referral's Task."),
    (
        "owner",
        "reference",
        "Organization/<id> (the receiving organisation) or PractitionerRole/<id> (the "
        "practitioner who took it on).",
    ),
    (
        "status",
        "token",
        "draft, requested, accepted, rejected, in-progress, on-hold, completed, cancelled or "
        "failed.",
    ),
    ("patient", "reference", "Patient/<id>: Tasks for that person."),
)
REFERRALS = (
    "A referral (SDOH Clinical Care pattern: Task.focus is the ServiceRequest; both have the "
    "referral's id). Only the referrer's organisation and the receiving one can read it; "
    "each read or search is audited once."
)

RESOURCES: tuple[tuple[str, tuple[Param, ...], str], ...] = (
    ("Patient", PATIENT_SEARCH_PARAMS, "Read through the access policy; audited."),
    ("Organization", ORGANIZATION_SEARCH_PARAMS, DIRECTORY),
    ("Practitioner", PRACTITIONER_SEARCH_PARAMS, DIRECTORY),
    ("PractitionerRole", PRACTITIONER_ROLE_SEARCH_PARAMS, DIRECTORY + " Only roles in force."),
    ("HealthcareService", HEALTHCARE_SERVICE_SEARCH_PARAMS, DIRECTORY),
    (
        "CareTeam",
        CARE_TEAM_SEARCH_PARAMS,
        "A person's current care team; its id is the person's. Read through the access "
        "policy; each read or search is audited once.",
    ),
    ("ServiceRequest", SERVICE_REQUEST_SEARCH_PARAMS, REFERRALS),
    (
        "Task",
        TASK_SEARCH_PARAMS,
        REFERRALS + " PUT changes the status (If-Match required: 428 without it, 412 when "
        "stale); only status, statusReason, output and owner are read. The receiving service "
        "sets accepted, rejected, in-progress, on-hold, completed and failed; the referrer "
        "sets cancelled.",
    ),
)

# Beyond read and search-type, and how versions are kept, where they differ.
UPDATES = frozenset({"Task"})
VERSIONED = {"ServiceRequest": "versioned", "Task": "versioned-update"}


def _resource(resource_type: str, params: tuple[Param, ...], documentation: str) -> dict[str, Any]:
    return {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "documentation": documentation,
        "interaction": [
            {"code": "read"},
            {"code": "search-type"},
            *([{"code": "update"}] if resource_type in UPDATES else []),
        ],
        "versioning": VERSIONED.get(resource_type, "no-version"),
        "readHistory": False,
        "updateCreate": False,
        **({"conditionalUpdate": False} if resource_type in UPDATES else {}),
        "searchParam": [
            {"name": name, "type": kind, "documentation": text} for name, kind, text in params
        ],
    }


def capability_statement(base_url: str) -> dict[str, Any]:
    """The statement for a server whose base (…/fhir/R4) is `base_url`."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": PUBLISHED.isoformat(),
        "publisher": "joinedup",
        "kind": "instance",
        "software": {"name": "joinedup", "version": SOFTWARE_VERSION},
        "implementation": {
            "description": (
                "joinedup shared care record: HL7 FHIR R4 interface (Patient, CareTeam, "
                "the directory and referrals (ServiceRequest, Task), read and search; Task "
                "status update)"
            ),
            "url": base_url,
        },
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Every read of a person's data (Patient, CareTeam, ServiceRequest, Task) "
                    "goes through joinedup's "
                    "access policy and is audited. A record the caller may not see answers 404, "
                    "the same as one that does not exist. Directory resources (Organization, "
                    "Practitioner, PractitionerRole, HealthcareService) need only a valid token."
                ),
                "security": {
                    "cors": False,
                    # Plain bearer tokens, not OAuth or SMART: no coded service fits, so the
                    # text says what it is.
                    "service": [{"text": "Bearer token (a joinedup API token)"}],
                    "description": (
                        "Send the same API token as /api/v1/ in the Authorization header: "
                        "'Bearer <token>' (joinedup create-api-token). The token acts as one "
                        "user in one role profile. Only /metadata is open without one."
                    ),
                },
                "resource": [
                    _resource(resource_type, params, documentation)
                    for resource_type, params, documentation in RESOURCES
                ],
                "searchParam": [
                    {
                        "name": "_count",
                        "type": "number",
                        "documentation": "Matches per page: 20 unless given, at most 100.",
                    }
                ],
            }
        ],
    }
