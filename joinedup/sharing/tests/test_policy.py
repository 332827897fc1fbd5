"""The access policy: care-team and same-organisation bases, and the same not-found for all."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.accounts.services import register_api_client
from joinedup.careteams.services import end_care_team_membership
from joinedup.conftest import Region
from joinedup.core.errors import NotAllowed, NotFound
from joinedup.people.models import Person
from joinedup.people.selectors import get_person_for
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import BreakGlass, BreakGlassReason
from joinedup.sharing.policy import (
    Action,
    Basis,
    PermissionTableError,
    decide,
    decide_each,
    people_visible_to,
    permission_table,
    require,
)


def test_a_care_team_member_may_see_the_person_and_is_told_why(region: Region) -> None:
    decision = decide(region.actor("nurse"), Action.VIEW_PERSON, region.margaret)
    assert decision.allowed
    assert decision.basis is Basis.CARE_TEAM
    assert "care team" in decision.reason


def test_an_outsider_has_no_basis_and_the_reason_says_so(region: Region) -> None:
    decision = decide(region.actor("outsider"), Action.VIEW_PERSON, region.margaret)
    assert not decision.allowed
    assert "no basis" in decision.reason


def test_missing_and_forbidden_records_get_the_same_not_found(region: Region) -> None:
    outsider = region.actor("outsider")
    with pytest.raises(NotFound):
        get_person_for(outsider, region.margaret.pk)
    with pytest.raises(NotFound):
        get_person_for(outsider, uuid.uuid4())
    with pytest.raises(NotFound):
        get_person_for(outsider, "not-a-uuid")


def test_a_gp_sees_registered_patients_through_the_same_organisation_basis(region: Region) -> None:
    gp = region.actor("gp")
    registered_not_in_team = (
        people_visible_to(gp).exclude(care_team_members__role_profile=gp.role_profile).first()
    )
    assert registered_not_in_team is not None
    decision = decide(gp, Action.VIEW_PERSON, registered_not_in_team)
    assert decision.basis is Basis.SAME_ORGANISATION


def test_the_list_filter_and_the_single_decision_agree(region: Region) -> None:
    for key in ("nurse", "social_worker", "voluntary", "outsider", "care_home_manager"):
        actor = region.actor(key)
        visible = set(people_visible_to(actor).values_list("pk", flat=True))
        for person in region.margaret.__class__.objects.all()[:40]:
            assert decide(actor, Action.VIEW_PERSON, person).allowed == (person.pk in visible)


def test_leaving_the_care_team_ends_access(region: Region) -> None:
    nurse = region.actor("nurse")
    member = region.fatima.care_team_members.get(role_profile=nurse.role_profile)
    end_care_team_membership(
        actor=region.actor("nurse"), member=member, reason="Discharged from district nursing"
    )
    member.refresh_from_db()
    # The membership ends today, so access lasts until midnight; tomorrow it has gone.
    assert member.ends_on is not None
    from datetime import timedelta

    member.ends_on = member.ends_on - timedelta(days=1)
    member.starts_on = member.ends_on
    member.save(update_fields=["ends_on", "starts_on"])
    assert not decide(nurse, Action.VIEW_PERSON, region.fatima).allowed


def test_seeing_a_record_does_not_mean_changing_it(region: Region) -> None:
    voluntary = region.actor("voluntary")
    assert decide(voluntary, Action.VIEW_PERSON, region.margaret).allowed
    with pytest.raises(NotAllowed):
        require(voluntary, Action.EDIT_CARE_TEAM, region.margaret)


def test_it_administrators_have_no_access_to_records(region: Region) -> None:
    assert not people_visible_to(region.actor("it_admin")).exists()


def test_the_permission_table_names_only_known_roles_and_actions() -> None:
    table = permission_table()
    assert table["community_nurse"][Basis.CARE_TEAM] >= {Action.VIEW_PERSON, Action.EDIT_CARE_TEAM}
    assert "it_administrator" not in table


def test_an_unknown_role_in_the_table_stops_start_up(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from joinedup.sharing import policy

    bad = Path(str(tmp_path)) / "permissions.toml"
    bad.write_text('[roles.wizard]\ncare_team = ["person.view"]\n', encoding="utf-8")
    monkeypatch.setattr(policy, "PERMISSIONS_FILE", bad)
    permission_table.cache_clear()
    try:
        with pytest.raises(PermissionTableError, match="wizard"):
            permission_table()
    finally:
        permission_table.cache_clear()


def _titles(actor_key: str, region: Region, purpose: str = "direct_care") -> set[str]:
    from joinedup.sharing.policy import entries_visible_to

    return set(
        entries_visible_to(region.actor(actor_key), region.margaret, purpose=purpose).values_list(
            "title", flat=True
        )
    )


def test_research_use_needs_margarets_explicit_consent_and_an_agreement_for_research(
    region: Region,
) -> None:
    from joinedup.records.services import add_entry
    from joinedup.sharing.models import ExpressedHow, Purpose
    from joinedup.sharing.services import record_choice

    gp = region.actor("gp")
    add_entry(
        actor=gp, person=region.margaret, title="Memory clinic letter", category="mental_health"
    )
    assert {"Low mood since her fall", "Memory clinic letter"} <= _titles("gp", region)
    assert _titles("gp", region, Purpose.RESEARCH) == set()

    record_choice(
        actor=gp,
        person=region.margaret,
        kind="consent",
        category="mental_health",
        purpose=Purpose.RESEARCH,
        expressed_how=ExpressedHow.WRITTEN,
        in_their_words="Yes, if it helps other people like me.",
    )

    # Her consent covers the practice's own entry; the nurse's entry would also need an
    # agreement between the trust and the practice for research, and there is none.
    assert _titles("gp", region, Purpose.RESEARCH) == {"Memory clinic letter"}


def _emergency_access(actor: Actor, person: Person, reason: str) -> BreakGlass:
    """The actor's break-glass access to the person for the next hour, for emergency care."""
    assert actor.role_profile is not None and actor.user is not None
    return BreakGlass.objects.create(
        person=person,
        user=actor.user,
        role_profile=actor.role_profile,
        reason_code=BreakGlassReason.EMERGENCY_CARE,
        reason=reason,
        expires_at=timezone.now() + timedelta(minutes=60),
    )


