"""Changing care teams. Each change writes an immutable CareTeamChange and an audit event."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event
from joinedup.careteams.models import (
    CareTeamChange,
    CareTeamMember,
    CareTeamRole,
    ChangeKind,
    in_force_on,
)
from joinedup.core.errors import DomainRuleBroken
from joinedup.people.models import Person, Relationship
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, require


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
