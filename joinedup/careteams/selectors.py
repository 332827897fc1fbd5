"""Reading care teams. Callers must already have authorised the read of the person."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.careteams.models import CareTeamChange, CareTeamMember, CareTeamRole, in_force_on
from joinedup.people.models import Person
from joinedup.sharing.actors import Actor


def _active_today() -> Q:
    return in_force_on(timezone.localdate())


def current_care_team(person: Person) -> list[CareTeamMember]:
    """The person's active care team, lead professional first, with organisations and roles.
    For use after the person's record has been authorised (people.selectors)."""
    members = (
        CareTeamMember.objects.filter(_active_today(), person=person)
        .select_related(
            "role_profile__practitioner",
            "role_profile__organisation",
            "role_profile__team",
            "relationship",
            "organisation",
        )
        .order_by("role", "starts_on")
    )
    order = {"lead_professional": 0, "key_worker": 1, "member": 2}
    return sorted(members, key=lambda member: order.get(member.role, 3))


def care_team_history(person: Person) -> QuerySet[CareTeamChange]:
    """Every change to the person's care team, oldest first, with who made it."""
    return (
        CareTeamChange.objects.filter(person=person)
        .select_related(
            "created_by",
            "member__role_profile__practitioner",
            "member__role_profile__organisation",
            "member__relationship",
        )
        .order_by("created_at", "id")
    )


def memberships_of(actor: Actor) -> QuerySet[CareTeamMember]:
    """The acting role profile's active memberships (its caseload), newest people last."""
    if actor.role_profile is None:
        return CareTeamMember.objects.none()
    return (
        CareTeamMember.objects.filter(_active_today(), role_profile=actor.role_profile)
        .select_related("person", "person__gp_practice")
        .order_by("person__family_name", "person__given_name", "pk")
    )


def care_team_history_for(
    actor: Actor, person_id: object
) -> tuple[Person, QuerySet[CareTeamChange]]:
    """The care team's full history, if the actor may see the person. Audited as a read."""
    from joinedup.people.selectors import get_person_for

    person = get_person_for(actor, person_id)
    return person, care_team_history(person)


def lead_professional_of(person: Person) -> RoleProfile | None:
    """The person's lead professional today, if any: for a caller that has already opened the
    person or acted on them (not audited again)."""
    lead = (
        CareTeamMember.objects.filter(
            _active_today(),
            person=person,
            role=CareTeamRole.LEAD_PROFESSIONAL,
            role_profile__isnull=False,
        )
        .select_related("role_profile__practitioner", "role_profile__organisation")
        .first()
    )
    return lead.role_profile if lead else None
