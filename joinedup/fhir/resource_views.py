"""/fhir/R4/ Organization, Practitioner, PractitionerRole, HealthcareService and CareTeam: read
by id and search, with `_count` paging (docs/fhir.md).

The directory resources describe organisations and staff, not the people they care for: any
valid token may read them and they are not audited, as on the directory pages. CareTeam is
person data: it is read through people.selectors, so the access policy decides (a person the
token may not see has no care team it can read: 404, or an empty search) and each read or
search writes one audit event."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from joinedup.core.errors import NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.fhir import mapping, mapping_directory
from joinedup.fhir.outcomes import fhir_response, invalid_parameter, not_found, unauthorised
from joinedup.fhir.selectors import (
    CareTeamView,
    care_team_for,
    fhir_organisations,
    fhir_practitioners,
    fhir_role_profiles,
    fhir_services,
)
from joinedup.fhir.views import (
    FHIR_ID,
    SearchProblem,
    base_url,
    fhir_actor,
    fhir_endpoint,
    page_asked,
    search_parameters,
)
from joinedup.people.selectors import parse_person_id
from joinedup.sharing.actors import Actor

T = TypeVar("T", bound=Model)

ORGANIZATION_CRITERIA = ("_id", "identifier", "name")
PRACTITIONER_CRITERIA = ("_id", "identifier", "name")
PRACTITIONER_ROLE_CRITERIA = ("_id", "practitioner", "organization")
HEALTHCARE_SERVICE_CRITERIA = ("_id", "organization", "name")
CARE_TEAM_CRITERIA = ("_id", "patient", "subject")


# -- reading the parameters -----------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """A search's criteria (name → value, as given), its page, and the date bounds given
    (`dates`: name and value, each date parameter up to twice) where the search takes them."""

    criteria: dict[str, str]
    count: int
    offset: int
    dates: tuple[tuple[str, str], ...] = ()

    def pairs(self) -> list[tuple[str, str]]:
        return [*self.criteria.items(), *self.dates]


def parse_search(request: HttpRequest, known: Sequence[str], *, dated: Sequence[str] = ()) -> Asked:
    """The criteria among `known` and the page asked for, or SearchProblem. Unknown parameters
    are ignored unless the client sent `Prefer: handling=strict`. The parameters in `dated`
    may be given twice (a lower and an upper bound): they are in `dates`."""
    given, dates = search_parameters(request, known, ranges=dated)
    count, offset = page_asked(given)
    criteria = {name: given[name] for name in known if name in given}
    for name, value in [*criteria.items(), *dates]:
        if not value:
            raise SearchProblem(name, f"Give a value for {name}.")
    if "_id" in criteria and not FHIR_ID.match(criteria["_id"]):
        raise SearchProblem("_id", "Give _id as the resource's id.")
    return Asked(criteria=criteria, count=count, offset=offset, dates=tuple(dates))


def reference_id(name: str, value: str, resource_type: str) -> str:
    """The id in a reference parameter: `Type/id`, a full URL ending in it, or the bare id."""
    parts = value.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] != resource_type:
        raise SearchProblem(name, f"Give {name} as a reference to a {resource_type}.")
    if not FHIR_ID.match(parts[-1]):
        raise SearchProblem(name, f"Give {name} as {resource_type}/<id>.")
    return parts[-1]


def identifier_token(value: str) -> tuple[str | None, str]:
    """`system|value`, `|value` or `value`: the system (None when left out) and the value."""
    system, bar, code = value.rpartition("|")
    if not code.strip():
        raise SearchProblem("identifier", "Give the identifier's value after the '|'.")
    return (system or None) if bar else None, code.strip()


# -- answering ------------------------------------------------------------------------------


def _search_url(request: HttpRequest, resource_type: str, asked: Asked, offset: int) -> str:
    pairs = [*asked.pairs(), ("_count", str(asked.count))]
    if offset:
        pairs.append(("_offset", str(offset)))
    return f"{base_url(request)}/{resource_type}?{urlencode(pairs)}"


def searchset_response(
    request: HttpRequest,
    resource_type: str,
    asked: Asked,
    found: QuerySet[Any] | Sequence[Any],
    to_resource: Callable[[Any], mapping.Json],
) -> HttpResponse:
    """One page of `found` as a searchset Bundle with self, next and previous links."""
    total = found.count() if isinstance(found, QuerySet) else len(found)
    page = list(found[asked.offset : asked.offset + asked.count])
    after = asked.offset + asked.count
    resources = [to_resource(item) for item in page]
    root = base_url(request)
    return fhir_response(
        mapping.searchset(
            entries=[(f"{root}/{resource_type}/{r['id']}", r) for r in resources],
            total=total,
            self_url=_search_url(request, resource_type, asked, asked.offset),
            next_url=_search_url(request, resource_type, asked, after) if after < total else None,
            previous_url=_search_url(
                request, resource_type, asked, max(asked.offset - asked.count, 0)
            )
            if asked.offset
            else None,
        )
    )


def person_search(
    request: HttpRequest,
    resource_type: str,
    known: Sequence[str],
    find: Callable[[Actor, dict[str, str]], QuerySet[Any] | Sequence[Any]],
    to_resource: Callable[[Any], mapping.Json],
) -> HttpResponse:
    """A search of person data: the token's actor, the criteria among `known` (400 naming the
    parameter at fault), then `find` (through the selectors, which apply the access policy and
    audit the search once) and one page of what it found."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        asked = parse_search(request, known)
        found = find(actor, asked.criteria)
    except SearchProblem as problem:
        return invalid_parameter(problem.name, problem.diagnostics, code=problem.code)
    return searchset_response(request, resource_type, asked, found, to_resource)


