"""Reading people. Every function takes the actor, asks the access policy and audits the read."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower

from joinedup.audit.services import record_event
from joinedup.careteams.models import CareTeamMember
from joinedup.careteams.selectors import current_care_team
from joinedup.core.errors import NotFound
from joinedup.people.models import (
    AboutMe,
    DuplicateStatus,
    LastingPowerOfAttorney,
    Person,
    PossibleDuplicate,
    Relationship,
)
from joinedup.records.models import CORE_RECORD_CATEGORY, RecordEntry
from joinedup.records.selectors import entries_shown_to
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import (
    Action,
    Basis,
    Decision,
    decide,
    decide_each,
    people_visible_to,
)

SEARCH_LIMIT = 50


def parse_person_id(person_id: object) -> uuid.UUID | None:
    if isinstance(person_id, uuid.UUID):
        return person_id
    try:
        return uuid.UUID(str(person_id))
    except ValueError:
        return None


def _open_person(actor: Actor, person_id: object, action: Action) -> tuple[Person, Decision]:
    person, decisions = _open_person_deciding(actor, person_id, action)
    return person, decisions[action]


def _open_person_deciding(
    actor: Actor, person_id: object, action: Action, also: Iterable[Action] = ()
) -> tuple[Person, dict[Action, Decision]]:
    """The person and the policy's decision to let the actor do `action` (and the actions
    `also` asked about, decided in the same query). A missing or forbidden record is audited
    here as a denial and raises NotFound; an allowed read is audited by the caller, once, with
    what it showed."""
    parsed = parse_person_id(person_id)
    person = (
        Person.objects.select_related("gp_practice").filter(pk=parsed).first() if parsed else None
    )
    if person is None:
        record_event(
            actor=actor,
            action=action,
            target_type="Person",
            target_id=person_id,
            allowed=False,
            reason="No such record.",
        )
        raise NotFound
    decisions = decide_each(actor, (action, *also), person)
    decision = decisions[action]
    if not decision.allowed:
        _audit_open(actor, action, person, decision)
        raise NotFound
    return person, decisions


def _audit_open(
    actor: Actor,
    action: Action,
    person: Person,
    decision: Decision,
    categories: Sequence[str] = (CORE_RECORD_CATEGORY,),
) -> None:
    record_event(
        actor=actor,
        action=action,
        target_type="Person",
        target_id=person.pk,
        person=person,
        allowed=decision.allowed,
        basis=decision.basis or "",
        reason=decision.reason,
        categories=categories,
    )


def get_person_for(
    actor: Actor, person_id: object, *, action: Action = Action.VIEW_PERSON
) -> Person:
    """The person, if the actor may do `action` to them; NotFound otherwise, whether the record
    is missing or forbidden. Audits one event either way. Any staff actor may call it."""
    person, decision = _open_person(actor, person_id, action)
    _audit_open(actor, action, person, decision)
    return person


class OpenedForChange:
    """A person opened by a page that may change them through a service. The service audits
    the change, and that is the one event of the access; if the page is shown instead (a
    form, its errors, a refusal), `shown()` audits it as one read. Never both, never twice."""

    def __init__(self, actor: Actor, person: Person, decision: Decision) -> None:
        self.actor = actor
        self.person = person
        self.decision = decision
        self._audited = False

    def shown(self) -> Person:
        if not self._audited:
            _audit_open(self.actor, Action.VIEW_PERSON, self.person, self.decision)
            self._audited = True
        return self.person


def open_for_change(actor: Actor, person_id: object) -> OpenedForChange:
    """For write pages: the person if the actor may see them (NotFound otherwise, the refusal
    audited), with the allowed read left to `shown()` or to the service's write event."""
    person, decision = _open_person(actor, person_id, Action.VIEW_PERSON)
    return OpenedForChange(actor, person, decision)


def about_me_versions(opened: OpenedForChange) -> list[AboutMe]:
    """Every About Me version of a person opened for change, newest first: part of that
    access, so not audited again."""
    return list(AboutMe.objects.filter(person=opened.person).select_related("created_by"))


@dataclass(frozen=True)
class PersonSummary:
    person: Person
    about_me: AboutMe | None
    relationships: list[Relationship]
    lpas: list[LastingPowerOfAttorney]
    care_team: list[CareTeamMember]
    possible_duplicate_count: int
    entries: list[RecordEntry]
    decision: Decision
    limited_to_referral: bool = False
    may: dict[Action, Decision] = field(default_factory=dict)


