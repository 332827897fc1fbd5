"""joinedup's domain as FHIR R4 resources (UK Core where it applies). This slice maps a person
to a Patient and a page of people to a searchset Bundle; docs/fhir.md holds the mapping table.

Pure functions of what the selectors returned: nothing here reads the database or audits."""

from __future__ import annotations

from typing import Any

from joinedup.directory.models import Organisation
from joinedup.people.models import Person, Sex

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_CODE_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"

Json = dict[str, Any]

GENDER: dict[str, str] = {
    Sex.FEMALE: "female",
    Sex.MALE: "male",
    Sex.INDETERMINATE: "other",
    Sex.NOT_KNOWN: "unknown",
}

# BCP 47 tags for the languages people in the region most often give; any other language is
# sent as text alone, which FHIR allows.
LANGUAGE_TAGS = {
    "english": "en",
    "welsh": "cy",
    "polish": "pl",
    "urdu": "ur",
    "punjabi": "pa",
    "bengali": "bn",
    "gujarati": "gu",
    "arabic": "ar",
    "french": "fr",
    "portuguese": "pt",
    "romanian": "ro",
    "somali": "so",
    "spanish": "es",
    "british sign language": "bfi",
}


def patient(person: Person) -> Json:
    """The Patient resource for a person whose record the actor has already opened."""
    resource: Json = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "meta": {"lastUpdated": person.updated_at.isoformat()},
        "extension": [{"url": INTERPRETER_REQUIRED, "valueBoolean": person.interpreter_needed}],
        "identifier": _identifiers(person),
        "name": _names(person),
        "telecom": _telecom(person),
        "gender": GENDER.get(person.sex, "unknown"),
        "birthDate": person.date_of_birth.isoformat(),
        "deceasedDateTime": person.date_of_death.isoformat() if person.date_of_death else None,
        "address": _addresses(person),
        "communication": _communication(person),
        "generalPractitioner": [organisation_reference(person.gp_practice)]
        if person.gp_practice
        else [],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def organisation_reference(organisation: Organisation) -> Json:
    """A reference to the Organization, with its ODS code as a logical identifier too."""
    reference: Json = {
        "reference": f"Organization/{organisation.pk}",
        "type": "Organization",
        "display": organisation.name,
    }
    if organisation.ods_code:
        reference["identifier"] = {"system": ODS_CODE_SYSTEM, "value": organisation.ods_code}
    return reference


def _identifiers(person: Person) -> list[Json]:
    if not person.nhs_number:
        return []
    return [{"system": NHS_NUMBER_SYSTEM, "value": person.nhs_number}]


def _names(person: Person) -> list[Json]:
    given = [person.given_name, *person.other_given_names.split()]
    official: Json = {
        "use": "official",
        "family": person.family_name,
        "given": given,
        "prefix": [person.title] if person.title else [],
    }
    names = [official]
    if person.preferred_name:
        names.append({"use": "usual", "given": [person.preferred_name]})
    return names


def _telecom(person: Person) -> list[Json]:
    points = []
    if person.phone:
        points.append({"system": "phone", "value": person.phone})
    if person.email:
        points.append({"system": "email", "value": person.email})
    return points


def _addresses(person: Person) -> list[Json]:
    lines = [line for line in (person.address_line_1, person.address_line_2) if line]
    if not (lines or person.town or person.postcode):
        return []
    address: Json = {
        "use": "home",
        "line": lines,
        "city": person.town,
        "postalCode": person.postcode,
    }
    return [address]


def _communication(person: Person) -> list[Json]:
    language = person.preferred_language.strip()
    if not language:
        return []
    concept: Json = {"text": language}
    tag = LANGUAGE_TAGS.get(language.lower())
    if tag:
        concept["coding"] = [{"system": LANGUAGE_SYSTEM, "code": tag, "display": language}]
    return [{"language": concept, "preferred": True}]


def without_empty(value: Any) -> Any:
    """FHIR forbids empty strings, lists and objects: drop them (and None), recursively.
    Called on every resource written (an export writes hundreds of thousands), so it descends
    only into containers and tests emptiness without building throwaway values."""
    if isinstance(value, dict):
        return {
            key: cleaned
            for key, item in value.items()
            if not _empty(cleaned := without_empty(item) if isinstance(item, dict | list) else item)
        }
    if isinstance(value, list):
        return [
            cleaned
            for item in value
            if not _empty(cleaned := without_empty(item) if isinstance(item, dict | list) else item)
        ]
    return value


def _empty(value: Any) -> bool:
    return value is None or ((value == "" or not value) and isinstance(value, str | list | dict))


def searchset(
    *,
    entries: list[tuple[str, Json]],
    total: int,
    self_url: str,
    next_url: str | None,
    previous_url: str | None = None,
) -> Json:
    """A searchset Bundle of (fullUrl, resource) matches, with its paging links."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    if previous_url:
        links.append({"relation": "previous", "url": previous_url})
    bundle: Json = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    if entries:  # FHIR forbids an empty list
        bundle["entry"] = [
            {"fullUrl": full_url, "resource": resource, "search": {"mode": "match"}}
            for full_url, resource in entries
        ]
    return bundle
