"""Reading handovers and cover. A handover is seen only by its giver and its receiver (or the
team it went to); anyone else gets NotFound, as for one that does not exist.

Audit: opening a handover is audited once per person it names (with the handover's id), so
each person's access log shows it; a list of handovers or cover arrangements is one list
event without a person, as for the referral lists."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event
from joinedup.careteams.models import CareTeamMember
from joinedup.careteams.selectors import memberships_of
from joinedup.core.errors import NotFound
from joinedup.directory.models import Service, Team
from joinedup.directory.selectors import get_role_profile, search_role_profiles, search_services
from joinedup.handovers.models import CoverArrangement, Handover
from joinedup.handovers.services import is_receiver, may_arrange_cover_for
from joinedup.people.models import Person
from joinedup.people.selectors import parse_person_id
from joinedup.sharing.actors import Actor


def _with_details(handovers: QuerySet[Handover]) -> QuerySet[Handover]:
    return handovers.select_related(
        "from_role__practitioner",
        "from_role__organisation",
        "to_role__practitioner",
        "to_team",
        "acknowledged_by__practitioner",
    ).prefetch_related("people")


def _received_q(actor: Actor) -> Q:
    profile = actor.role_profile
    assert profile is not None  # noqa: S101 - checked by the callers
    received = Q(to_role=profile)
    if profile.team_id is not None:
        received |= Q(to_role__isnull=True, to_team_id=profile.team_id)
    return received


@dataclass(frozen=True)
class WaitingHandovers:
    given: list[Handover]
    received: list[Handover]


def handovers_waiting_for(actor: Actor) -> WaitingHandovers:
    """Handovers not yet acknowledged that the actor gave or is to receive (directly or through
    their team), oldest first. Any staff actor; audited as one list read."""
    if actor.role_profile is None:
        return WaitingHandovers([], [])
    waiting = Handover.objects.filter(acknowledged_at__isnull=True)
    given = _with_details(waiting.filter(from_role=actor.role_profile)).order_by("created_at")
    received = _with_details(waiting.filter(_received_q(actor))).order_by("created_at")
    record_event(actor=actor, action="handover.list", target_type="Handover", categories=[])
    return WaitingHandovers(list(given), list(received))


def handover_to_change_for(actor: Actor, handover_id: object) -> Handover:
    """For acknowledging: the handover if the actor gave or receives it, NotFound otherwise
    (the refusal audited). An allowed fetch is not audited: the service audits the change."""
    return _fetch(actor, handover_id)


def handover_for(actor: Actor, handover_id: object) -> Handover:
    """One handover for its giver or receiver, audited once per person it names; NotFound
    (audited as a refusal) for anyone else or for one that does not exist."""
    handover = _fetch(actor, handover_id)
    side = "receiver" if is_receiver(actor, handover) else "giver"
    for person in handover.people.all():
        record_event(
            actor=actor,
            action="handover.view",
            target_type="Handover",
            target_id=handover.pk,
            person=person,
            reason=f"Opened a handover as its {side}.",
        )
    return handover


def _fetch(actor: Actor, handover_id: object) -> Handover:
    parsed = parse_person_id(handover_id)
    handover = _with_details(Handover.objects.filter(pk=parsed)).first() if parsed else None
    profile = actor.role_profile
    allowed = (
        handover is not None
        and profile is not None
        and (handover.from_role_id == profile.pk or is_receiver(actor, handover))
    )
    if handover is None or not allowed:
        record_event(
            actor=actor,
            action="handover.view",
            target_type="Handover",
            target_id=handover_id,
            allowed=False,
            reason="No such handover.",
            categories=[],
        )
        raise NotFound
    return handover


def handovers_found_for(
    actor: Actor,
    *,
    handover_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    acknowledged: bool | None = None,
) -> QuerySet[Handover]:
    """Handovers the actor gave or is to receive (directly or through their team), newest
    first, optionally one by id, those naming one person, or only those acknowledged (or
    still waiting). Anyone else's handovers are never found. Audited as one search
    (handover.search), naming the person when the search was for one and found a handover
    about them, so it shows in that person's access log."""
    profile = actor.role_profile
    if profile is None:
        return Handover.objects.none()
    handovers = Handover.objects.filter(Q(from_role=profile) | _received_q(actor))
    if handover_id is not None:
        handovers = handovers.filter(pk=handover_id)
    if person_id is not None:
        handovers = handovers.filter(people=person_id)
    if acknowledged is not None:
        handovers = handovers.filter(acknowledged_at__isnull=not acknowledged)
    named = (
        Person.objects.filter(pk=person_id, handovers__in=handovers).first()
        if person_id is not None
        else None
    )
    record_event(
        actor=actor,
        action="handover.search",
        target_type="Handover",
        person=named,
        reason="Searched their handovers.",
        categories=[] if named is None else ("general",),
    )
    return _with_details(handovers).order_by("-created_at", "id")


