"""Reading referrals: those sent to my organisation and those my organisation sent, and one
referral with what was sent and its history, for either side only."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from joinedup.audit.services import record_event
from joinedup.core.errors import NotFound
from joinedup.people.selectors import parse_person_id
from joinedup.referrals.models import (
    OPEN_STATUSES,
    Referral,
    ReferralItem,
    ReferralStatus,
    ReferralStatusChange,
)
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, decide


def _overdue_first() -> Case:
    return Case(
        When(status=ReferralStatus.REQUESTED, respond_by__lt=timezone.now(), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def referrals_received(actor: Actor, *, open_only: bool = True) -> QuerySet[Referral]:
    """Referrals sent to the actor's organisation, overdue first, then by deadline. A list of
    referrals names people: audited as one list read."""
    if actor.role_profile is None:
        return Referral.objects.none()
    referrals = Referral.objects.filter(
        receiving_organisation_id=actor.role_profile.organisation_id
    ).exclude(status=ReferralStatus.DRAFT)
    if open_only:
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    record_event(
        actor=actor, action="referral.list_received", target_type="Referral", categories=[]
    )
    return referrals.select_related(
        "person", "service", "requester_organisation", "requester__practitioner", "assigned_to"
    ).order_by(_overdue_first(), "respond_by", "-created_at")


def referrals_sent(actor: Actor, *, open_only: bool = True) -> QuerySet[Referral]:
    """Referrals the actor's organisation made, overdue first. Audited as one list read."""
    if actor.role_profile is None:
        return Referral.objects.none()
    referrals = Referral.objects.filter(
        requester_organisation_id=actor.role_profile.organisation_id
    )
    if open_only:
        referrals = referrals.filter(status__in=(ReferralStatus.DRAFT, *OPEN_STATUSES))
    record_event(actor=actor, action="referral.list_sent", target_type="Referral", categories=[])
    return referrals.select_related(
        "person", "service__organisation", "receiving_organisation", "requester__practitioner"
    ).order_by(_overdue_first(), "respond_by", "-created_at")


def referral_for(actor: Actor, referral_id: object) -> Referral:
    """One referral, for the referrer's organisation or the receiving one; NotFound for anyone
    else, as for a referral that does not exist. The receiver sees what was sent (the items);
    the referrer, its own referral. Audited as one read of the person's record."""
    parsed = parse_person_id(referral_id)
    referral = (
        Referral.objects.select_related(
            "person",
            "service__organisation",
            "service__manager",
            "requester__practitioner",
            "requester_organisation",
            "receiving_organisation",
            "recipient__practitioner",
            "assigned_to__practitioner",
            "suggested_service",
        )
        .prefetch_related(
            Prefetch("items", queryset=ReferralItem.objects.select_related("category")),
            Prefetch(
                "changes",
                queryset=ReferralStatusChange.objects.select_related("by", "by_role__organisation"),
            ),
        )
        .filter(pk=parsed)
        .first()
        if parsed
        else None
    )
    organisation = actor.role_profile.organisation_id if actor.role_profile else None
    sides = (
        {referral.requester_organisation_id, referral.receiving_organisation_id}
        if referral
        else set()
    )
    allowed = referral is not None and organisation in sides
    decision = decide(actor, Action.VIEW_PERSON, referral.person) if referral else None
    record_event(
        actor=actor,
        action="referral.view",
        target_type="Referral",
        target_id=referral.pk if referral else referral_id,
        person=referral.person if allowed and referral else None,
        allowed=allowed,
        basis=(decision.basis or "") if allowed and decision else "",
        reason="Opened the referral." if allowed else "No such referral.",
        categories=sorted({item.category_id for item in referral.items.all()})
        if allowed and referral
        else [],
    )
    if not allowed or referral is None:
        raise NotFound
    return referral


def is_receiver(actor: Actor, referral: Referral) -> bool:
    return bool(actor.role_profile) and (
        actor.role_profile is not None
        and actor.role_profile.organisation_id == referral.receiving_organisation_id
    )
