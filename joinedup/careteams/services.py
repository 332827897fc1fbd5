"""Changing care teams. Each change writes an immutable CareTeamChange and an audit event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event, record_events_in_bulk
from joinedup.careteams.models import (
    CareTeamChange,
    CareTeamMember,
    CareTeamRole,
    ChangeKind,
    in_force_on,
)
from joinedup.core.errors import DomainRuleBroken, NotFound
from joinedup.directory.models import Organisation
from joinedup.people.models import Person, Relationship
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import (
    Action,
    basis_of_system_actor,
    people_visible_to,
    require,
)


def record_care_team_change(
    *, actor: Actor, member: CareTeamMember, kind: ChangeKind, reason: str
) -> CareTeamChange:
    return CareTeamChange.objects.create(
        member=member,
        person_id=member.person_id,
        kind=kind,
        role=member.role,
        responsibilities=member.responsibilities,
        starts_on=member.starts_on,
        ends_on=member.ends_on,
        reason=reason,
        created_by=actor.user,
        made_by=actor.label[:200],
    )


def record_care_team_changes(
    *, actor: Actor, members: Sequence[CareTeamMember], reason: str
) -> list[CareTeamChange]:
    """record_care_team_change for many new members at once (imports): one "joined" each."""
    return CareTeamChange.objects.bulk_create(
        [
            CareTeamChange(
                member=member,
                person_id=member.person_id,
                kind=ChangeKind.ADDED,
                role=member.role,
                responsibilities=member.responsibilities,
                starts_on=member.starts_on,
                ends_on=member.ends_on,
                reason=reason,
                created_by=actor.user,
                made_by=actor.label[:200],
            )
            for member in members
        ],
        batch_size=500,
    )


def _check_single_lead(
    person: Person, *, role: str, excluding: CareTeamMember | None = None
) -> None:
    if role != CareTeamRole.LEAD_PROFESSIONAL:
        return
    today = timezone.localdate()
    leads = CareTeamMember.objects.filter(
        in_force_on(today), person=person, role=CareTeamRole.LEAD_PROFESSIONAL
    )
    if excluding is not None:
        leads = leads.exclude(pk=excluding.pk)
    if leads.exists():
        raise DomainRuleBroken(
            "This person already has a lead professional. Change their role first, so it is "
            "always clear who leads.",
            field="role",
        )


@transaction.atomic
def add_care_team_member(
    *,
    actor: Actor,
    person: Person,
    role_profile: RoleProfile | None = None,
    relationship: Relationship | None = None,
    role: str = CareTeamRole.MEMBER,
    responsibilities: str = "",
    starts_on: date | None = None,
    reason: str = "",
) -> CareTeamMember:
    """Add a practitioner (in a role profile) or someone from the person's life to their care
    team. Needs care_team.edit on the person. Audits the change."""
    decision = require(actor, Action.EDIT_CARE_TEAM, person)
    if (role_profile is None) == (relationship is None):
        raise DomainRuleBroken("Choose either a practitioner or someone from the person's life.")
    if relationship is not None and relationship.person_id != person.pk:
        raise DomainRuleBroken("That relationship belongs to someone else.", field="relationship")
    _check_single_lead(person, role=role)
    member = CareTeamMember.objects.create(
        person=person,
        role_profile=role_profile,
        relationship=relationship,
        organisation_id=role_profile.organisation_id if role_profile else None,
        role=role,
        responsibilities=responsibilities,
        starts_on=starts_on or timezone.localdate(),
        created_by=actor.user,
    )
    record_care_team_change(actor=actor, member=member, kind=ChangeKind.ADDED, reason=reason)
    record_event(
        actor=actor,
        action="care_team.add",
        target_type="CareTeamMember",
        target_id=member.pk,
        person=person,
        basis=decision.basis or "",
    )
    return member


@dataclass(frozen=True)
class ImportedMember:
    """One care-team membership from another system: a practitioner in a role profile,
    someone from the person's life, or an organisation's team as a whole."""

    role_profile: RoleProfile | None = None
    relationship: Relationship | None = None
    organisation: Organisation | None = None
    role: str = CareTeamRole.MEMBER
    starts_on: date | None = None
    ends_on: date | None = None
    responsibilities: str = ""


@transaction.atomic
def import_care_team(
    *, actor: Actor, person: Person, members: Sequence[ImportedMember], reason: str
) -> tuple[list[CareTeamMember], list[str]]:
    """import_care_teams for one person: the new members and the warnings."""
    [(added, warnings)] = import_care_teams(actor=actor, teams=[(person, members)], reason=reason)
    return added, warnings


@transaction.atomic
def import_care_teams(
    *,
    actor: Actor,
    teams: Sequence[tuple[Person, Sequence[ImportedMember]]],
    reason: str,
) -> list[tuple[list[CareTeamMember], list[str]]]:
    """Add the memberships another system holds that each person's care team does not have yet
    (the same member from the same day), so a re-run adds nothing. Needs care_team.edit on
    every person (checked for the whole batch in one query: NotFound if any is beyond the
    actor). A second lead professional joins as a member, and says so. One audit event for each
    person whose team grew. Returns, per person, the new members and the warnings."""
    people = [person for person, _ in teams]
    allowed = set(
        people_visible_to(actor, Action.EDIT_CARE_TEAM)
        .filter(pk__in=[person.pk for person in people])
        .values_list("pk", flat=True)
    )
    if any(person.pk not in allowed for person in people):
        raise NotFound
    existing: dict[object, list[CareTeamMember]] = {}
    for member in CareTeamMember.objects.filter(person__in=people):
        existing.setdefault(member.person_id, []).append(member)
    results = [
        _new_members(actor, person, wanted, existing.get(person.pk, [])) for person, wanted in teams
    ]
    added = [member for new, _ in results for member in new]
    if added:
        CareTeamMember.objects.bulk_create(added, batch_size=500)
        record_care_team_changes(actor=actor, members=added, reason=reason)
        grown = [(person, new) for (person, _), (new, _) in zip(teams, results, strict=True) if new]
        record_events_in_bulk(
            actor=actor,
            action="care_team.import",
            target_type="CareTeam",
            people=[person for person, _ in grown],
            basis=basis_of_system_actor(actor),
            reason=reason,
        )
    return results


def _new_members(
    actor: Actor, person: Person, members: Sequence[ImportedMember], existing: list[CareTeamMember]
) -> tuple[list[CareTeamMember], list[str]]:
    today = timezone.localdate()
    seen = {
        _member_key(m.role_profile_id, m.relationship_id, m.organisation_id, m.starts_on)
        for m in existing
    }
    has_lead = any(
        m.role == CareTeamRole.LEAD_PROFESSIONAL and (m.ends_on is None or m.ends_on > today)
        for m in existing
    )
    added: list[CareTeamMember] = []
    warnings: list[str] = []
    for wanted in members:
        if wanted.relationship is not None and wanted.relationship.person_id != person.pk:
            raise DomainRuleBroken(
                "That relationship belongs to someone else.", field="relationship"
            )
        organisation_id = (
            wanted.role_profile.organisation_id
            if wanted.role_profile is not None
            else wanted.organisation.pk
            if wanted.organisation is not None and wanted.relationship is None
            else None
        )
        starts_on = wanted.starts_on or today
        ends_on = (
            wanted.ends_on if wanted.ends_on is None or wanted.ends_on >= starts_on else starts_on
        )
        key = _member_key(
            wanted.role_profile.pk if wanted.role_profile else None,
            wanted.relationship.pk if wanted.relationship else None,
            organisation_id,
            starts_on,
        )
        if key in seen:
            continue
        seen.add(key)
        role = wanted.role
        current = ends_on is None or ends_on > today
        if role == CareTeamRole.LEAD_PROFESSIONAL and current:
            if has_lead:
                role = CareTeamRole.MEMBER
                warnings.append(
                    "The care team already has a lead professional, so another lead joined "
                    "as a member."
                )
            has_lead = True
        added.append(
            CareTeamMember(
                person=person,
                role_profile=wanted.role_profile,
                relationship=wanted.relationship,
                organisation_id=organisation_id,
                role=role,
                responsibilities=wanted.responsibilities,
                starts_on=starts_on,
                ends_on=ends_on,
                created_by=actor.user,
            )
        )
    return added, warnings


def _member_key(
    role_profile_id: object, relationship_id: object, organisation_id: object, starts_on: date
) -> tuple[str, str, str, date]:
    if role_profile_id or relationship_id:
        organisation_id = None
    return (
        str(role_profile_id or ""),
        str(relationship_id or ""),
        str(organisation_id or ""),
        starts_on,
    )


@transaction.atomic
def change_care_team_member(
    *, actor: Actor, member: CareTeamMember, role: str, responsibilities: str, reason: str = ""
) -> CareTeamMember:
    """Change a member's role or responsibilities. Needs care_team.edit. Audits the change."""
    decision = require(actor, Action.EDIT_CARE_TEAM, member.person)
    _check_single_lead(member.person, role=role, excluding=member)
    member.role = role
    member.responsibilities = responsibilities
    member.save(update_fields=["role", "responsibilities", "updated_at"])
    record_care_team_change(actor=actor, member=member, kind=ChangeKind.CHANGED, reason=reason)
    record_event(
        actor=actor,
        basis=decision.basis or "",
        action="care_team.change",
        target_type="CareTeamMember",
        target_id=member.pk,
        person=member.person,
    )
    return member


