"""Changing people's records: registration, details, About Me, relationships, LPAs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from joinedup.audit.services import record_event
from joinedup.careteams.models import CareTeamMember, CareTeamRole, ChangeKind
from joinedup.careteams.services import record_care_team_change
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotAllowed
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
from joinedup.sharing.policy import Action, may_register_people, require

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
    if not may_register_people(actor) or actor.role_profile is None:
        raise NotAllowed("Your role cannot register people.")
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    person = Person.objects.create(created_by=actor.user, **_checked(fields))
    member = CareTeamMember.objects.create(
        person=person,
        role_profile=actor.role_profile,
        organisation_id=actor.role_profile.organisation_id,
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
        basis="care_team",
        reason=f"{duplicates} possible duplicate(s) flagged" if duplicates else "",
    )
    return person


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
