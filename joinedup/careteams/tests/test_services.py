"""Care team changes: history kept with who made each change, and the one-lead rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from joinedup.careteams.models import CareTeamChange, CareTeamRole, ChangeKind
from joinedup.careteams.selectors import care_team_history_for, current_care_team
from joinedup.careteams.services import (
    add_care_team_member,
    change_care_team_member,
    end_care_team_membership,
)
from joinedup.conftest import Region
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.people.selectors import get_person_for


def test_every_change_is_kept_with_who_made_it_and_why(region: Region) -> None:
    social_worker = region.actor("social_worker")
    occupational_therapist = region.role_profile("care_home_manager")
    member = add_care_team_member(
        actor=social_worker,
        person=region.margaret,
        role_profile=occupational_therapist,
        responsibilities="Respite stay planning",
        reason="Respite requested by Sarah",
    )
    change_care_team_member(
        actor=social_worker,
        member=member,
        role=CareTeamRole.MEMBER,
        responsibilities="Two-week respite stay in March",
        reason="Dates agreed",
    )
    end_care_team_membership(actor=social_worker, member=member, reason="Respite stay over")

    _, history = care_team_history_for(social_worker, region.margaret.pk)
    mine = [change for change in history if change.member_id == member.pk]
    assert [change.kind for change in mine] == [
        ChangeKind.ADDED,
        ChangeKind.CHANGED,
        ChangeKind.ENDED,
    ]
    assert [change.responsibilities for change in mine] == [
        "Respite stay planning",
        "Two-week respite stay in March",
        "Two-week respite stay in March",
    ]
    assert {change.created_by for change in mine} == {region.user("social_worker")}
    assert mine[-1].reason == "Respite stay over"
    assert mine[-1].ends_on is not None


def test_history_rows_are_not_rewritten_by_later_changes(region: Region) -> None:
    social_worker = region.actor("social_worker")
    member = region.margaret.care_team_members.get(role_profile=region.role_profile("nurse"))
    before = CareTeamChange.objects.filter(member=member).count()
    change_care_team_member(
        actor=social_worker,
        member=member,
        role=CareTeamRole.KEY_WORKER,
        responsibilities="Dressings three times a week",
        reason="Ulcer worse",
    )
    rows = list(CareTeamChange.objects.filter(member=member).order_by("created_at", "id"))
    assert len(rows) == before + 1
    assert rows[0].responsibilities != "Dressings three times a week"


def test_a_person_has_at_most_one_lead_professional(region: Region) -> None:
    with pytest.raises(DomainRuleBroken, match="already has a lead professional"):
        add_care_team_member(
            actor=region.actor("social_worker"),
            person=region.margaret,
            role_profile=region.role_profile("care_home_manager"),
            role=CareTeamRole.LEAD_PROFESSIONAL,
        )


def test_ending_a_membership_needs_a_reason(region: Region) -> None:
    member = region.margaret.care_team_members.get(role_profile=region.role_profile("nurse"))
    with pytest.raises(DomainRuleBroken, match="Say why"):
        end_care_team_membership(actor=region.actor("social_worker"), member=member, reason=" ")


def test_a_member_without_care_team_rights_cannot_change_the_team(region: Region) -> None:
    with pytest.raises(NotAllowed):
        add_care_team_member(
            actor=region.actor("voluntary"),
            person=region.margaret,
            role_profile=region.role_profile("care_home_manager"),
        )
    assert not CareTeamChange.objects.filter(
        person=region.margaret, created_by=region.user("voluntary")
    ).exists()


def test_an_outsider_cannot_change_or_even_find_the_team(region: Region) -> None:
    member = region.margaret.care_team_members.filter(role_profile__isnull=False).first()
    assert member is not None
    with pytest.raises(NotFound):
        end_care_team_membership(actor=region.actor("outsider"), member=member, reason="Because")
    with pytest.raises(NotFound):
        care_team_history_for(region.actor("outsider"), region.margaret.pk)


def test_someone_leaving_the_team_now_loses_access_at_once(region: Region) -> None:
    # Tom, the discharge coordinator, is in Margaret's team only for her discharge.
    discharge = region.actor("discharge")
    assert get_person_for(discharge, region.margaret.pk) == region.margaret
    member = region.margaret.care_team_members.get(role_profile=region.role_profile("discharge"))

    end_care_team_membership(
        actor=region.actor("social_worker"), member=member, reason="Home since Friday"
    )

    assert member not in current_care_team(region.margaret)
    with pytest.raises(NotFound):
        get_person_for(discharge, region.margaret.pk)


def test_a_leaving_date_ahead_keeps_them_in_the_team_until_that_day(region: Region) -> None:
    member = region.margaret.care_team_members.get(role_profile=region.role_profile("discharge"))
    tomorrow = timezone.localdate() + timedelta(days=1)

    end_care_team_membership(
        actor=region.actor("social_worker"), member=member, ends_on=tomorrow, reason="Handover"
    )

    assert member in current_care_team(region.margaret)
    assert get_person_for(region.actor("discharge"), region.margaret.pk) == region.margaret
