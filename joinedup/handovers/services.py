"""Handing over and covering. Each function takes `actor=`, checks who may do it, writes in one
transaction and audits what it did.

Handovers name people, so they are audited once per person named (each event carries the
handover's id): a person's access log is read person by person, and a caseload handover must
show in the log of every person it told someone about. Cover arrangements name no one; they
are audited once, without a person.

A handover stays within the giver's organisation: handing someone's care to another
organisation is a transfer of care (referrals/transfers.py), which goes through the sharing
checks of a referral."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.directory.models import Service, Team
from joinedup.directory.selectors import get_role_profile
from joinedup.handovers.models import CoverArrangement, Handover
from joinedup.notifications.models import NotificationKind
from joinedup.notifications.services import notify
from joinedup.people.models import Person
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, Basis, decide

READ_BACK_MIN_WORDS = 3
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Sbar:
    """The four parts of a handover: Situation, Background, Assessment, Recommendation."""

    situation: str
    background: str
    assessment: str
    recommendation: str

    def checked(self) -> Sbar:
        words = {
            "situation": "Say what is happening now (situation)",
            "background": "Give the background",
            "assessment": "Say what you think is going on (assessment)",
            "recommendation": "Say what needs to happen next (recommendation)",
        }
        for name, message in words.items():
            if not getattr(self, name).strip():
                raise DomainRuleBroken(message, field=name)
        return Sbar(
            self.situation.strip(),
            self.background.strip(),
            self.assessment.strip(),
            self.recommendation.strip(),
        )


def checked_read_back(read_back: str) -> str:
    """The read-back in the receiver's own words: at least a few plain words, not "OK"."""
    text = read_back.strip()
    if len(_WORD.findall(text)) < READ_BACK_MIN_WORDS:
        raise DomainRuleBroken(
            "Write the read-back in your own words: the key points and what you will do next.",
            field="read_back",
        )
    return text


def handover_link(handover: Handover) -> str:
    return reverse("handovers:handover", kwargs={"handover_id": handover.pk})


def _audit_handover(
    actor: Actor, handover: Handover, people: Sequence[Person], action: str, reason: str
) -> None:
    for person in people:
        record_event(
            actor=actor,
            action=action,
            target_type="Handover",
            target_id=handover.pk,
            person=person,
            basis=Basis.CARE_TEAM if action == "handover.give" else "",
            reason=reason,
        )


def _current_colleague(actor: Actor, role_profile: RoleProfile) -> RoleProfile:
    assert actor.role_profile is not None  # noqa: S101 - checked by the caller
    try:
        current = get_role_profile(role_profile.pk)
    except NotFound:
        raise DomainRuleBroken(
            "Choose someone who works here now: that role has ended.", field="to_role"
        ) from None
    if current.pk == actor.role_profile.pk:
        raise DomainRuleBroken("Choose someone other than yourself.", field="to_role")
    if current.organisation_id != actor.role_profile.organisation_id:
        raise DomainRuleBroken(
            f"Hand over to a colleague at {actor.role_profile.organisation.name}. To pass "
            "someone's care to another organisation, make a transfer of care.",
            field="to_role",
        )
    return current