@transaction.atomic
def end_care_team_membership(
    *, actor: Actor, member: CareTeamMember, ends_on: date | None = None, reason: str
) -> CareTeamMember:
    """End a membership (the member keeps their history). Needs care_team.edit and a reason."""
    decision = require(actor, Action.EDIT_CARE_TEAM, member.person)
    if not reason.strip():
        raise DomainRuleBroken("Say why this person is leaving the care team.", field="reason")
    end = ends_on or timezone.localdate()
    if end < member.starts_on:
        raise DomainRuleBroken("The end date cannot be before they joined.", field="ends_on")
    member.ends_on = end
    member.save(update_fields=["ends_on", "updated_at"])
    record_care_team_change(actor=actor, member=member, kind=ChangeKind.ENDED, reason=reason)
    record_event(
        actor=actor,
        basis=decision.basis or "",
        action="care_team.end",
        target_type="CareTeamMember",
        target_id=member.pk,
        person=member.person,
    )
    return member


@transaction.atomic
def add_care_team_member_on_acceptance(
    *,
    actor: Actor,
    person: Person,
    role_profile: RoleProfile,
    role: str,
    responsibilities: str,
    reason: str,
) -> CareTeamMember:
    """A practitioner joins the care team because their service accepted a referral or a
    transfer of care for the person. Called only by referrals.services, which has checked that
    the actor responds for the receiving organisation (the referral-recipient basis); the care
    team's own care_team.edit is not needed. Starts today; audited."""
    member = CareTeamMember.objects.create(
        person=person,
        role_profile=role_profile,
        organisation_id=role_profile.organisation_id,
        role=role,
        responsibilities=responsibilities,
        starts_on=timezone.localdate(),
        created_by=actor.user,
    )
    record_care_team_change(actor=actor, member=member, kind=ChangeKind.ADDED, reason=reason)
    record_event(
        actor=actor,
        action="care_team.add",
        target_type="CareTeamMember",
        target_id=member.pk,
        person=person,
        basis="referral_recipient",
        reason=reason[:300],
    )
    return member


