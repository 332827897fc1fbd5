"""The directory and care teams as FHIR R4 resources: Organization, Practitioner,
PractitionerRole, HealthcareService and CareTeam. docs/fhir.md holds the mapping tables.

Pure functions of what the selectors returned: nothing here reads the database or audits
(the callers' selectors fetch the related rows these follow)."""

from __future__ import annotations

from datetime import date

from joinedup.accounts.models import RoleProfile
from joinedup.careteams.models import CareTeamMember
from joinedup.directory.models import (
    Organisation,
    OrganisationType,
    Practitioner,
    Regulator,
    Service,
)
from joinedup.fhir.mapping import ODS_CODE_SYSTEM, Json, without_empty
from joinedup.people.models import Person

ORGANISATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/organization-type"

# The HL7 organisation type nearest each of ours; the text always carries our own words.
ORGANISATION_TYPE_CODES: dict[str, tuple[str, str]] = {
    OrganisationType.NHS_TRUST: ("prov", "Healthcare Provider"),
    OrganisationType.GP_PRACTICE: ("prov", "Healthcare Provider"),
    OrganisationType.LOCAL_AUTHORITY: ("govt", "Government"),
    OrganisationType.CARE_HOME: ("prov", "Healthcare Provider"),
    OrganisationType.HOME_CARE: ("prov", "Healthcare Provider"),
    OrganisationType.VOLUNTARY: ("cg", "Community Group"),
    OrganisationType.HOUSING: ("other", "Other"),
    OrganisationType.PHARMACY: ("prov", "Healthcare Provider"),
    OrganisationType.HOSPICE: ("prov", "Healthcare Provider"),
    OrganisationType.OTHER: ("other", "Other"),
}

# Identifier systems for professional registrations: as used by UK Core where published
# (docs/fhir.md says which are our own choice).
REGISTRATION_SYSTEMS: dict[str, str] = {
    Regulator.GMC: "https://fhir.hl7.org.uk/Id/gmc-number",
    Regulator.NMC: "https://fhir.hl7.org.uk/Id/nmc-number",
    Regulator.HCPC: "https://fhir.hl7.org.uk/Id/hcpc-number",
    Regulator.SWE: "https://fhir.hl7.org.uk/Id/swe-number",
    Regulator.GPHC: "https://fhir.hl7.org.uk/Id/gphc-number",
}
REGULATOR_OF_SYSTEM = {system: regulator for regulator, system in REGISTRATION_SYSTEMS.items()}

# joinedup's own code systems for its job roles and professions (no national value set fits
# health and social care together): the text is always the words, the code the exact value, so
# a record moved to another joinedup keeps both.
JOB_ROLE_SYSTEM = "https://joinedup.example/fhir/CodeSystem/job-role"
PROFESSION_SYSTEM = "https://joinedup.example/fhir/CodeSystem/profession"


def _reference(resource_type: str, resource_id: object, display: str) -> Json:
    return {"reference": f"{resource_type}/{resource_id}", "display": display}


def organisation_ref(organisation: Organisation) -> Json:
    return _reference("Organization", organisation.pk, organisation.name)


def _period(starts_on: date | None, ends_on: date | None) -> Json:
    return {
        "start": starts_on.isoformat() if starts_on else None,
        "end": ends_on.isoformat() if ends_on else None,
    }


def _contact_points(phone: str, email: str, website: str = "") -> list[Json]:
    return [
        {"system": system, "value": value, "use": "work"}
        for system, value in (("phone", phone), ("email", email), ("url", website))
        if value
    ]