def test_emergency_access_opens_the_record_until_it_expires_and_not_after(
    region: Region,
) -> None:
    outsider = region.actor("outsider")
    assert not decide(outsider, Action.VIEW_PERSON, region.margaret).allowed
    access = _emergency_access(
        outsider, region.margaret, "Collapsed at the day centre; no one else available."
    )

    decision = decide(outsider, Action.VIEW_PERSON, region.margaret)
    assert decision.basis is Basis.BREAK_GLASS
    assert "Collapsed at the day centre" in decision.reason
    assert region.margaret in people_visible_to(outsider)
    assert not decide(outsider, Action.EDIT_PERSON, region.margaret).allowed

    access.expires_at = timezone.now() - timedelta(seconds=1)
    access.save(update_fields=["expires_at"])

    assert not decide(outsider, Action.VIEW_PERSON, region.margaret).allowed
    with pytest.raises(NotFound):
        get_person_for(outsider, region.margaret.pk)


def test_covering_for_a_colleague_gives_their_care_team_access_for_the_dates_only(
    region: Region,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from joinedup.handovers.models import CoverArrangement

    # Tom (discharge coordinator) covers Grace (Arthur's key worker) while she is on leave.
    tom = region.actor("discharge")
    assert not decide(tom, Action.VIEW_PERSON, region.arthur).allowed
    today = timezone.localdate()
    cover = CoverArrangement.objects.create(
        absent=region.role_profile("care_home_manager"),
        covering=region.role_profile("discharge"),
        starts_on=today,
        ends_on=today + timedelta(days=7),
        reason="Annual leave",
    )

    decision = decide(tom, Action.VIEW_PERSON, region.arthur)
    assert decision.basis is Basis.CARE_TEAM
    assert "covering" in decision.reason
    assert region.arthur in people_visible_to(tom)

    cover.cancelled_at = timezone.now()
    cover.save(update_fields=["cancelled_at"])
    assert not decide(tom, Action.VIEW_PERSON, region.arthur).allowed


def test_deciding_several_actions_at_once_gives_the_same_answers_in_one_query(
    region: Region,
) -> None:
    """The record page asks about six actions at once (decide_each). Its answers, bases and
    reasons are decide()'s one action at a time, and both agree with the list filter
    (people_visible_to), for staff on every basis (the outsider with emergency access too), a
    partner organisation's system and the region loader; and the bases are looked up in one
    query, whatever the number of actions."""
    outsider = region.actor("outsider")
    _emergency_access(
        outsider, region.arthur, "Found on the floor at home; his GP surgery is closed."
    )
    hollybank = region.role_profile("care_home_manager").organisation
    system = register_api_client(
        name="Hollybank records system", organisation=hollybank, scopes=["read", "write"]
    )
    actors = [
        *(region.actor(key) for key in ("nurse", "social_worker", "gp", "voluntary", "it_admin")),
        outsider,
        Actor.system_client(system, channel="fhir"),
        Actor.region_loader("moving the region"),
    ]
    people = [region.margaret, region.arthur, region.fatima]
    people += list(region.margaret.__class__.objects.exclude(pk__in=[p.pk for p in people])[:5])
    actions = list(Action)
    allowed = 0
    visible = {
        (actor.label, action): set(
            people_visible_to(actor, action)
            .filter(pk__in=[p.pk for p in people])
            .values_list("pk", flat=True)
        )
        for actor in actors
        for action in actions
    }
    for actor in actors:
        for person in people:
            one_by_one = {action: decide(actor, action, person) for action in actions}
            for action, decision in one_by_one.items():
                assert decision.allowed == (person.pk in visible[actor.label, action]), (
                    actor.label,
                    action,
                    person,
                )
            assert decide_each(actor, actions, person) == one_by_one, (actor.label, person)
            allowed += sum(decision.allowed for decision in one_by_one.values())
            with CaptureQueriesContext(connection) as queries:
                decide_each(actor, actions, person)
            # one for the bases, and one more for the words of emergency access
            assert len(queries.captured_queries) <= 2, [q["sql"] for q in queries]
    assert allowed > 0
    bases = {
        decide(actor, Action.VIEW_PERSON, person).basis for actor in actors for person in people
    }
    assert {Basis.CARE_TEAM, Basis.BREAK_GLASS, Basis.ORGANISATION_SYSTEM} <= bases
    assert Basis.REGION_LOADER in bases
