"""Reading the directory: organisations, services, teams, practitioners and their role profiles.

Directory data describes organisations and staff, not the people they care for, so any
signed-in staff member may read it and reads are not audited. Every filter runs in SQL; names
are matched through the same Lower() expressions the indexes are built on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.core.errors import NotFound
from joinedup.directory.models import Organisation, Practitioner, Service, Team


def _words(text: str) -> list[str]:
    return [word for word in text.lower().split() if word]


def search_organisations(
    *, name: str = "", org_type: str = "", ods_code: str = ""
) -> QuerySet[Organisation]:
    """Organisations whose name contains every word typed, of a type, or with an ODS code."""
    organisations = Organisation.objects.annotate(name_lower=Lower("name"))
    for word in _words(name):
        organisations = organisations.filter(name_lower__contains=word)
    if org_type:
        organisations = organisations.filter(org_type=org_type)
    if ods_code.strip():
        # ODS codes are upper case; an exact match uses the unique index.
        organisations = organisations.filter(ods_code=ods_code.strip().upper())
    return organisations.order_by("name_lower", "id")


def search_services(
    *,
    need: str = "",
    name: str = "",
    capacity_status: str = "",
    accepts_referrals: bool | None = None,
) -> QuerySet[Service]:
    """Services meeting a need (a keyword from what they say they meet), by name, capacity
    status or whether they take referrals, with their organisation."""
    services = Service.objects.select_related("organisation").annotate(name_lower=Lower("name"))
    if need.strip():
        # needs_met is a JSON list of keywords; its text form works on SQLite and PostgreSQL.
        services = services.annotate(
            needs_text=Lower(Cast("needs_met", output_field=TextField()))
        ).filter(needs_text__contains=need.strip().lower())
    for word in _words(name):
        services = services.filter(name_lower__contains=word)
    if capacity_status:
        services = services.filter(capacity_status=capacity_status)
    if accepts_referrals is not None:
        services = services.filter(accepts_referrals=accepts_referrals)
    return services.order_by("name_lower", "id")


def _name_filter(words: list[str], *, given: str, family: str) -> Q:
    """Every word must start the given name or the family name."""
    condition = Q()
    for word in words:
        condition &= Q(**{f"{given}__startswith": word}) | Q(**{f"{family}__startswith": word})
    return condition


def _active_role_profiles() -> QuerySet[RoleProfile]:
    today = timezone.localdate()
    return (
        RoleProfile.objects.filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("organisation", "team")
        .order_by("organisation__name", "job_role")
    )


def search_practitioners(
    *, name: str = "", profession: str = "", regulator: str = ""
) -> QuerySet[Practitioner]:
    """Practitioners by name, profession or regulator, with where they work now."""
    practitioners = Practitioner.objects.annotate(
        family_lower=Lower("family_name"), given_lower=Lower("given_name")
    ).filter(_name_filter(_words(name), given="given_lower", family="family_lower"))
    if profession:
        practitioners = practitioners.filter(profession=profession)
    if regulator:
        practitioners = practitioners.filter(regulator=regulator)
    return practitioners.prefetch_related(
        Prefetch("role_profiles", queryset=_active_role_profiles(), to_attr="current_roles")
    ).order_by("family_lower", "given_lower", "id")


def search_teams(*, name: str = "", organisation_id: uuid.UUID | None = None) -> QuerySet[Team]:
    """Teams by name or organisation, with their organisation and service."""
    teams = Team.objects.select_related("organisation", "service").annotate(
        name_lower=Lower("name")
    )
    for word in _words(name):
        teams = teams.filter(name_lower__contains=word)
    if organisation_id is not None:
        teams = teams.filter(organisation_id=organisation_id)
    return teams.order_by("name_lower", "id")


def search_role_profiles(*, name: str) -> QuerySet[RoleProfile]:
    """Practitioners' current role profiles whose practitioner's name matches every word typed:
    the choices for adding someone to a care team. Empty for an empty name."""
    words = _words(name)
    if not words:
        return RoleProfile.objects.none()
    return (
        _active_role_profiles()
        .select_related("practitioner")
        .annotate(
            family_lower=Lower("practitioner__family_name"),
            given_lower=Lower("practitioner__given_name"),
        )
        .filter(_name_filter(words, given="given_lower", family="family_lower"))
        .exclude(job_role="it_administrator")
        .order_by("family_lower", "given_lower", "organisation__name", "id")
    )


def get_role_profile(role_profile_id: object) -> RoleProfile:
    """One current role profile, or NotFound."""
    try:
        parsed = uuid.UUID(str(role_profile_id))
    except ValueError:
        raise NotFound from None
    profile = _active_role_profiles().select_related("practitioner").filter(pk=parsed).first()
    if profile is None:
        raise NotFound
    return profile


@dataclass(frozen=True)
class OrganisationDetail:
    organisation: Organisation
    services: list[Service]
    teams: list[Team]
    role_profiles: list[RoleProfile]


def organisation_detail(organisation_id: object) -> OrganisationDetail:
    """An organisation with its services, teams and the practitioners working there now
    (through their role profiles), in four queries. NotFound when there is no such
    organisation."""
    try:
        parsed = uuid.UUID(str(organisation_id))
    except ValueError:
        raise NotFound from None
    organisation = Organisation.objects.filter(pk=parsed).first()
    if organisation is None:
        raise NotFound
    return OrganisationDetail(
        organisation=organisation,
        services=list(Service.objects.filter(organisation=organisation).order_by("name")),
        teams=list(
            Team.objects.filter(organisation=organisation)
            .select_related("service")
            .order_by("name")
        ),
        role_profiles=list(
            _active_role_profiles()
            .filter(organisation=organisation)
            .exclude(job_role="it_administrator")
            .select_related("practitioner")
            .order_by("practitioner__family_name", "practitioner__given_name", "job_role")
        ),
    )


def directory_counts() -> dict[str, int]:
    """How many organisations, services, teams and practitioners the directory holds."""
    return {
        "organisations": Organisation.objects.count(),
        "services": Service.objects.count(),
        "teams": Team.objects.count(),
        "practitioners": Practitioner.objects.count(),
    }