def organization(organisation: Organisation) -> Json:
    code, display = ORGANISATION_TYPE_CODES.get(organisation.org_type, ("other", "Other"))
    resource: Json = {
        "resourceType": "Organization",
        "id": str(organisation.pk),
        "meta": {"lastUpdated": organisation.updated_at.isoformat()},
        "identifier": [{"system": ODS_CODE_SYSTEM, "value": organisation.ods_code}]
        if organisation.ods_code
        else [],
        "active": True,
        "type": [
            {
                "coding": [{"system": ORGANISATION_TYPE_SYSTEM, "code": code, "display": display}],
                "text": organisation.get_org_type_display(),
            }
        ],
        "name": organisation.name,
        "telecom": _contact_points(organisation.phone, organisation.email, organisation.website),
        "address": [
            {"use": "work", "text": organisation.address, "postalCode": organisation.postcode}
        ],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def practitioner(person: Practitioner) -> Json:
    system = REGISTRATION_SYSTEMS.get(person.regulator)
    resource: Json = {
        "resourceType": "Practitioner",
        "id": str(person.pk),
        "meta": {"lastUpdated": person.updated_at.isoformat()},
        "identifier": [{"system": system, "value": person.registration_number}]
        if system and person.registration_number
        else [],
        "active": True,
        "name": [
            {
                "use": "official",
                "family": person.family_name,
                "given": [person.given_name],
                "prefix": [person.title] if person.title else [],
            }
        ],
        "telecom": _contact_points(person.phone, person.email),
        "qualification": [
            {
                "code": {
                    "coding": [
                        {
                            "system": PROFESSION_SYSTEM,
                            "code": person.profession,
                            "display": person.get_profession_display(),
                        }
                    ],
                    "text": person.get_profession_display(),
                }
            }
        ],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def practitioner_role(profile: RoleProfile) -> Json:
    resource: Json = {
        "resourceType": "PractitionerRole",
        "id": str(profile.pk),
        "meta": {"lastUpdated": profile.updated_at.isoformat()},
        "active": True,
        "period": _period(profile.starts_on, profile.ends_on),
        "practitioner": _reference(
            "Practitioner", profile.practitioner_id, profile.practitioner.display_name
        ),
        "organization": organisation_ref(profile.organisation),
        "code": [
            {
                "coding": [
                    {
                        "system": JOB_ROLE_SYSTEM,
                        "code": profile.job_role,
                        "display": profile.get_job_role_display(),
                    }
                ],
                "text": profile.get_job_role_display(),
            }
        ],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def response_targets(service: Service) -> str:
    return (
        f"Routine referrals are answered within {service.response_target_routine_days} "
        f"working days, urgent ones within {service.response_target_urgent_hours} hours."
    )


def healthcare_service(service: Service) -> Json:
    referral = service.referral_route if service.accepts_referrals else ""
    resource: Json = {
        "resourceType": "HealthcareService",
        "id": str(service.pk),
        "meta": {"lastUpdated": service.updated_at.isoformat()},
        "active": True,
        "providedBy": organisation_ref(service.organisation),
        "name": service.name,
        "comment": service.description,
        "telecom": _contact_points(service.phone, service.email),
        "eligibility": [{"comment": service.eligibility}] if service.eligibility else [],
        "characteristic": [
            {"text": service.get_capacity_status_display()},
            {"text": "Takes referrals" if service.accepts_referrals else "Does not take referrals"},
        ],
        "referralMethod": [{"text": referral}] if referral else [],
        "availabilityExceptions": response_targets(service),
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def _participant(member: CareTeamMember) -> Json:
    participant: Json = {
        "role": [{"text": member.get_role_display()}],
        "period": _period(member.starts_on, member.ends_on),
    }
    profile = member.role_profile
    if profile is not None:
        participant["member"] = _reference(
            "PractitionerRole",
            profile.pk,
            f"{profile.practitioner.display_name}, {profile.get_job_role_display()}",
        )
        participant["onBehalfOf"] = organisation_ref(profile.organisation)
    elif member.relationship is not None:
        related = member.relationship
        how = related.relationship or related.get_kind_display()
        participant["member"] = _reference(
            "RelatedPerson", related.pk, f"{related.given_name} {related.family_name} ({how})"
        )
    elif member.organisation is not None:
        # The organisation's team as a whole, before anyone there is named.
        participant["member"] = organisation_ref(member.organisation)
    return participant


def care_team(person: Person, members: list[CareTeamMember]) -> Json:
    """The person's current care team. Its id is the person's: there is one care team each."""
    organisations: dict[object, Organisation] = {}
    for member in members:
        if member.organisation is not None:
            organisations.setdefault(member.organisation_id, member.organisation)
    resource: Json = {
        "resourceType": "CareTeam",
        "id": str(person.pk),
        "status": "active",
        "name": "Care team",
        "subject": _reference("Patient", person.pk, person.full_name),
        "participant": [_participant(member) for member in members],
        "managingOrganization": [organisation_ref(org) for org in organisations.values()],
    }
    cleaned: Json = without_empty(resource)
    return cleaned