def _receivers(handover: Handover) -> list[RoleProfile]:
    if handover.to_role is not None:
        return [handover.to_role]
    today = timezone.localdate()
    return list(
        RoleProfile.objects.filter(team=handover.to_team, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .exclude(pk=handover.from_role_id)
        .select_related("practitioner__user")
    )


@transaction.atomic
def hand_over(
    *,
    actor: Actor,
    people: Sequence[Person],
    sbar: Sbar,
    to_role: RoleProfile | None = None,
    to_team: Team | None = None,
    reason: str = "",
) -> Handover:
    """Hand one person, or several from the actor's caseload, to a colleague (or a team) in the
    actor's organisation. The giver must be in each person's care team (or covering for
    someone who is): NotFound for a person they cannot see, NotAllowed for one they see on
    another basis. The receiver is told. Audited once per person."""
    if actor.role_profile is None:
        raise NotFound
    if (to_role is None) == (to_team is None):
        raise DomainRuleBroken("Choose who you are handing over to.", field="to_role")
    if not people:
        raise DomainRuleBroken("Choose the people you are handing over.", field="people")
    for person in people:
        decision = decide(actor, Action.VIEW_PERSON, person)
        if not decision.allowed:
            raise NotFound
        if decision.basis is not Basis.CARE_TEAM:
            raise NotAllowed(
                f"You can hand over only people in your care: you are not in "
                f"{person.known_as}'s care team."
            )
    if to_role is not None:
        to_role = _current_colleague(actor, to_role)
    elif to_team is not None and to_team.organisation_id != actor.role_profile.organisation_id:
        raise DomainRuleBroken("Choose a team in your own organisation.", field="to_team")
    checked = sbar.checked()
    handover = Handover.objects.create(
        from_role=actor.role_profile,
        to_role=to_role,
        to_team=to_team,
        situation=checked.situation,
        background=checked.background,
        assessment=checked.assessment,
        recommendation=checked.recommendation,
        reason=reason.strip()[:200],
        created_by=actor.user,
    )
    handover.people.set(people)
    _audit_handover(actor, handover, people, "handover.give", "Handed over care.")
    giver = actor.role_profile.practitioner.display_name
    count = len(people)
    notify(
        role_profiles=_receivers(handover),
        kind=NotificationKind.HANDOVER_WAITING,
        title=f"A handover from {giver} is waiting for you",
        body=f"{count} {'person' if count == 1 else 'people'}. Read it and acknowledge it "
        "with a read-back.",
        link=handover_link(handover),
    )
    return handover


def is_receiver(actor: Actor, handover: Handover) -> bool:
    """The named receiver, or a current member of the team it was handed to."""
    profile = actor.role_profile
    if profile is None:
        return False
    if handover.to_role_id is not None:
        return handover.to_role_id == profile.pk
    return handover.to_team_id is not None and handover.to_team_id == profile.team_id


@transaction.atomic
def acknowledge_handover(*, actor: Actor, handover: Handover, read_back: str) -> Handover:
    """The receiver confirms the handover with a read-back in their own words. Only the named
    receiver (or a member of the team it went to): the giver gets NotAllowed, anyone else
    NotFound. Audited once per person."""
    locked = Handover.objects.select_for_update().get(pk=handover.pk)
    if not is_receiver(actor, locked):
        if actor.role_profile is not None and actor.role_profile.pk == locked.from_role_id:
            raise NotAllowed("Only the person you handed over to can acknowledge it.")
        raise NotFound
    if locked.acknowledged_at is not None:
        raise DomainRuleBroken("This handover has already been acknowledged.", field="read_back")
    locked.read_back = checked_read_back(read_back)
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = actor.role_profile
    locked.save(update_fields=["read_back", "acknowledged_at", "acknowledged_by", "updated_at"])
    _audit_handover(
        actor, locked, list(locked.people.all()), "handover.acknowledge", "Acknowledged."
    )
    return locked


# --- Cover while someone is away -----------------------------------------------------------


def manages(actor: Actor, role_profile: RoleProfile) -> bool:
    """Whether the actor is the manager of someone's team: they manage a service of the same
    organisation, and the person is in the actor's own team or in a team of that service."""
    profile = actor.role_profile
    if profile is None or role_profile.team_id is None:
        return False
    managed = Service.objects.filter(manager=profile, organisation_id=role_profile.organisation_id)
    if role_profile.team_id == profile.team_id:
        return managed.exists()
    return managed.filter(teams=role_profile.team_id).exists()


def may_arrange_cover_for(actor: Actor, absent: RoleProfile) -> bool:
    return actor.role_profile is not None and (
        absent.pk == actor.role_profile.pk or manages(actor, absent)
    )


def _audit_cover(actor: Actor, cover: CoverArrangement, action: str) -> None:
    record_event(
        actor=actor,
        action=action,
        target_type="CoverArrangement",
        target_id=cover.pk,
        reason=f"Cover from {cover.starts_on:%d %B %Y} until {cover.ends_on:%d %B %Y}.",
        categories=[],
    )


@transaction.atomic
def arrange_cover(
    *,
    actor: Actor,
    absent: RoleProfile,
    covering: RoleProfile,
    starts_on: date,
    ends_on: date,
    reason: str,
) -> CoverArrangement:
    """Someone covers the absent practitioner's people from `starts_on` until the day before
    `ends_on` (the day they are back). For oneself, or as the manager of the absent person's
    team's service. The covering colleague must work for the same organisation now. Audited."""
    if actor.role_profile is None:
        raise NotFound
    if not may_arrange_cover_for(actor, absent):
        raise NotAllowed(
            "You can arrange cover for yourself, or for someone in a team whose service you manage."
        )
    if covering.pk == absent.pk:
        raise DomainRuleBroken("Choose someone else to cover.", field="covering")
    try:
        covering = get_role_profile(covering.pk)
    except NotFound:
        raise DomainRuleBroken("Choose someone who works here now.", field="covering") from None
    if covering.organisation_id != absent.organisation_id:
        raise DomainRuleBroken(
            f"Choose someone at {absent.organisation.name}: cover lets them open the records "
            "of the people they cover.",
            field="covering",
        )
    if starts_on < timezone.localdate():
        raise DomainRuleBroken("Cover cannot start in the past.", field="starts_on")
    if ends_on <= starts_on:
        raise DomainRuleBroken("The day they are back must be after cover starts.", field="ends_on")
    if not reason.strip():
        raise DomainRuleBroken("Say why cover is needed, for example annual leave.", field="reason")
    cover = CoverArrangement.objects.create(
        absent=absent,
        covering=covering,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip()[:200],
        created_by=actor.user,
    )
    _audit_cover(actor, cover, "cover.arrange")
    return cover


@transaction.atomic
def cancel_cover(*, actor: Actor, cover: CoverArrangement) -> CoverArrangement:
    """End a cover arrangement now: by the absent practitioner, the one covering or the
    manager who may arrange it. Access through it stops at once. Audited."""
    locked = CoverArrangement.objects.select_for_update().select_related("absent").get(pk=cover.pk)
    profile = actor.role_profile
    if profile is None or (
        profile.pk != locked.covering_id and not may_arrange_cover_for(actor, locked.absent)
    ):
        raise NotFound
    if locked.cancelled_at is not None:
        raise DomainRuleBroken("This cover has already been cancelled.")
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["cancelled_at", "updated_at"])
    _audit_cover(actor, locked, "cover.cancel")
    return locked