def person_summary_for(
    actor: Actor, person_id: object, *, offering: Iterable[Action] = ()
) -> PersonSummary:
    """Everything the person summary page and API show, in a fixed number of queries:
    the core record and the entries that reach the actor's organisation. Audited as one read
    of the person's record, naming the categories shown. The policy's decisions for the
    actions in `offering` (what a page offers to do next) come in `may`, decided in the same
    query as the read itself."""
    person, decisions = _open_person_deciding(actor, person_id, Action.VIEW_PERSON, offering)
    decision = decisions[Action.VIEW_PERSON]
    if decision.basis == Basis.REFERRAL_RECIPIENT:
        # The receiving organisation of a referral sees who the person is and what was sent
        # with the referral (on the referral's page), nothing more, until it accepts.
        _audit_open(actor, Action.VIEW_PERSON, person, decision)
        return PersonSummary(
            person=person,
            about_me=None,
            relationships=[],
            lpas=[],
            care_team=[],
            possible_duplicate_count=0,
            entries=[],
            decision=decision,
            limited_to_referral=True,
            may=decisions,
        )
    entries = entries_shown_to(actor, person)
    shown = sorted({CORE_RECORD_CATEGORY, *(entry.category_id for entry in entries)})
    _audit_open(actor, Action.VIEW_PERSON, person, decision, shown)
    open_duplicates = PossibleDuplicate.objects.filter(
        person=person, status=DuplicateStatus.OPEN
    ).count()
    return PersonSummary(
        person=person,
        about_me=AboutMe.objects.filter(person=person)
        .select_related("created_by")
        .order_by("-version")
        .first(),
        relationships=list(Relationship.objects.filter(person=person, ends_on__isnull=True)),
        lpas=list(
            LastingPowerOfAttorney.objects.filter(person=person).prefetch_related(
                Prefetch(
                    "attorneys", queryset=Relationship.objects.only("given_name", "family_name")
                )
            )
        ),
        care_team=current_care_team(person),
        possible_duplicate_count=open_duplicates,
        entries=entries,
        decision=decision,
        may=decisions,
    )


def care_team_of_person_for(actor: Actor, person_id: object) -> tuple[Person, list[CareTeamMember]]:
    """The person and their current care team, for an interface that shows only the team (the
    FHIR CareTeam). One audit event naming only the core record's category; an organisation that
    only holds a referral for the person sees no team, as on the record page."""
    person, decision = _open_person(actor, person_id, Action.VIEW_PERSON)
    _audit_open(actor, Action.VIEW_PERSON, person, decision)
    if decision.basis == Basis.REFERRAL_RECIPIENT:
        return person, []
    return person, current_care_team(person)


def _with_lpas(relationships: QuerySet[Relationship]) -> QuerySet[Relationship]:
    return relationships.prefetch_related(
        Prefetch("lpas", queryset=LastingPowerOfAttorney.objects.order_by("created_at"))
    )


def relationships_of_person_for(
    actor: Actor, person_id: object
) -> tuple[Person, list[Relationship]]:
    """The person and everyone recorded in their life, ended relationships too, each with the
    lasting powers of attorney they act under (for the FHIR RelatedPerson). NotFound alike for
    a missing or forbidden person. One audit event (person.view) naming the core record; an
    organisation that only holds a referral for the person sees no one, as on the record page."""
    person, decision = _open_person(actor, person_id, Action.VIEW_PERSON)
    _audit_open(actor, Action.VIEW_PERSON, person, decision)
    if decision.basis == Basis.REFERRAL_RECIPIENT:
        return person, []
    found = _with_lpas(
        Relationship.objects.filter(person=person)
        .select_related("person")
        .order_by("created_at", "id")
    )
    return person, list(found)