def _directory_search(
    request: HttpRequest,
    resource_type: str,
    known: Sequence[str],
    find: Callable[[dict[str, str]], QuerySet[T]],
    to_resource: Callable[[T], mapping.Json],
) -> HttpResponse:
    if fhir_actor(request) is None:
        return unauthorised(request)
    try:
        asked = parse_search(request, known)
        found = find(asked.criteria)
    except SearchProblem as problem:
        return invalid_parameter(problem.name, problem.diagnostics, code=problem.code)
    return searchset_response(request, resource_type, asked, found, to_resource)


def _directory_read(
    request: HttpRequest, found: QuerySet[T], to_resource: Callable[[T], mapping.Json]
) -> HttpResponse:
    if fhir_actor(request) is None:
        return unauthorised(request)
    item = found.first()
    if item is None:
        return not_found()
    return fhir_response(to_resource(item))


# -- Organization ---------------------------------------------------------------------------


def _ods_code(value: str) -> str:
    system, code = identifier_token(value)
    if system not in (None, mapping.ODS_CODE_SYSTEM):
        raise SearchProblem(
            "identifier",
            f"Organisations are found by ODS code: use the system {mapping.ODS_CODE_SYSTEM}.",
            code="not-supported",
        )
    return code


def _find_organisations(criteria: dict[str, str]) -> QuerySet[Any]:
    return fhir_organisations(
        organisation_id=criteria.get("_id"),
        ods_code=_ods_code(criteria["identifier"]) if "identifier" in criteria else "",
        name_prefix=criteria.get("name", ""),
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@fhir_endpoint
def organization_search(request: HttpRequest) -> HttpResponse:
    """Organisations by ODS code, the start of their name or id; every one without criteria.
    Directory data: any valid token, not audited."""
    return _directory_search(
        request,
        "Organization",
        ORGANIZATION_CRITERIA,
        _find_organisations,
        mapping_directory.organization,
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@fhir_endpoint
def organization_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One organisation. Directory data: any valid token, not audited."""
    return _directory_read(
        request, fhir_organisations(organisation_id=resource_id), mapping_directory.organization
    )


# -- Practitioner ---------------------------------------------------------------------------


def _find_practitioners(criteria: dict[str, str]) -> QuerySet[Any]:
    regulator = registration = ""
    if "identifier" in criteria:
        system, registration = identifier_token(criteria["identifier"])
        if system is not None:
            if system not in mapping_directory.REGULATOR_OF_SYSTEM:
                raise SearchProblem(
                    "identifier",
                    "Practitioners are found by professional registration: use one of the "
                    "systems " + ", ".join(mapping_directory.REGISTRATION_SYSTEMS.values()) + ".",
                    code="not-supported",
                )
            regulator = mapping_directory.REGULATOR_OF_SYSTEM[system]
    return fhir_practitioners(
        practitioner_id=criteria.get("_id"),
        name=criteria.get("name", ""),
        regulator=regulator,
        registration_number=registration,
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@fhir_endpoint
def practitioner_search(request: HttpRequest) -> HttpResponse:
    """Practitioners by name, professional registration or id. Directory data: any valid
    token, not audited."""
    return _directory_search(
        request,
        "Practitioner",
        PRACTITIONER_CRITERIA,
        _find_practitioners,
        mapping_directory.practitioner,
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@fhir_endpoint
def practitioner_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One practitioner. Directory data: any valid token, not audited."""
    return _directory_read(
        request, fhir_practitioners(practitioner_id=resource_id), mapping_directory.practitioner
    )


# -- PractitionerRole -----------------------------------------------------------------------


def _find_role_profiles(criteria: dict[str, str]) -> QuerySet[Any]:
    return fhir_role_profiles(
        role_profile_id=criteria.get("_id"),
        practitioner_id=reference_id("practitioner", criteria["practitioner"], "Practitioner")
        if "practitioner" in criteria
        else None,
        organisation_id=reference_id("organization", criteria["organization"], "Organization")
        if "organization" in criteria
        else None,
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@fhir_endpoint
def practitioner_role_search(request: HttpRequest) -> HttpResponse:
    """Role profiles in force today, by practitioner, organisation or id. Directory data: any
    valid token, not audited."""
    return _directory_search(
        request,
        "PractitionerRole",
        PRACTITIONER_ROLE_CRITERIA,
        _find_role_profiles,
        mapping_directory.practitioner_role,
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@fhir_endpoint
def practitioner_role_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One role profile in force today. Directory data: any valid token, not audited."""
    return _directory_read(
        request,
        fhir_role_profiles(role_profile_id=resource_id),
        mapping_directory.practitioner_role,
    )


# -- HealthcareService ----------------------------------------------------------------------


def _find_services(criteria: dict[str, str]) -> QuerySet[Any]:
    return fhir_services(
        service_id=criteria.get("_id"),
        organisation_id=reference_id("organization", criteria["organization"], "Organization")
        if "organization" in criteria
        else None,
        name=criteria.get("name", ""),
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@fhir_endpoint
def healthcare_service_search(request: HttpRequest) -> HttpResponse:
    """Services by organisation, name or id. Directory data: any valid token, not audited."""
    return _directory_search(
        request,
        "HealthcareService",
        HEALTHCARE_SERVICE_CRITERIA,
        _find_services,
        mapping_directory.healthcare_service,
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@fhir_endpoint
def healthcare_service_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One service. Directory data: any valid token, not audited."""
    return _directory_read(
        request, fhir_services(service_id=resource_id), mapping_directory.healthcare_service
    )


# -- CareTeam -------------------------------------------------------------------------------


def _care_team_resource(view: CareTeamView) -> mapping.Json:
    return mapping_directory.care_team(view.person, view.members)


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def care_team_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """A person's current care team (its id is the person's): 404 alike for a missing person
    and one the token may not see. One audit event, by people.selectors."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        view = care_team_for(actor, resource_id)
    except NotFound:
        return not_found()
    return fhir_response(_care_team_resource(view))


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def care_team_search(request: HttpRequest) -> HttpResponse:
    """The care team of one person, by `patient`, `subject` or `_id`: a searchset of one, or
    empty when the token may not see the person. One audit event per search."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        asked = parse_search(request, CARE_TEAM_CRITERIA)
        person_id = _care_team_person(asked.criteria)
    except SearchProblem as problem:
        return invalid_parameter(problem.name, problem.diagnostics, code=problem.code)
    found: list[CareTeamView] = []
    with contextlib.suppress(NotFound):
        found = [care_team_for(actor, person_id)]
    return searchset_response(request, "CareTeam", asked, found, _care_team_resource)


def _care_team_person(criteria: dict[str, str]) -> str:
    given = [(name, criteria[name]) for name in CARE_TEAM_CRITERIA if name in criteria]
    if not given:
        raise SearchProblem(
            "patient", "Search by patient (Patient/<id>), subject or _id.", code="required"
        )
    ids = {
        reference_id(name, value, "Patient") if name != "_id" else value for name, value in given
    }
    if len(ids) > 1:
        raise SearchProblem(given[1][0], "Ask for one person's care team at a time.")
    [person_id] = ids
    if parse_person_id(person_id) is None:
        raise SearchProblem(given[0][0], "Give the Patient's id.")
    return person_id
