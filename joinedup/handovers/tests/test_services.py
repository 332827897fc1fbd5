"""Handovers and cover as Nadia's district nursing team meets them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.handovers.models import CoverArrangement
from joinedup.handovers.selectors import handover_for, handovers_waiting_for
from joinedup.handovers.services import (
    acknowledge_handover,
    arrange_cover,
    cancel_cover,
    hand_over,
)
from joinedup.handovers.tests.helpers import (
    READ_BACK,
    SBAR,
    acting_as,
    colleague,
    colleague_hands_fatima_to_nadia,
    nadia_hands_fatima_to_colleague,
)
from joinedup.notifications.models import Notification, NotificationKind
from joinedup.sharing.policy import Action, Basis, decide


def test_a_handover_needs_a_read_back_in_the_receivers_own_words(region: Region) -> None:
    handover = nadia_hands_fatima_to_colleague(region)
    receiver = acting_as(colleague(region))
    for empty in ("", "   ", "OK", "noted."):
        with pytest.raises(DomainRuleBroken, match="own words"):
            acknowledge_handover(actor=receiver, handover=handover, read_back=empty)

    done = acknowledge_handover(actor=receiver, handover=handover, read_back=READ_BACK)

    assert done.acknowledged_at is not None
    assert done.acknowledged_by == colleague(region)
    assert done.read_back == READ_BACK


def test_an_unacknowledged_handover_stays_on_both_lists(region: Region) -> None:
    handover = nadia_hands_fatima_to_colleague(region)
    giver, receiver = region.actor("nurse"), acting_as(colleague(region))

    assert handover in handovers_waiting_for(giver).given
    assert handover in handovers_waiting_for(receiver).received
    assert handover not in handovers_waiting_for(giver).received

    acknowledge_handover(actor=receiver, handover=handover, read_back=READ_BACK)

    assert handover not in handovers_waiting_for(giver).given
    assert handover not in handovers_waiting_for(receiver).received


def test_only_the_receiver_can_acknowledge(region: Region) -> None:
    handover = nadia_hands_fatima_to_colleague(region)
    with pytest.raises(NotAllowed, match="Only the person"):
        acknowledge_handover(actor=region.actor("nurse"), handover=handover, read_back=READ_BACK)
    for outsider in ("outsider", "gp", "privacy_officer"):
        with pytest.raises(NotFound):
            acknowledge_handover(
                actor=region.actor(outsider), handover=handover, read_back=READ_BACK
            )
        with pytest.raises(NotFound):
            handover_for(region.actor(outsider), handover.pk)
    handover.refresh_from_db()
    assert handover.waiting


def test_a_team_handover_is_acknowledged_by_anyone_in_the_team(region: Region) -> None:
    other = colleague(region)
    assert other.team is not None
    handover = hand_over(
        actor=region.actor("nurse"), people=[region.fatima], to_team=other.team, sbar=SBAR
    )
    assert handover in handovers_waiting_for(acting_as(other)).received
    acknowledge_handover(actor=acting_as(other), handover=handover, read_back=READ_BACK)
    assert not handover_for(region.actor("nurse"), handover.pk).waiting


def test_the_giver_must_be_in_each_persons_care_team(region: Region) -> None:
    with pytest.raises(NotFound):
        hand_over(
            actor=region.actor("outsider"),
            people=[region.margaret],
            to_role=region.role_profile("outsider"),
            sbar=SBAR,
        )
    # Nadia is in Fatima's care team but not Arthur's.
    with pytest.raises(NotFound):
        hand_over(
            actor=region.actor("nurse"),
            people=[region.fatima, region.arthur],
            to_role=colleague(region),
            sbar=SBAR,
        )


def test_a_handover_stays_in_the_organisation_and_needs_all_of_sbar(region: Region) -> None:
    with pytest.raises(DomainRuleBroken, match="transfer of care"):
        hand_over(
            actor=region.actor("nurse"),
            people=[region.fatima],
            to_role=region.role_profile("gp"),
            sbar=SBAR,
        )
    with pytest.raises(DomainRuleBroken) as broken:
        hand_over(
            actor=region.actor("nurse"),
            people=[region.fatima],
            to_role=colleague(region),
            sbar=SBAR.__class__(SBAR.situation, SBAR.background, "  ", SBAR.recommendation),
        )
    assert broken.value.field == "assessment"


def test_the_receiver_is_told_and_each_person_audited_once(region: Region) -> None:
    handover = colleague_hands_fatima_to_nadia(region)
    assert Notification.objects.filter(
        recipient=region.user("nurse"), kind=NotificationKind.HANDOVER_WAITING
    ).exists()
    caseload = hand_over(
        actor=region.actor("nurse"),
        people=[region.fatima, region.margaret],
        to_role=colleague(region),
        sbar=SBAR,
    )
    given = AuditEvent.objects.filter(action="handover.give", target_id=str(caseload.pk))
    assert {e.person_id for e in given} == {region.fatima.pk, region.margaret.pk}
    assert given.count() == 2
    assert AuditEvent.objects.filter(target_id=str(handover.pk)).count() == 1


# --- Cover ----------------------------------------------------------------------------------


def _sees_fatima(region: Region) -> bool:
    return decide(acting_as(colleague(region)), Action.VIEW_PERSON, region.fatima).allowed


def test_the_colleague_covering_sees_the_absent_ones_people_only_for_the_dates(
    region: Region,
) -> None:
    today = timezone.localdate()
    nadia = region.actor("nurse")
    other = colleague(region)
    assert not _sees_fatima(region)

    later = arrange_cover(
        actor=nadia,
        absent=region.role_profile("nurse"),
        covering=other,
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=8),
        reason="Annual leave",
    )
    assert not _sees_fatima(region), "cover that starts tomorrow gives nothing today"

    now = arrange_cover(
        actor=nadia,
        absent=region.role_profile("nurse"),
        covering=other,
        starts_on=today,
        ends_on=today + timedelta(days=1),
        reason="Training day",
    )
    decision = decide(acting_as(other), Action.VIEW_PERSON, region.fatima)
    assert decision.basis is Basis.CARE_TEAM and "covering" in decision.reason
    assert not decide(acting_as(other), Action.VIEW_PERSON, region.arthur).allowed

    cancel_cover(actor=nadia, cover=now)
    assert not _sees_fatima(region)

    # Cover that ended yesterday (it ends on the day she is back).
    CoverArrangement.objects.filter(pk=later.pk).update(
        starts_on=today - timedelta(days=5), ends_on=today
    )
    assert not _sees_fatima(region)


def test_cover_is_arranged_for_oneself_or_by_the_services_manager(region: Region) -> None:
    today = timezone.localdate()
    other = colleague(region)
    terms: dict[str, Any] = {
        "covering": other,
        "starts_on": today,
        "ends_on": today + timedelta(days=3),
        "reason": "Leave",
    }
    with pytest.raises(NotAllowed):
        arrange_cover(actor=region.actor("gp"), absent=region.role_profile("nurse"), **terms)
    with pytest.raises(NotAllowed):
        arrange_cover(actor=acting_as(other), absent=region.role_profile("nurse"), **terms)
    with pytest.raises(DomainRuleBroken, match="Choose someone at"):
        arrange_cover(
            actor=region.actor("nurse"),
            absent=region.role_profile("nurse"),
            **{**terms, "covering": region.role_profile("gp")},
        )
    with pytest.raises(DomainRuleBroken, match="after cover starts"):
        arrange_cover(
            actor=region.actor("nurse"),
            absent=region.role_profile("nurse"),
            **{**terms, "ends_on": today},
        )
    # Nadia manages the district nursing services (the demo's managers), so she may arrange
    # cover for a colleague in her own team.
    assert other.team_id == region.role_profile("nurse").team_id
    cover = arrange_cover(
        actor=region.actor("nurse"),
        absent=other,
        **{**terms, "covering": region.role_profile("nurse")},
    )
    assert cover.absent == other


def test_only_those_concerned_can_cancel_cover(region: Region) -> None:
    today = timezone.localdate()
    cover = arrange_cover(
        actor=region.actor("nurse"),
        absent=region.role_profile("nurse"),
        covering=colleague(region),
        starts_on=today,
        ends_on=today + timedelta(days=2),
        reason="Leave",
    )
    for outsider in ("gp", "outsider"):
        with pytest.raises(NotFound):
            cancel_cover(actor=region.actor(outsider), cover=cover)
    cancel_cover(actor=acting_as(colleague(region)), cover=cover)
    with pytest.raises(DomainRuleBroken, match="already"):
        cancel_cover(actor=region.actor("nurse"), cover=cover)