def relationship_for(actor: Actor, relationship_id: object) -> Relationship:
    """One relationship, if the actor may see the person it belongs to (and is not only a
    referral's receiving organisation); NotFound otherwise, missing and forbidden alike. One
    audit event (person.view) naming the relationship, allowed or denied."""
    parsed = parse_person_id(relationship_id)
    relationship = (
        _with_lpas(Relationship.objects.select_related("person").filter(pk=parsed)).first()
        if parsed
        else None
    )
    if relationship is None:
        record_event(
            actor=actor,
            action=Action.VIEW_PERSON,
            target_type="Relationship",
            target_id=relationship_id,
            allowed=False,
            reason="No such record.",
        )
        raise NotFound
    person = relationship.person
    decision = decide(actor, Action.VIEW_PERSON, person)
    allowed = decision.allowed and decision.basis != Basis.REFERRAL_RECIPIENT
    record_event(
        actor=actor,
        action=Action.VIEW_PERSON,
        target_type="Relationship",
        target_id=relationship.pk,
        person=person,
        allowed=allowed,
        basis=decision.basis or "",
        reason=decision.reason
        if allowed or not decision.allowed
        else "A referral's receiving organisation sees only what was sent with it.",
        categories=[CORE_RECORD_CATEGORY],
    )
    if not allowed:
        raise NotFound
    return relationship


@dataclass(frozen=True)
class PossibleDuplicates:
    """The open possible-duplicate flags on a person: the other records the actor may see,
    and how many more there are that they may not (counted, never named)."""

    visible: list[tuple[Person, str]]
    hidden_count: int

    @property
    def count(self) -> int:
        return len(self.visible) + self.hidden_count


def possible_duplicate_count(actor: Actor, person: Person) -> int:
    """How many records may be the same person, whoever may see them. For a person the actor
    has already opened (get_person_for) or has just registered; names no one, so not audited."""
    return PossibleDuplicate.objects.filter(person=person, status=DuplicateStatus.OPEN).count()


def possible_duplicates_for(actor: Actor, person: Person) -> PossibleDuplicates:
    """The records that may be the same person as one the actor has already opened
    (get_person_for). Only records the actor may see themselves are listed; the others are
    only counted. Audits one read of each record listed, as a possible duplicate."""
    flags = list(
        PossibleDuplicate.objects.filter(person=person, status=DuplicateStatus.OPEN)
        .select_related("other")
        .order_by("created_at", "other_id")
    )
    if not flags:
        return PossibleDuplicates(visible=[], hidden_count=0)
    may_see = set(
        people_visible_to(actor)
        .filter(pk__in=[flag.other_id for flag in flags])
        .values_list("pk", flat=True)
    )
    visible = [(flag.other, flag.reason) for flag in flags if flag.other_id in may_see]
    for other, reason in visible:
        record_event(
            actor=actor,
            action="person.possible_duplicate.view",
            target_type="Person",
            target_id=other.pk,
            person=other,
            reason=f"Listed as a possible duplicate ({reason.lower()}) of "
            f"{person.full_name}'s record, which was open.",
        )
    return PossibleDuplicates(visible=visible, hidden_count=len(flags) - len(visible))


def about_me_history_for(actor: Actor, person_id: object) -> tuple[Person, list[AboutMe]]:
    """Every version of About Me, newest first. Audited as a read of the record."""
    person = get_person_for(actor, person_id)
    versions = list(AboutMe.objects.filter(person=person).select_related("created_by"))
    return person, versions


def search_people(
    actor: Actor,
    *,
    nhs_number: str | None = None,
    family_name: str | None = None,
    date_of_birth: date | None = None,
    given_name: str | None = None,
) -> list[Person]:
    """People the actor may see who match an NHS number, or a family name and date of birth
    (optionally narrowed by the start of a given name). Audits one search event."""
    people = people_visible_to(actor)
    if nhs_number:
        people = people.filter(nhs_number=nhs_number)
        query = "NHS number"
    elif family_name and date_of_birth:
        people = people.annotate(family_lower=Lower("family_name")).filter(
            family_lower=family_name.strip().lower(), date_of_birth=date_of_birth
        )
        if given_name:
            people = people.filter(given_name__istartswith=given_name.strip())
        query = "name and date of birth"
    else:
        raise ValueError("Search by NHS number, or by family name and date of birth.")
    found = list(
        people.select_related("gp_practice").order_by("family_name", "given_name")[:SEARCH_LIMIT]
    )
    record_event(
        actor=actor,
        action="person.search",
        target_type="Person",
        target_id=found[0].pk if len(found) == 1 else "",
        person=found[0] if len(found) == 1 else None,
        reason=f"Searched by {query}: {len(found)} found.",
    )
    return found


def caseload_for(actor: Actor) -> QuerySet[CareTeamMember]:
    """My people: the acting role profile's current care-team memberships, with the person.
    Audits one event for the list."""
    from joinedup.careteams.selectors import memberships_of

    record_event(actor=actor, action="caseload.view", target_type="CareTeam", reason="My people")
    return memberships_of(actor)
