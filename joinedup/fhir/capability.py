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

AUDIT_EVENT_SEARCH_PARAMS: tuple[Param, ...] = (
    ("patient", "reference", "Patient/<id>: that person's access log, newest first. Required."),
    ("entity", "reference", "The same as patient (only Patient/<id>)."),
    (
        "date",
        "date",
        "When it happened: ge, gt, le, lt or eq and a date or a date-time; twice for a range.",
    ),
    ("_lastUpdated", "date", "The same as date: an event never changes once recorded."),
)
PROVENANCE_SEARCH_PARAMS: tuple[Param, ...] = (
    (
        "target",
        "reference",
        "Task/<id> (each step of that referral), CareTeam/<id> (each change to that care "
        "team) or CarePlan/<id> (who made each version of that plan, and when).",
    ),
    (
        "patient",
        "reference",
        "Patient/<id>: the changes to that person's care team, the versions of their care "
        "plans and the steps of their referrals sent or received by the token's organisation.",
    ),
)
COMMUNICATION_SEARCH_PARAMS: tuple[Param, ...] = (
    ("_id", "token", "The Communication's id, which is the handover's."),
    ("patient", "reference", "Patient/<id>: handovers about that person."),
    ("subject", "reference", "The same as patient."),
    (
        "status",
        "token",
        "in-progress (waiting for the receiver's read-back) or completed (acknowledged).",
    ),
)
TRAIL = " Each read or search is audited once."

CARE_PLAN_SEARCH_PARAMS: tuple[Param, ...] = (
    ("patient", "reference", "Patient/<id>: that person's care plans, the active one first."),
    ("subject", "reference", "The same as patient."),
    ("_id", "token", "The CarePlan's id, which is the plan's."),
    ("status", "token", "active (the plan in force) or completed (a closed plan)."),
    (
        "_lastUpdated",
        "date",
        "When the plan last changed: eq, gt, ge, lt or le and a date or a date-time with a "
        "time zone; once.",
    ),
)
GOAL_SEARCH_PARAMS: tuple[Param, ...] = (
    ("patient", "reference", "Patient/<id>: the goals in that person's care plans."),
    ("subject", "reference", "The same as patient."),
    ("_id", "token", "The Goal's id."),
    ("lifecycle-status", "token", "active, completed (achieved) or cancelled (stopped)."),
)
CARE_PLANS = (
    " Read through the access policy; each read or search is audited once. Each item's "
    "information category decides whether it reaches the token's organisation."
)

RELATED_PERSON_SEARCH_PARAMS: tuple[Param, ...] = (
    ("patient", "reference", "Patient/<id>: everyone recorded in that person's life."),
    ("_id", "token", "The RelatedPerson's id, which is the relationship's."),
)
CONSENT_SEARCH_PARAMS: tuple[Param, ...] = (
    ("patient", "reference", "Patient/<id>: that person's consents and objections."),
    ("_id", "token", "The Consent's id."),
    ("status", "token", "active (in force) or inactive (withdrawn)."),
    (
        "_lastUpdated",
        "date",
        "When it was recorded or withdrawn: eq, gt, ge, lt or le and a date or a date-time "
        "with a time zone; once.",
    ),
)
PEOPLE_IN_THEIR_LIFE = " Read through the access policy; each read or search is audited once."

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
    (
        "AuditEvent",
        AUDIT_EVENT_SEARCH_PARAMS,
        "A line of a person's access log: who opened or changed the record, when, why and "
        "with what outcome. Only a reader the access policy lets see that person's log finds "
        "any; reading it is itself a line of the log (access_log.view).",
    ),
    (
        "Provenance",
        PROVENANCE_SEARCH_PARAMS,
        "Who changed a person's care team (target CareTeam) or care plan (target CarePlan) "
        "or moved a referral on (target Task), and when. Read under the same rules as the "
        "CareTeam, the CarePlan and the Task." + TRAIL,
    ),
    (
        "Communication",
        COMMUNICATION_SEARCH_PARAMS,
        "A handover between professionals in SBAR form, with the receiver's read-back. Only "
        "its giver and its receiver (or the receiving team) can read it." + TRAIL,
    ),
    (
        "CarePlan",
        CARE_PLAN_SEARCH_PARAMS,
        "A person's shared care and support plan; its id and versions are the plan's."
        + CARE_PLANS
        + " POST starts a plan (If-None-Exist honoured: one match answers it, several 412); "
        "PUT changes its sections (description, the 'If things go wrong' and 'Whom to call' "
        "notes, the review activity) with If-Match required (428 without it, 412 when stale). "
        "_history and vread give every version, earlier ones from the snapshot kept.",
    ),
    (
        "Goal",
        GOAL_SEARCH_PARAMS,
        "A goal in the person's words with its five goal attainment levels as targets."
        + CARE_PLANS
        + " POST sets a goal in the person's active plan (If-Match, if sent, names the plan's "
        "version). Goals are not changed here.",
    ),
    (
        "RelatedPerson",
        RELATED_PERSON_SEARCH_PARAMS,
        "Someone in a person's life: family, carers, friends, advocates, attorneys (coded "
        "POWATT; HPOWATT under a health and welfare lasting power of attorney) and deputies."
        + PEOPLE_IN_THEIR_LIFE,
    ),
    (
        "Consent",
        CONSENT_SEARCH_PARAMS,
        "The person's consent (provision permit) or objection (deny) to sharing an information "
        "category (or all) with an organisation (or any) for a purpose."
        + PEOPLE_IN_THEIR_LIFE
        + " POST records one (If-None-Exist honoured: one match answers it, several 412); the "
        "Mental Capacity Act rules apply. PUT with status inactive and a reason withdraws one, "
        "with If-Match required (428 without it, 412 when stale); nothing else is changed.",
    ),
)

