"""THE access policy: the one place that decides who may read or write a person's record.

`decide(actor, action, person)` answers one question with its basis and a reason a person can
read; `people_visible_to(actor, action)` answers the same question for a list, as a queryset
filtered in SQL. Selectors and services call these; nothing else decides access.

Bases implemented here: active care-team membership and same-organisation roles. The sharing
issue adds referral recipients, break-glass, the person themselves and family grants; each is
one more `_basis_*` filter and one more column of the permission table."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from joinedup.accounts.roles import JobRole
from joinedup.careteams.models import CareTeamMember, in_force_on
from joinedup.core.errors import NotAllowed, NotFound
from joinedup.people.models import Person
from joinedup.sharing.actors import Actor

PERMISSIONS_FILE = Path(__file__).with_name("permissions.toml")


class Action(StrEnum):
    VIEW_PERSON = "person.view"
    EDIT_PERSON = "person.edit"
    EDIT_ABOUT_ME = "about_me.edit"
    EDIT_RELATIONSHIPS = "relationship.edit"
    EDIT_CARE_TEAM = "care_team.edit"


class Basis(StrEnum):
    CARE_TEAM = "care_team"
    SAME_ORGANISATION = "same_organisation"


_ACTION_WORDS = {
    Action.VIEW_PERSON: "see this person's record",
    Action.EDIT_PERSON: "change this person's details",
    Action.EDIT_ABOUT_ME: "change this person's About Me",
    Action.EDIT_RELATIONSHIPS: "change this person's family, carers and attorneys",
    Action.EDIT_CARE_TEAM: "change this person's care team",
}

_BASIS_WORDS = {
    Basis.CARE_TEAM: "you are in this person's care team",
    Basis.SAME_ORGANISATION: "your organisation is involved in this person's care",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Basis | None
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


class PermissionTableError(ValueError):
    """The permission table names something the policy does not know."""


@cache
def permission_table() -> dict[str, dict[Basis, frozenset[Action]]]:
    """Role → basis → actions, read from permissions.toml and checked for unknown names."""
    raw = tomllib.loads(PERMISSIONS_FILE.read_text(encoding="utf-8"))
    table: dict[str, dict[Basis, frozenset[Action]]] = {}
    known_roles = set(JobRole.values)
    for role, bases in raw.get("roles", {}).items():
        if role not in known_roles:
            raise PermissionTableError(f"Unknown job role {role!r} in {PERMISSIONS_FILE.name}.")
        table[role] = {}
        for basis_name, actions in bases.items():
            try:
                basis = Basis(basis_name)
                table[role][basis] = frozenset(Action(action) for action in actions)
            except ValueError as error:
                raise PermissionTableError(f"{role}.{basis_name}: {error}") from None
    return table


def role_may(job_role: str | None, basis: Basis, action: Action) -> bool:
    if job_role is None:
        return False
    return action in permission_table().get(job_role, {}).get(basis, frozenset())


def _active_on(day: date, prefix: str = "") -> Q:
    return in_force_on(day, prefix)


def _basis_care_team(actor: Actor, day: date) -> Q:
    memberships = CareTeamMember.objects.filter(
        _active_on(day), person=OuterRef("pk"), role_profile=actor.role_profile
    )
    return Q(Exists(memberships))


def _same_organisation_allowed(actor: Actor) -> bool:
    profile = actor.role_profile
    if profile is None:
        return False
    return profile.job_role in (profile.organisation.same_organisation_roles or [])


def _basis_same_organisation(actor: Actor, day: date) -> Q:
    assert actor.role_profile is not None  # noqa: S101 - checked by the caller
    organisation_id = actor.role_profile.organisation_id
    involved = CareTeamMember.objects.filter(
        _active_on(day), person=OuterRef("pk"), organisation_id=organisation_id
    )
    return Q(Exists(involved)) | Q(gp_practice_id=organisation_id)


def _bases_for(actor: Actor, action: Action) -> list[tuple[Basis, Q]]:
    """The bases under which this actor could do this action, each as a filter on Person."""
    if actor.role_profile is None:
        return []
    day = timezone.localdate()
    bases: list[tuple[Basis, Q]] = []
    if role_may(actor.job_role, Basis.CARE_TEAM, action):
        bases.append((Basis.CARE_TEAM, _basis_care_team(actor, day)))
    if role_may(actor.job_role, Basis.SAME_ORGANISATION, action) and _same_organisation_allowed(
        actor
    ):
        bases.append((Basis.SAME_ORGANISATION, _basis_same_organisation(actor, day)))
    return bases


def people_visible_to(actor: Actor, action: Action = Action.VIEW_PERSON) -> QuerySet[Person]:
    """Every person this actor may do `action` to, filtered in SQL. Empty when there is no basis."""
    bases = _bases_for(actor, action)
    if not bases:
        return Person.objects.none()
    condition = Q()
    for _, basis_filter in bases:
        condition |= basis_filter
    return Person.objects.filter(condition)


def decide(actor: Actor, action: Action, person: Person) -> Decision:
    """May this actor do this action to this person? With the basis and a plain reason."""
    for basis, basis_filter in _bases_for(actor, action):
        if Person.objects.filter(basis_filter, pk=person.pk).exists():
            return Decision(True, basis, f"Allowed because {_BASIS_WORDS[basis]}.")
    if actor.role_profile is None:
        return Decision(False, None, "Only staff acting in a role can open records.")
    return Decision(
        False,
        None,
        f"As {actor.role_profile.get_job_role_display().lower()} at "
        f"{actor.role_profile.organisation.name} you have no basis to "
        f"{_ACTION_WORDS[action]}.",
    )


def require(actor: Actor, action: Action, person: Person) -> Decision:
    """For services: allow the action or raise. Someone who cannot even see the person gets
    NotFound (the person does not exist for them); someone who can see but not change gets
    NotAllowed with the reason."""
    decision = decide(actor, action, person)
    if decision.allowed:
        return decision
    if action is not Action.VIEW_PERSON and decide(actor, Action.VIEW_PERSON, person).allowed:
        raise NotAllowed(decision.reason)
    raise NotFound


def may_register_people(actor: Actor) -> bool:
    """Registering a person makes the registrant a care-team member, so it needs a role that
    may edit records under the care-team basis."""
    return role_may(actor.job_role, Basis.CARE_TEAM, Action.EDIT_PERSON)