def _change_role_after_transfer(
    actor: Actor, member: CareTeamMember, role: str, reason: str
) -> None:
    member.role = role
    member.save(update_fields=["role", "updated_at"])
    record_care_team_change(actor=actor, member=member, kind=ChangeKind.CHANGED, reason=reason)
    record_event(
        actor=actor,
        action="care_team.change",
        target_type="CareTeamMember",
        target_id=member.pk,
        person=member.person,
        basis="referral_recipient",
        reason=reason[:300],
    )


@transaction.atomic
def move_lead_professional(
    *, actor: Actor, person: Person, to: RoleProfile, reason: str, responsibilities: str
) -> CareTeamMember:
    """On an acknowledged transfer of care: the current lead professional stays in the care
    team as a member, and `to` becomes the lead (joining the team if need be). Called only by
    referrals.transfers, which has checked that the actor acknowledges for the receiving
    organisation; care_team.edit is not needed. Each change is recorded and audited."""
    today = timezone.localdate()
    in_team = CareTeamMember.objects.select_for_update().filter(in_force_on(today), person=person)
    for lead in in_team.filter(role=CareTeamRole.LEAD_PROFESSIONAL).exclude(role_profile=to):
        _change_role_after_transfer(actor, lead, CareTeamRole.MEMBER, reason)
    theirs = in_team.filter(role_profile=to).first()
    if theirs is None:
        return add_care_team_member_on_acceptance(
            actor=actor,
            person=person,
            role_profile=to,
            role=CareTeamRole.LEAD_PROFESSIONAL,
            responsibilities=responsibilities,
            reason=reason,
        )
    if theirs.role != CareTeamRole.LEAD_PROFESSIONAL:
        _change_role_after_transfer(actor, theirs, CareTeamRole.LEAD_PROFESSIONAL, reason)
    return theirs