def caseload_for_handover(actor: Actor) -> list[CareTeamMember]:
    """The actor's own caseload (their care-team memberships), to choose people to hand over.
    Audited as one list read."""
    record_event(actor=actor, action="handover.caseload", target_type="Person", categories=[])
    return list(memberships_of(actor))


def people_chosen_from_caseload(actor: Actor, person_ids: list[str]) -> list[CareTeamMember]:
    """The memberships of the actor's caseload for the chosen people (unknown ids dropped).
    Part of the hand-over write, which audits each person; not audited again here."""
    wanted = {parsed for value in person_ids if (parsed := parse_person_id(value))}
    return [member for member in memberships_of(actor) if member.person_id in wanted]


# --- Cover ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyCover:
    covering_me: list[CoverArrangement]  # who covers my people
    i_cover: list[CoverArrangement]  # whose people I cover
    arranged_by_me: list[CoverArrangement]  # cover I arranged for others (as a manager)


def _current_cover(today: date) -> QuerySet[CoverArrangement]:
    return (
        CoverArrangement.objects.filter(cancelled_at__isnull=True, ends_on__gt=today)
        .select_related(
            "absent__practitioner",
            "absent__organisation",
            "covering__practitioner",
            "covering__organisation",
        )
        .order_by("starts_on", "created_at")
    )


def cover_for(actor: Actor) -> MyCover:
    """Cover arrangements in force or to come that concern the actor. Names no person: not
    audited."""
    if actor.role_profile is None:
        return MyCover([], [], [])
    current = _current_cover(timezone.localdate())
    profile = actor.role_profile
    arranged = (
        current.filter(created_by=actor.user).exclude(absent=profile).exclude(covering=profile)
        if actor.user is not None
        else current.none()
    )
    return MyCover(
        covering_me=list(current.filter(absent=profile)),
        i_cover=list(current.filter(covering=profile)),
        arranged_by_me=list(arranged),
    )


def cover_arrangement_for(actor: Actor, cover_id: object) -> CoverArrangement:
    """One cover arrangement for the absent practitioner, the one covering or a manager who
    may arrange it; NotFound otherwise. Names no person: not audited (cancelling is)."""
    parsed = parse_person_id(cover_id)
    cover = (
        CoverArrangement.objects.select_related(
            "absent__practitioner", "absent__organisation", "covering__practitioner"
        )
        .filter(pk=parsed)
        .first()
        if parsed
        else None
    )
    if cover is None or actor.role_profile is None:
        raise NotFound
    if cover.covering_id != actor.role_profile.pk and not may_arrange_cover_for(
        actor, cover.absent
    ):
        raise NotFound
    return cover


# --- Choices for the pages (directory data: not person data, not audited) -------------------


def colleagues_named(actor: Actor, query: str, limit: int = 20) -> list[RoleProfile]:
    """Current role profiles at the actor's organisation whose name matches, not the actor."""
    if actor.role_profile is None:
        return []
    return list(
        search_role_profiles(name=query)
        .filter(organisation_id=actor.role_profile.organisation_id)
        .exclude(pk=actor.role_profile.pk)[:limit]
    )


def colleague(actor: Actor, role_profile_id: object) -> RoleProfile:
    """A current role profile at the actor's organisation, or NotFound."""
    profile = get_role_profile(role_profile_id)
    if actor.role_profile is None or profile.organisation_id != actor.role_profile.organisation_id:
        raise NotFound
    return profile


def people_i_may_arrange_cover_for(actor: Actor) -> list[RoleProfile]:
    """The actor, then the current members of the teams they manage (handovers.services.manages:
    their own team when they manage a service, and teams of the services they manage)."""
    profile = actor.role_profile
    if profile is None:
        return []
    managed = Service.objects.filter(manager=profile, organisation_id=profile.organisation_id)
    if not managed.exists():
        return [profile]
    teams = Q(team__service__in=managed)
    if profile.team_id is not None:
        teams |= Q(team_id=profile.team_id)
    today = timezone.localdate()
    members = (
        RoleProfile.objects.filter(teams, organisation_id=profile.organisation_id)
        .filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .exclude(pk=profile.pk)
        .select_related("practitioner", "organisation")
        .order_by("practitioner__family_name", "practitioner__given_name", "pk")
    )
    return [profile, *members]


def services_for_transfer(actor: Actor) -> list[Service]:
    """Services at other organisations that take referrals, to transfer care to."""
    services = search_services(accepts_referrals=True)
    if actor.role_profile is not None:
        services = services.exclude(organisation_id=actor.role_profile.organisation_id)
    return list(services)


def team_for(actor: Actor, team_id: object) -> Team:
    """A team of the actor's organisation, or NotFound."""
    parsed = parse_person_id(team_id)
    team = Team.objects.filter(pk=parsed).first() if parsed else None
    if team is None or actor.role_profile is None:
        raise NotFound
    if team.organisation_id != actor.role_profile.organisation_id:
        raise NotFound
    return team
