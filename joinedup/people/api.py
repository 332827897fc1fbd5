"""The people endpoints of /api/v1/: search, and a person's record summary with care team.

Both read through people.selectors, which ask the access policy and audit every read; these
functions only check input and shape output."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import TypedDict

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from joinedup.api.auth import actor_of
from joinedup.api.declarations import declare
from joinedup.api.problems import FieldProblem, InvalidInput
from joinedup.api.schemas import (
    AboutMeOut,
    AboutMeSection,
    Address,
    AttorneyRef,
    CareTeamMemberOut,
    Coded,
    EntryOut,
    LpaOut,
    OrganisationRef,
    PersonBrief,
    PersonSearchIn,
    PersonSearchOut,
    PersonSummaryOut,
    PracticeRef,
    PractitionerOut,
    Problem,
    RelatedPersonRef,
    RelationshipOut,
    TeamRef,
)
from joinedup.careteams.models import CareTeamMember
from joinedup.core.routes import Access, Audit
from joinedup.directory.models import Organisation, Practitioner, Team
from joinedup.people.models import (
    AboutMe,
    CommunicationNeed,
    LastingPowerOfAttorney,
    Person,
    Relationship,
)
from joinedup.people.selectors import PersonSummary, person_summary_for, search_people
from joinedup.records.models import RecordEntry

router = Router(tags=["people"])

_NEEDS = dict(CommunicationNeed.choices)
_ABOUT_ME_HEADINGS = {
    field.name: str(field.verbose_name)
    for field in AboutMe._meta.fields
    if field.name in AboutMe.SECTIONS
}


@router.get(
    "",
    response={200: PersonSearchOut, 400: Problem, 401: Problem},
    summary="Find people by NHS number, or by family name and date of birth",
    openapi_extra=declare(access=Access.PERSON_POLICY, audit=Audit.READ),
)
def find_people(request: HttpRequest, query: Query[PersonSearchIn]) -> PersonSearchOut:
    """Only people the token's role profile may see are found (at most 50). Audited as one
    search."""
    found = search_people(actor_of(request), **search_criteria(query))
    return PersonSearchOut(results=[person_brief(person) for person in found], count=len(found))


@router.get(
    "/{person_id}",
    response={200: PersonSummaryOut, 400: Problem, 401: Problem, 404: Problem},
    summary="A person's record summary, with their care team and the record entries shared "
    "with the token's organisation",
    openapi_extra=declare(access=Access.PERSON_POLICY, audit=Audit.READ),
)
def person_summary(
    request: HttpRequest, person_id: uuid.UUID, response: HttpResponse
) -> PersonSummaryOut:
    """404 alike for a person who does not exist and one the token may not see. `entries` holds
    only what the access policy lets reach the token's organisation (sharing agreements,
    the person's objections, disclosures without consent and seals). Audited as one read of
    the record, naming the information categories returned."""
    summary = person_summary_for(actor_of(request), person_id)
    response["ETag"] = etag_of(summary)
    return summary_out(summary)


# -- input ----------------------------------------------------------------------------------


class SearchCriteria(TypedDict, total=False):
    nhs_number: str
    family_name: str | None
    date_of_birth: date | None
    given_name: str | None


def search_criteria(query: PersonSearchIn) -> SearchCriteria:
    """The selector's arguments, or InvalidInput naming the parameter that is missing (or not
    wanted: an NHS number search takes nothing else)."""
    by_name = SearchCriteria(
        family_name=query.family_name,
        date_of_birth=query.date_of_birth,
        given_name=query.given_name,
    )
    given = [name for name, value in by_name.items() if value is not None]
    if query.nhs_number is not None:
        if given:
            raise InvalidInput(
                [
                    FieldProblem(
                        name=name,
                        rule="not_with_nhs_number",
                        detail="Search by NHS number or by name and date of birth, not both.",
                    )
                    for name in given
                ]
            )
        return {"nhs_number": query.nhs_number}
    if not given:
        raise InvalidInput(
            [
                FieldProblem(
                    name="nhs_number",
                    rule="required",
                    detail="Give nhs_number, or family_name and date_of_birth.",
                )
            ]
        )
    missing = [name for name in ("family_name", "date_of_birth") if by_name.get(name) is None]
    if missing:
        raise InvalidInput(
            [
                FieldProblem(
                    name=name,
                    rule="required",
                    detail=f"Give {name}: searching by name needs family_name and date_of_birth.",
                )
                for name in missing
            ]
        )
    return by_name


# -- output ---------------------------------------------------------------------------------


def etag_of(summary: PersonSummary) -> str:
    """Names this version of the record, for If-Match on later writes."""
    person = summary.person
    version = summary.about_me.version if summary.about_me else 0
    seed = f"{person.pk}:{person.updated_at.isoformat()}:{version}"
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'


def _code(value: str, label: object) -> Coded:
    return Coded(code=value, label=str(label))


def _practice(organisation: Organisation | None) -> PracticeRef | None:
    if organisation is None:
        return None
    return PracticeRef(id=organisation.pk, name=organisation.name, ods_code=organisation.ods_code)


def _organisation(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef(
        id=organisation.pk,
        name=organisation.name,
        ods_code=organisation.ods_code,
        type=_code(organisation.org_type, organisation.get_org_type_display()),
    )


def _team(team: Team | None) -> TeamRef | None:
    return TeamRef(id=team.pk, name=team.name) if team is not None else None


def person_brief(person: Person) -> PersonBrief:
    return PersonBrief(
        id=person.pk,
        nhs_number=person.nhs_number or None,
        given_name=person.given_name,
        family_name=person.family_name,
        preferred_name=person.preferred_name,
        date_of_birth=person.date_of_birth,
        sex=_code(person.sex, person.get_sex_display()),
        postcode=person.postcode,
        gp_practice=_practice(person.gp_practice),
        date_of_death=person.date_of_death,
    )


def _about_me(about_me: AboutMe | None) -> AboutMeOut | None:
    if about_me is None:
        return None
    return AboutMeOut(
        version=about_me.version,
        updated_at=about_me.created_at,
        supported_to_write_by=about_me.supported_to_write_by,
        sections=[
            AboutMeSection(
                key=key,
                heading=_ABOUT_ME_HEADINGS[key],
                text=getattr(about_me, key),
            )
            for key in AboutMe.SECTIONS
        ],
    )


def _relationship(relationship: Relationship) -> RelationshipOut:
    return RelationshipOut(
        id=relationship.pk,
        kind=_code(relationship.kind, relationship.get_kind_display()),
        relationship=relationship.relationship,
        title=relationship.title,
        given_name=relationship.given_name,
        family_name=relationship.family_name,
        phone=relationship.phone,
        email=relationship.email,
        address=relationship.address,
        postcode=relationship.postcode,
        next_of_kin=relationship.is_next_of_kin,
        main_carer=relationship.is_main_carer,
    )


def _lpa(lpa: LastingPowerOfAttorney) -> LpaOut:
    return LpaOut(
        id=lpa.pk,
        type=_code(lpa.lpa_type, lpa.get_lpa_type_display()),
        status=_code(lpa.status, lpa.get_status_display()),
        attorneys_act=_code(lpa.attorneys_act, lpa.get_attorneys_act_display()),
        covers_life_sustaining_treatment=lpa.covers_life_sustaining_treatment,
        registration_reference=lpa.registration_reference,
        registered_on=lpa.registered_on,
        verification=_code(lpa.verification, lpa.get_verification_display()),
        usable=lpa.is_usable,
        attorneys=[
            AttorneyRef(relationship_id=attorney.pk, name=attorney.full_name)
            for attorney in lpa.attorneys.all()
        ],
    )


def _practitioner(practitioner: Practitioner) -> PractitionerOut:
    return PractitionerOut(
        id=practitioner.pk,
        name=practitioner.display_name,
        profession=_code(practitioner.profession, practitioner.get_profession_display()),
        regulator=_code(practitioner.regulator, practitioner.get_regulator_display()),
        registration_number=practitioner.registration_number,
        registration_verified=practitioner.registration_verified,
    )


def _care_team_member(member: CareTeamMember) -> CareTeamMemberOut:
    profile = member.role_profile
    related = member.relationship
    return CareTeamMemberOut(
        id=member.pk,
        role=_code(member.role, member.get_role_display()),
        responsibilities=member.responsibilities,
        starts_on=member.starts_on,
        ends_on=member.ends_on,
        practitioner=_practitioner(profile.practitioner) if profile else None,
        organisation=_organisation(member.organisation) if member.organisation else None,
        job_role=_code(profile.job_role, profile.get_job_role_display()) if profile else None,
        team=_team(profile.team) if profile else None,
        related_person=RelatedPersonRef(
            relationship_id=related.pk,
            name=related.full_name,
            kind=_code(related.kind, related.get_kind_display()),
            relationship=related.relationship,
        )
        if related
        else None,
    )


def _entry(entry: RecordEntry) -> EntryOut:
    return EntryOut(
        id=entry.pk,
        section=_code(entry.section, entry.get_section_display()),
        title=entry.title,
        details=entry.details,
        category=_code(entry.category_id, entry.category.name),
        author_organisation=_organisation(entry.author_organisation),
        recorded_at=entry.recorded_at,
        sealed=entry.sealed,
    )


def summary_out(summary: PersonSummary) -> PersonSummaryOut:
    person = summary.person
    return PersonSummaryOut(
        id=person.pk,
        nhs_number=person.nhs_number or None,
        title=person.title,
        given_name=person.given_name,
        other_given_names=person.other_given_names,
        family_name=person.family_name,
        preferred_name=person.preferred_name,
        pronouns=person.pronouns,
        date_of_birth=person.date_of_birth,
        sex=_code(person.sex, person.get_sex_display()),
        gender_identity=person.gender_identity,
        address=Address(
            line_1=person.address_line_1,
            line_2=person.address_line_2,
            town=person.town,
            postcode=person.postcode,
        ),
        phone=person.phone,
        email=person.email,
        gp_practice=_practice(person.gp_practice),
        preferred_language=person.preferred_language,
        interpreter_needed=person.interpreter_needed,
        communication_needs=[
            _code(code, _NEEDS.get(code, code)) for code in person.communication_needs
        ],
        communication_notes=person.communication_notes,
        date_of_death=person.date_of_death,
        about_me=_about_me(summary.about_me),
        relationships=[_relationship(r) for r in summary.relationships],
        lpas=[_lpa(lpa) for lpa in summary.lpas],
        care_team=[_care_team_member(member) for member in summary.care_team],
        possible_duplicates=summary.possible_duplicate_count,
        entries=[_entry(entry) for entry in summary.entries],
    )
