"""The API's typed input and output: what a client sends and exactly what it gets back.

Outputs are built explicitly from selector results (see people/api.py), never from whatever
attributes a model happens to have, so adding a model field never leaks it through the API."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from joinedup.core.identifiers import InvalidIdentifier, normalise_nhs_number

# -- problems (RFC 9457) --------------------------------------------------------------------


class ProblemField(Schema):
    """One thing wrong with the request: which parameter (`name`) or body member (`pointer`,
    a JSON pointer such as `#/given_name`), the rule it broke, and what to do about it."""

    name: str | None = None
    pointer: str | None = None
    rule: str
    detail: str


class Problem(Schema):
    """Problem details (RFC 9457), served as application/problem+json."""

    type: str = Field(..., description="A URI naming the kind of problem.")
    title: str = Field(..., description="A short summary of the kind of problem.")
    status: int
    detail: str = Field(..., description="What went wrong with this request, for a person.")
    instance: str | None = Field(
        None,
        description="The path of the request. Left out of not-found problems, so a missing "
        "record and one you may not see are answered byte for byte the same.",
    )
    errors: list[ProblemField] | None = Field(
        None, description="For invalid requests: each parameter or member at fault."
    )


# -- shared pieces --------------------------------------------------------------------------


class Coded(Schema):
    """A coded value and its label in words, e.g. {"code": "nmc", "label": "Nursing and …"}."""

    code: str
    label: str


class OrganisationRef(Schema):
    id: uuid.UUID
    name: str
    ods_code: str | None
    type: Coded


class PracticeRef(Schema):
    id: uuid.UUID
    name: str
    ods_code: str | None


class TeamRef(Schema):
    id: uuid.UUID
    name: str


# -- me -------------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    username: str
    name: str
    email: str


class RoleProfileOut(Schema):
    id: uuid.UUID
    job_role: Coded
    organisation: OrganisationRef
    team: TeamRef | None


class TokenOut(Schema):
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None


class ClientOut(Schema):
    """A partner organisation's registered system and what it may do."""

    name: str
    organisation: OrganisationRef
    scopes: list[str]


class MeOut(Schema):
    """Who the token acts as: the user and the role profile whose access it has, or, for a
    system client's token, the client and its organisation."""

    user: UserOut | None
    role_profile: RoleProfileOut | None
    client: ClientOut | None = None
    token: TokenOut


# -- people ---------------------------------------------------------------------------------


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class PersonSearchIn(Schema):
    """Search by NHS number, or by family name and date of birth (optionally narrowed by the
    start of the given name). Blank parameters count as not given."""

    nhs_number: str | None = Field(
        None, description="Ten digits; spaces and dashes are allowed.", examples=["943 476 5919"]
    )
    family_name: str | None = Field(None, max_length=100)
    given_name: str | None = Field(None, max_length=100, description="The start of it is enough.")
    date_of_birth: date | None = Field(None, description="YYYY-MM-DD", examples=["1938-04-12"])

    @field_validator("nhs_number", "family_name", "given_name", "date_of_birth", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("family_name", "given_name")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None

    @field_validator("nhs_number")
    @classmethod
    def _valid_nhs_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalise_nhs_number(value)
        except InvalidIdentifier as error:
            raise PydanticCustomError("nhs_number", str(error)) from None


class PersonBrief(Schema):
    """A person as a search result: enough to tell people apart, nothing more."""

    id: uuid.UUID
    nhs_number: str | None
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: date
    sex: Coded
    postcode: str
    gp_practice: PracticeRef | None
    date_of_death: date | None


class PersonSearchOut(Schema):
    results: list[PersonBrief]
    count: int


class Address(Schema):
    line_1: str
    line_2: str
    town: str
    postcode: str


class AboutMeSection(Schema):
    key: str
    heading: str
    text: str


class AboutMeOut(Schema):
    """The latest version of About Me (PRSB), section by section."""

    version: int
    updated_at: datetime
    supported_to_write_by: str
    sections: list[AboutMeSection]


class RelationshipOut(Schema):
    id: uuid.UUID
    kind: Coded
    relationship: str
    title: str
    given_name: str
    family_name: str
    phone: str
    email: str
    address: str
    postcode: str
    next_of_kin: bool
    main_carer: bool


class AttorneyRef(Schema):
    relationship_id: uuid.UUID
    name: str


class LpaOut(Schema):
    id: uuid.UUID
    type: Coded
    status: Coded
    attorneys_act: Coded
    covers_life_sustaining_treatment: bool
    registration_reference: str
    registered_on: date | None
    verification: Coded
    usable: bool = Field(..., description="Registered and verified.")
    attorneys: list[AttorneyRef]


class PractitionerOut(Schema):
    id: uuid.UUID
    name: str
    profession: Coded
    regulator: Coded
    registration_number: str
    registration_verified: bool


class RelatedPersonRef(Schema):
    relationship_id: uuid.UUID
    name: str
    kind: Coded
    relationship: str


class CareTeamMemberOut(Schema):
    """A practitioner in a role profile (practitioner, organisation, job role, team) or a
    person from the person's own life (related_person)."""

    id: uuid.UUID
    role: Coded
    responsibilities: str
    starts_on: date
    ends_on: date | None
    practitioner: PractitionerOut | None
    organisation: OrganisationRef | None
    job_role: Coded | None
    team: TeamRef | None
    related_person: RelatedPersonRef | None


class EntryOut(Schema):
    """One entry in the shared record, written by one organisation and labelled with an
    information category. Only entries the access policy lets reach the token's organisation
    are listed: those its sharing agreements cover, unless the person objected, or that a
    disclosure without consent covers; sealed entries only for their author organisation's
    named roles."""

    id: uuid.UUID
    section: Coded = Field(..., description="The section of the record (PRSB headings).")
    title: str
    details: str
    category: Coded = Field(..., description="The information category, e.g. mental_health.")
    author_organisation: OrganisationRef
    recorded_at: datetime
    sealed: bool = Field(
        ..., description="Seen only by its author and named roles in its organisation."
    )


class PersonSummaryOut(Schema):
    """A person's record summary: demographics, About Me, relationships, lasting powers of
    attorney, care team and the record entries that reach the token's organisation (newest
    first). The ETag header names this version of the record."""

    id: uuid.UUID
    nhs_number: str | None
    title: str
    given_name: str
    other_given_names: str
    family_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: date
    sex: Coded
    gender_identity: str
    address: Address
    phone: str
    email: str
    gp_practice: PracticeRef | None
    preferred_language: str
    interpreter_needed: bool
    communication_needs: list[Coded]
    communication_notes: str
    date_of_death: date | None
    about_me: AboutMeOut | None
    relationships: list[RelationshipOut]
    lpas: list[LpaOut]
    care_team: list[CareTeamMemberOut]
    possible_duplicates: int = Field(..., description="Open possible-duplicate flags.")
    entries: list[EntryOut] = Field(
        ...,
        description="Record entries the access policy lets the token's organisation see, "
        "newest first. Others are left out without saying they exist.",
    )