# System-level Bulk Data export (fhir/bulk_views.py).
BULK_EXPORT_DEFINITION = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
BULK_EXPORT = (
    "GET [base]/$export with 'Prefer: respond-async': only a system client token with the "
    "export scope, and only its organisation's scope (the people in its care, its referrals, "
    "and the directory). _type (some of Patient, CareTeam, ServiceRequest, Task, Organization, "
    "Practitioner, PractitionerRole, HealthcareService) and _outputFormat "
    "(application/fhir+ndjson) may be given; _since is not supported. Answers 202 with the "
    "status address in Content-Location; the files are NDJSON, downloaded with the same token. "
    "Every exported person is audited."
)

# Beyond read and search-type, and how versions are kept, where they differ.
UPDATES = frozenset({"Task", "CarePlan", "Consent"})
CREATES = frozenset({"CarePlan", "Goal", "Consent"})
CONDITIONAL_CREATES = frozenset({"CarePlan", "Consent"})
HISTORIES = frozenset({"CarePlan"})
VERSIONED = {
    "ServiceRequest": "versioned",
    "Task": "versioned-update",
    "CarePlan": "versioned-update",
    "Consent": "versioned-update",
}


def _resource(resource_type: str, params: tuple[Param, ...], documentation: str) -> dict[str, Any]:
    return {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "documentation": documentation,
        "interaction": [
            {"code": "read"},
            {"code": "search-type"},
            *([{"code": "update"}] if resource_type in UPDATES else []),
            *([{"code": "create"}] if resource_type in CREATES else []),
            *(
                [{"code": "vread"}, {"code": "history-instance"}]
                if resource_type in HISTORIES
                else []
            ),
        ],
        "versioning": VERSIONED.get(resource_type, "no-version"),
        "readHistory": resource_type in HISTORIES,
        "updateCreate": False,
        **({"conditionalUpdate": False} if resource_type in UPDATES else {}),
        **(
            {"conditionalCreate": resource_type in CONDITIONAL_CREATES}
            if resource_type in CREATES
            else {}
        ),
        "searchParam": [
            {"name": name, "type": kind, "documentation": text} for name, kind, text in params
        ],
    }


TRANSACTION = (
    "POST a Bundle of type transaction to the base: all its entries or none. Entries are done "
    "in FHIR's order (DELETE, POST, PUT, GET), each by the address it names, as if sent alone "
    "(the same access policy, checks and audit). urn:uuid full URLs of created entries and "
    "conditional references (Patient?identifier=…) are replaced by the record's Type/id. The "
    "first entry refused undoes everything; the answer is its status and OperationOutcome, "
    "naming the entry (Bundle.entry[n]). At most 500 entries."
)
BATCH = (
    "POST a Bundle of type batch to the base: each entry done on its own, as if sent alone, "
    "with its own status (and OperationOutcome when refused) in the batch-response. Entries "
    "may not refer to each other. At most 500 entries."
)


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
                "the directory, referrals (ServiceRequest, Task), the access log (AuditEvent), "
                "Provenance and handovers (Communication), read and search; Task "
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
                    "Every read of a person's data (Patient, CareTeam, ServiceRequest, Task, "
                    "AuditEvent, Provenance, Communication, CarePlan, Goal) "
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
                "interaction": [
                    {"code": "transaction", "documentation": TRANSACTION},
                    {"code": "batch", "documentation": BATCH},
                ],
                "operation": [
                    {
                        "name": "export",
                        "definition": BULK_EXPORT_DEFINITION,
                        "documentation": BULK_EXPORT,
                    }
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
