"""Changing people's records: registration, details, About Me, relationships, LPAs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from joinedup.audit.services import record_event, record_events_in_bulk
from joinedup.careteams.models import CareTeamMember, CareTeamRole, ChangeKind, in_force_on
from joinedup.careteams.services import record_care_team_change, record_care_team_changes
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotAllowed, NotFound
from joinedup.core.identifiers import InvalidIdentifier, normalise_nhs_number, normalise_postcode
from joinedup.people.models import (
    AboutMe,
    CommunicationNeed,
    LastingPowerOfAttorney,
    Person,
    PossibleDuplicate,
    Relationship,
)
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import (
    Action,
    Basis,
    basis_of_system_actor,
    may_register_people,
    people_visible_to,
    require,
)

PERSON_FIELDS = frozenset(Person.DETAIL_FIELDS)


def _checked(fields: dict[str, Any], *, current: Person | None = None) -> dict[str, Any]:
    """The person's fields with the domain's rules applied: NHS number by the Modulus 11 and
    repeated-digit rules, postcode in its real format (both stored normalised), a name, and
    dates that make sense. Raises DomainRuleBroken naming the field. Every way in (pages, API,
    imports) comes through here, so the rules hold whatever the caller checked."""
    checked = dict(fields)
    for name in ("given_name", "family_name"):
        if name in checked or current is None:
            value = str(checked.get(name, "")).strip()
            if not value:
                label = "first name" if name == "given_name" else "last name"
                raise DomainRuleBroken(f"Enter the person's {label}.", field=name)
            checked[name] = value
    for name, normalise in (("nhs_number", normalise_nhs_number), ("postcode", normalise_postcode)):
        raw = str(checked.get(name, "") or "").strip()
        if name in checked:
            try:
                checked[name] = normalise(raw) if raw else ""
            except InvalidIdentifier as error:
                raise DomainRuleBroken(str(error), field=name) from error
    today = timezone.localdate()
    born = checked.get("date_of_birth", current.date_of_birth if current else None)
    died = checked.get("date_of_death", current.date_of_death if current else None)
    if born is None:
        raise DomainRuleBroken("Enter the person's date of birth.", field="date_of_birth")
    if born > today:
        raise DomainRuleBroken("Date of birth must be today or in the past.", field="date_of_birth")
    if died is not None and died > today:
        raise DomainRuleBroken("Date of death must be today or in the past.", field="date_of_death")
    if died is not None and died < born:
        raise DomainRuleBroken(
            "Date of death must be on or after the date of birth.", field="date_of_death"
        )
    needs = checked.get("communication_needs")
    if needs is not None:
        unknown = sorted(set(needs) - set(CommunicationNeed.values))
        if unknown:
            raise DomainRuleBroken(
                f"Unknown communication need: {', '.join(unknown)}.", field="communication_needs"
            )
    return checked


def find_possible_duplicates(person: Person) -> list[tuple[Person, str]]:
    """Other records that may be this person: the same NHS number, or the same name, date of
    birth and postcode (DOMAIN.md section 3). A system check over all records, not a read."""
    found: dict[object, tuple[Person, str]] = {}
    if person.nhs_number:
        for other in Person.objects.filter(nhs_number=person.nhs_number).exclude(pk=person.pk):
            found[other.pk] = (other, "Same NHS number")
    if person.postcode:
        same_details = (
            Person.objects.annotate(
                family_lower=Lower("family_name"), given_lower=Lower("given_name")
            )
            .filter(
                family_lower=person.family_name.lower(),
                given_lower=person.given_name.lower(),
                date_of_birth=person.date_of_birth,
                postcode=person.postcode,
            )
            .exclude(pk=person.pk)
        )
        for other in same_details:
            found.setdefault(other.pk, (other, "Same name, date of birth and postcode"))
    return list(found.values())


def _flag_duplicates(person: Person, *, actor: Actor) -> int:
    flags = [
        PossibleDuplicate(person=a, other=b, reason=reason, created_by=actor.user)
        for other, reason in find_possible_duplicates(person)
        for a, b in ((person, other), (other, person))
    ]
    PossibleDuplicate.objects.bulk_create(flags, ignore_conflicts=True)
    return len(flags) // 2


@transaction.atomic
def register_person(*, actor: Actor, role: str = CareTeamRole.MEMBER, **fields: Any) -> Person:
    """Register a person; the registrant joins their care team so they can go on caring.
    Needs a role that may edit records under the care-team basis. Possible duplicates are
    flagged, never refused: the same person may arrive from two places."""
    if not may_register_people(actor) or actor.organisation_id is None:
        raise NotAllowed("Your role cannot register people.")
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    person = Person.objects.create(created_by=actor.user, **_checked(fields))
    # The registrant joins the care team: a member of staff in their role, or, for a partner
    # organisation's system, the organisation's team until someone there is named.
    member = CareTeamMember.objects.create(
        person=person,
        role_profile=actor.role_profile,
        organisation_id=actor.organisation_id,
        role=role,
        starts_on=timezone.localdate(),
        created_by=actor.user,
    )
    record_care_team_change(
        actor=actor, member=member, kind=ChangeKind.ADDED, reason="Registered the person"
    )
    duplicates = _flag_duplicates(person, actor=actor)
    record_event(
        actor=actor,
        action="person.register",
        target_type="Person",
        target_id=person.pk,
        person=person,
        basis=Basis.ORGANISATION_SYSTEM if actor.client else Basis.CARE_TEAM,
        reason=f"{duplicates} possible duplicate(s) flagged" if duplicates else "",
    )
    return person


def check_person_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A new person's fields with the rules register_person applies, for callers that check a
    whole batch before writing any of it (imports): raises DomainRuleBroken naming the field."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    return _checked(fields)


@dataclass(frozen=True)
class NewPerson:
    """One person for register_people: fields already passed by check_person_fields, and the
    key to give the record (imports keep the source's id where it is free)."""

    fields: dict[str, Any]
    pk: uuid.UUID


@transaction.atomic
def register_people(*, actor: Actor, people: Sequence[NewPerson], reason: str) -> list[Person]:
    """Register many people at once (imports), with register_person's rules in a constant
    number of statements: the registrant's organisation joins each care team (a system
    client's as the organisation's team; a region loader's care teams come from the data),
    possible duplicates by name, date of birth and postcode are flagged, and each person gets
    one audit event. Callers match people by NHS number first: those are not new people."""
    if not may_register_people(actor):
        raise NotAllowed("Your role cannot register people.")
    created = Person.objects.bulk_create(
        [Person(pk=new.pk, created_by=actor.user, **_checked(new.fields)) for new in people],
        batch_size=500,
    )
    organisation_id = actor.organisation_id
    if organisation_id is not None:
        today = timezone.localdate()
        members = CareTeamMember.objects.bulk_create(
            [
                CareTeamMember(
                    person=person,
                    role_profile=actor.role_profile,
                    organisation_id=organisation_id,
                    starts_on=today,
                    created_by=actor.user,
                )
                for person in created
            ],
            batch_size=500,
        )
        record_care_team_changes(actor=actor, members=members, reason=reason)
    _flag_duplicates_of(created, actor=actor)
    record_events_in_bulk(
        actor=actor,
        action="person.register",
        target_type="Person",
        people=created,
        reason=reason,
        basis=_registration_basis(actor),
    )
    return created


@transaction.atomic
def register_existing_person(*, actor: Actor, person: Person, reason: str) -> bool:
    """An organisation's system registering someone joinedup already has (the same NHS
    number): as register_people would for a new person, the organisation joins their care team
    as its team (once), instead of a duplicate record. Needs the import scope. True when it
    joined."""
    if actor.client is None or not may_register_people(actor):
        raise NotAllowed("Your role cannot register people.")
    organisation_id = actor.client.organisation_id
    already = CareTeamMember.objects.filter(
        in_force_on(timezone.localdate()), person=person, organisation_id=organisation_id
    ).exists()
    if already:
        return False
    member = CareTeamMember.objects.create(
        person=person,
        organisation_id=organisation_id,
        starts_on=timezone.localdate(),
        created_by=actor.user,
    )
    record_care_team_change(actor=actor, member=member, kind=ChangeKind.ADDED, reason=reason)
    record_event(
        actor=actor,
        action="person.register",
        target_type="Person",
        target_id=person.pk,
        person=person,
        basis=Basis.ORGANISATION_SYSTEM,
        reason=f"Already on joinedup: the organisation joined the care team. {reason}"[:300],
    )
    return True


def _registration_basis(actor: Actor) -> str:
    if actor.client is not None:
        return Basis.ORGANISATION_SYSTEM
    return Basis.CARE_TEAM if actor.role_profile is not None else ""


def _flag_duplicates_of(people: Sequence[Person], *, actor: Actor) -> int:
    """find_possible_duplicates for a batch, in one query: the same name, date of birth and
    postcode (the NHS number is the callers' match, never a duplicate here)."""
    with_postcode = [person for person in people if person.postcode]
    if not with_postcode:
        return 0

    def key(p: Person) -> tuple[Any, ...]:
        return (p.family_name.lower(), p.given_name.lower(), p.date_of_birth, p.postcode)

    wanted = {key(person) for person in with_postcode}
    candidates = Person.objects.filter(
        postcode__in={p.postcode for p in with_postcode},
        date_of_birth__in={p.date_of_birth for p in with_postcode},
    ).only("pk", "family_name", "given_name", "date_of_birth", "postcode")
    by_key: dict[tuple[Any, ...], list[Person]] = {}
    for candidate in candidates:
        if key(candidate) in wanted:
            by_key.setdefault(key(candidate), []).append(candidate)
    reason = "Same name, date of birth and postcode"
    flags = [
        PossibleDuplicate(person=a, other=b, reason=reason, created_by=actor.user)
        for person in with_postcode
        for other in by_key.get(key(person), [])
        if other.pk != person.pk
        for a, b in ((person, other), (other, person))
    ]
    PossibleDuplicate.objects.bulk_create(flags, ignore_conflicts=True)
    return len(flags) // 2


@transaction.atomic
def update_person_details(
    *, actor: Actor, person: Person, unchanged_since: datetime | None = None, **changes: Any
) -> Person:
    """Change demographics or communication needs. Needs person.edit. Audits which fields.
    With `unchanged_since` (the `updated_at` the writer started from), raises EditConflict if
    the record has been saved since, checked under a row lock so two racing edits cannot both
    win."""
    decision = require(actor, Action.EDIT_PERSON, person)
    unknown = set(changes) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    if unchanged_since is not None:
        saved_at = (
            Person.objects.select_for_update()
            .filter(pk=person.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if saved_at != unchanged_since:
            raise EditConflict
    changes = _checked(changes, current=person)
    changed = [name for name, value in changes.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, changes[name])
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
        if {"nhs_number", "family_name", "given_name", "date_of_birth", "postcode"} & set(changed):
            _flag_duplicates(person, actor=actor)
    record_event(
        actor=actor,
        basis=decision.basis or "",
        action="person.edit",
        target_type="Person",
        target_id=person.pk,
        person=person,
        reason=f"Changed: {', '.join(changed) or 'nothing'}",
    )
    return person


@transaction.atomic
def record_about_me(*, actor: Actor, person: Person, **sections: str) -> AboutMe:
    """Add a new version of the person's About Me; earlier versions stay as history.
    Needs about_me.edit. Audits the new version."""
    decision = require(actor, Action.EDIT_ABOUT_ME, person)
    allowed = {*AboutMe.SECTIONS, "supported_to_write_by"}
    unknown = set(sections) - allowed
    if unknown:
        raise TypeError(f"Unknown About Me sections: {sorted(unknown)}")
    # Lock the person row so two writers cannot take the same version number.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    latest = AboutMe.objects.filter(person=person).aggregate(v=Max("version"))["v"] or 0
    about_me = AboutMe.objects.create(
        person=person, version=latest + 1, created_by=actor.user, **sections
    )
    record_event(
        actor=actor,
        basis=decision.basis or "",
        action="about_me.edit",
        target_type="AboutMe",
        target_id=about_me.pk,
        person=person,
        reason=f"Version {about_me.version}",
    )
    return about_me


@transaction.atomic
def add_relationship(*, actor: Actor, person: Person, **fields: Any) -> Relationship:
    """Record someone in the person's life. Needs relationship.edit. Audits the addition."""
    decision = require(actor, Action.EDIT_RELATIONSHIPS, person)
    relationship = Relationship.objects.create(person=person, created_by=actor.user, **fields)
    record_event(
        actor=actor,
        basis=decision.basis or "",
        action="relationship.add",
        target_type="Relationship",
        target_id=relationship.pk,
        person=person,
    )
    return relationship


@transaction.atomic
def add_relationships(
    *, actor: Actor, relationships: Sequence[tuple[Person, dict[str, Any]]]
) -> list[Relationship]:
    """add_relationship for many people at once (imports): relationship.edit checked for the
    whole batch in one query (NotFound if any person is beyond the actor), one audit event
    each, in a constant number of statements."""
    people = {person.pk for person, _ in relationships}
    allowed = set(
        people_visible_to(actor, Action.EDIT_RELATIONSHIPS)
        .filter(pk__in=people)
        .values_list("pk", flat=True)
    )
    if people - allowed:
        raise NotFound
    created = Relationship.objects.bulk_create(
        [
            Relationship(person=person, created_by=actor.user, **fields)
            for person, fields in relationships
        ],
        batch_size=500,
    )
    record_events_in_bulk(
        actor=actor,
        action="relationship.add",
        target_type="Relationship",
        people=[person for person, _ in relationships],
        target_ids=[relationship.pk for relationship in created],
        basis=basis_of_system_actor(actor),
    )
    return created


@transaction.atomic
def record_lasting_power_of_attorney(
    *, actor: Actor, person: Person, attorneys: list[Relationship], **fields: Any
) -> LastingPowerOfAttorney:
    """Record an LPA with its attorneys (who must be the person's relationships).
    Needs relationship.edit. Audits the record."""
    decision = require(actor, Action.EDIT_RELATIONSHIPS, person)
    if any(attorney.person_id != person.pk for attorney in attorneys):
        raise NotAllowed("Attorneys must be people already recorded in this person's life.")
    lpa = LastingPowerOfAttorney.objects.create(person=person, created_by=actor.user, **fields)
    lpa.attorneys.set(attorneys)
    record_event(
        actor=actor,
        basis=decision.basis or "",
        action="lpa.add",
        target_type="LastingPowerOfAttorney",
        target_id=lpa.pk,
        person=person,
    )
    return lpa
