"""What the FHIR interface reads, beyond what the existing selectors already answer.

The directory (organisations, services, practitioners and their role profiles) describes
organisations and staff, not the people they care for: any valid token may read it and reads
are not audited, as on the directory pages. These build on directory.selectors.

A person's care team is person data: it is read only through people.selectors, so the access
policy decides and the read is audited once, exactly as the person's summary page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.accounts.roles import JobRole
from joinedup.careteams.models import CareTeamMember
from joinedup.directory.models import Organisation, Practitioner, Service
from joinedup.directory.selectors import (
    search_organisations,
    search_practitioners,
    search_services,
)
from joinedup.people.models import Person
from joinedup.people.selectors import care_team_of_person_for
from joinedup.sharing.actors import Actor


def _uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# -- the directory (not audited) ------------------------------------------------------------


def fhir_organisations(
    *, organisation_id: str | None = None, ods_code: str = "", name_prefix: str = ""
) -> QuerySet[Organisation]:
    """Organisations by id, ODS code or the start of their name (any case); all of them when
    nothing is given. An id that is not a UUID matches nothing."""
    organisations = search_organisations(ods_code=ods_code)
    if organisation_id is not None:
        parsed = _uuid(organisation_id)
        if parsed is None:
            return organisations.none()
        organisations = organisations.filter(pk=parsed)
    if name_prefix.strip():
        organisations = organisations.filter(name__istartswith=name_prefix.strip())
    return organisations


def fhir_practitioners(
    *,
    practitioner_id: str | None = None,
    name: str = "",
    regulator: str = "",
    registration_number: str = "",
) -> QuerySet[Practitioner]:
    """Practitioners by id, name (each word starts the given or family name) or professional
    registration (regulator and number)."""
    practitioners = search_practitioners(name=name, regulator=regulator)
    if practitioner_id is not None:
        parsed = _uuid(practitioner_id)
        if parsed is None:
            return practitioners.none()
        practitioners = practitioners.filter(pk=parsed)
    if registration_number:
        practitioners = practitioners.filter(registration_number__iexact=registration_number)
    return practitioners


def fhir_role_profiles(
    *,
    role_profile_id: str | None = None,
    practitioner_id: str | None = None,
    organisation_id: str | None = None,
) -> QuerySet[RoleProfile]:
    """Role profiles in force today (FHIR PractitionerRole), IT administrators' left out as on
    the directory pages, by id, practitioner or organisation."""
    today = timezone.localdate()
    profiles = (
        RoleProfile.objects.filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .exclude(job_role=JobRole.IT_ADMINISTRATOR)
        .select_related("practitioner", "organisation")
        .order_by("organisation__name", "practitioner__family_name", "job_role", "id")
    )
    for field, value in (
        ("pk", role_profile_id),
        ("practitioner_id", practitioner_id),
        ("organisation_id", organisation_id),
    ):
        if value is None:
            continue
        parsed = _uuid(value)
        if parsed is None:
            return profiles.none()
        profiles = profiles.filter(**{field: parsed})
    return profiles


def fhir_services(
    *, service_id: str | None = None, organisation_id: str | None = None, name: str = ""
) -> QuerySet[Service]:
    """Services by id, organisation or name (every word typed appears in it)."""
    services = search_services(name=name)
    for field, value in (("pk", service_id), ("organisation_id", organisation_id)):
        if value is None:
            continue
        parsed = _uuid(value)
        if parsed is None:
            return services.none()
        services = services.filter(**{field: parsed})
    return services


# -- a person's care team (policy and audit) ------------------------------------------------


@dataclass(frozen=True)
class CareTeamView:
    person: Person
    members: list[CareTeamMember]


def care_team_for(actor: Actor, person_id: object) -> CareTeamView:
    """The person's current care team, if the actor may see the person: NotFound otherwise
    (missing and forbidden alike). One audit event naming the core record only; an
    organisation that only holds a referral for the person sees no care team, as there."""
    person, members = care_team_of_person_for(actor, person_id)
    return CareTeamView(person=person, members=members)
