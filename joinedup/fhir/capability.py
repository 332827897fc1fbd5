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
            "description": "joinedup shared care record: HL7 FHIR R4 interface (first slice)",
            "url": base_url,
        },
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Every read goes through joinedup's access policy and is audited. A record "
                    "the caller may not see answers 404, the same as one that does not exist."
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
                    {
                        "type": "Patient",
                        "profile": "http://hl7.org/fhir/StructureDefinition/Patient",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "versioning": "no-version",
                        "readHistory": False,
                        "updateCreate": False,
                        "searchParam": [
                            {"name": name, "type": kind, "documentation": documentation}
                            for name, kind, documentation in PATIENT_SEARCH_PARAMS
                        ],
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
