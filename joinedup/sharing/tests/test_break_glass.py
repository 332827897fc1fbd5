"""Break-glass (emergency access) end to end through the services and the policy: it needs a
role that may, a reason, an explicit confirmation and a fresh authenticator code; it opens the
record with the reason named, alerts the organisations holding the record (and e-mails their
privacy officers), and closes again at expiry or when ended early. The lookup that finds the
person outside the normal policy is audited as its own event."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.core import mail
from django.utils import timezone

from joinedup.accounts.models import User
from joinedup.audit.models import AuditEvent, Outcome
from joinedup.conftest import Region
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.core.identifiers import format_nhs_number
from joinedup.people.selectors import get_person_for, person_summary_for, search_people
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import BreakGlass, BreakGlassReason, PrivacyAlert
from joinedup.sharing.policy import Action, Basis, decide, people_visible_to
from joinedup.sharing.selectors import find_for_break_glass
from joinedup.sharing.services import (
    BreakGlassStarted,
    break_glass_minutes,
    end_break_glass,
    start_break_glass,
)

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

REASON = "Found on the floor at the bus station, confused; paramedics need her history"
COMMUNITY_TRUST = "Calderbridge Community Health NHS Trust"


def code_for(user: User, *, steps_ahead: int = 0) -> str:
    """The authenticator code for now (or a later 30-second step, which the service accepts as
    clock drift): two codes in one test use different steps, since each step works once."""
    user.refresh_from_db()
    moment = timezone.now() + timedelta(seconds=30 * steps_ahead)
    return pyotp.TOTP(user.totp_secret).at(moment)


def wrong_code(user: User) -> str:
    """Six digits that are none of the codes the service would accept just now."""
    user.refresh_from_db()
    totp, now = pyotp.TOTP(user.totp_secret), timezone.now()
    accepted = {totp.at(now + timedelta(seconds=30 * step)) for step in (-2, -1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def break_glass(actor: Actor, person_id: object, **changes: Any) -> BreakGlassStarted:
    assert actor.user is not None
    arguments: dict[str, Any] = {
        "reason_code": BreakGlassReason.EMERGENCY_CARE,
        "reason": REASON,
        "confirmed": True,
        "second_factor_code": code_for(actor.user),
    }
    return start_break_glass(actor=actor, person_id=person_id, **(arguments | changes))


# -- what it takes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"second_factor_code": "wrong"}, "second_factor_code"),
        ({"confirmed": False}, "confirmed"),
        ({"reason": "urgent"}, "reason"),
        ({"reason_code": "curiosity"}, "reason_code"),
    ],
)
def test_without_reason_confirmation_and_the_right_code_the_record_stays_closed(
    region: Region, changes: dict[str, Any], field: str
) -> None:
    outsider = region.actor("outsider")
    if field == "second_factor_code":
        changes = {"second_factor_code": wrong_code(region.user("outsider"))}

    with pytest.raises(DomainRuleBroken) as refused:
        break_glass(outsider, region.margaret.pk, **changes)

    assert refused.value.field == field
    assert not BreakGlass.objects.filter(user=outsider.user).exists()
    attempt = AuditEvent.objects.filter(user=outsider.user, action="break_glass.start").get()
    assert (attempt.outcome, attempt.person) == ("denied", region.margaret)
    assert attempt.reason.startswith("Emergency access refused")
    with pytest.raises(NotFound):
        get_person_for(outsider, region.margaret.pk)


def test_a_code_already_used_is_refused(region: Region) -> None:
    outsider = region.actor("outsider")
    code = code_for(region.user("outsider"))
    first = break_glass(outsider, region.margaret.pk, second_factor_code=code)
    end_break_glass(actor=outsider, access=first.access)

    with pytest.raises(DomainRuleBroken) as refused:
        break_glass(outsider, region.margaret.pk, second_factor_code=code)

    assert refused.value.field == "second_factor_code"
    assert BreakGlass.objects.filter(user=outsider.user).count() == 1
    # The next step's code is a new one, and works.
    again = break_glass(
        outsider,
        region.margaret.pk,
        second_factor_code=code_for(region.user("outsider"), steps_ahead=1),
    )
    assert again.access.is_active()


def test_a_role_without_break_glass_is_refused_whatever_it_gives(region: Region) -> None:
    voluntary = region.actor("voluntary")
    with pytest.raises(NotAllowed):
        break_glass(voluntary, region.arthur.pk)
    assert not BreakGlass.objects.filter(user=voluntary.user).exists()


def test_a_person_who_does_not_exist_is_not_found(region: Region) -> None:
    with pytest.raises(NotFound):
        break_glass(region.actor("outsider"), "00000000-0000-4000-8000-000000000000")


def test_a_wrong_code_gets_the_same_answer_whether_or_not_the_person_exists(
    region: Region,
) -> None:
    outsider = region.actor("outsider")
    for person_id in (region.margaret.pk, "00000000-0000-4000-8000-000000000000"):
        with pytest.raises(DomainRuleBroken) as refused:
            break_glass(outsider, person_id, second_factor_code=wrong_code(region.user("outsider")))
        assert refused.value.field == "second_factor_code"


# -- what it opens ----------------------------------------------------------------------------


def test_the_person_becomes_visible_with_the_reason_named(region: Region) -> None:
    outsider, margaret = region.actor("outsider"), region.margaret
    assert not decide(outsider, Action.VIEW_PERSON, margaret)

    started = break_glass(outsider, margaret.pk)

    decision = decide(outsider, Action.VIEW_PERSON, margaret)
    assert decision.allowed
    assert decision.basis is Basis.BREAK_GLASS
    assert "Emergency care: the person needs treatment now" in decision.reason
    assert REASON in decision.reason
    assert margaret in people_visible_to(outsider)
    summary = person_summary_for(outsider, margaret.pk)
    assert summary.person == margaret
    read = AuditEvent.objects.filter(user=outsider.user, action=Action.VIEW_PERSON).last()
    assert read is not None
    assert (read.person, read.basis, read.outcome) == (margaret, Basis.BREAK_GLASS, Outcome.ALLOWED)
    minutes = (started.access.expires_at - started.access.starts_at).total_seconds() / 60
    assert minutes == break_glass_minutes() == 60
    # Only viewing: emergency access is no basis for changing the record.
    assert not decide(outsider, Action.EDIT_PERSON, margaret)


def test_starting_is_audited_with_the_reason(region: Region) -> None:
    outsider = region.actor("outsider")
    started = break_glass(outsider, region.margaret.pk)
    event = AuditEvent.objects.get(action="break_glass.start", user=outsider.user)
    assert event.person == region.margaret
    assert event.target_id == str(started.access.pk)
    assert event.basis == Basis.BREAK_GLASS
    assert REASON in event.reason


def test_the_organisations_holding_the_record_are_alerted_and_helen_is_emailed(
    region: Region, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        started = break_glass(region.actor("outsider"), region.margaret.pk)

    alerted = {organisation.name for organisation in started.alerted}
    assert COMMUNITY_TRUST in alerted
    assert {"Riverside Medical Practice", "Calderbridge City Council Adult Social Care"} <= alerted
    alerts = PrivacyAlert.objects.filter(break_glass=started.access)
    assert {alert.organisation.name for alert in alerts} == alerted
    assert all(alert.review_id is None for alert in alerts)
    helen = region.user("privacy_officer")
    [email] = [message for message in mail.outbox if helen.email in message.to]
    assert "emergency access" in email.subject
    assert "Colin Firth" in email.body
    assert "Margaret" not in email.body  # the e-mail names no patient


def test_nothing_is_emailed_when_the_transaction_does_not_commit(region: Region) -> None:
    break_glass(region.actor("outsider"), region.margaret.pk)
    assert mail.outbox == []  # the test's transaction is rolled back, never committed


# -- and closes again -------------------------------------------------------------------------


def test_after_expiry_there_are_no_more_reads(region: Region) -> None:
    outsider, margaret = region.actor("outsider"), region.margaret
    started = break_glass(outsider, margaret.pk)
    assert get_person_for(outsider, margaret.pk) == margaret

    BreakGlass.objects.filter(pk=started.access.pk).update(
        starts_at=timezone.now() - timedelta(minutes=61),
        expires_at=timezone.now() - timedelta(seconds=1),
    )

    with pytest.raises(NotFound):
        get_person_for(outsider, margaret.pk)
    with pytest.raises(NotFound):
        person_summary_for(outsider, margaret.pk)
    assert margaret not in people_visible_to(outsider)
    denied = AuditEvent.objects.filter(user=outsider.user, person=margaret).last()
    assert denied is not None and denied.outcome == Outcome.DENIED


def test_ending_early_closes_the_record_at_once(region: Region) -> None:
    outsider, margaret = region.actor("outsider"), region.margaret
    started = break_glass(outsider, margaret.pk)

    ended = end_break_glass(actor=outsider, access=started.access)

    assert ended.ended_at is not None
    with pytest.raises(NotFound):
        get_person_for(outsider, margaret.pk)
    assert AuditEvent.objects.filter(action="break_glass.end", user=outsider.user).count() == 1


def test_no_one_else_can_end_my_emergency_access(region: Region) -> None:
    started = break_glass(region.actor("outsider"), region.margaret.pk)
    with pytest.raises(NotFound):
        end_break_glass(actor=region.actor("care_home_manager"), access=started.access)
    assert started.access.is_active()


# -- the lookup outside the policy ------------------------------------------------------------


def test_the_outsider_finds_no_hint_of_margaret_except_through_the_audited_lookup(
    region: Region,
) -> None:
    outsider, margaret = region.actor("outsider"), region.margaret
    assert search_people(outsider, nhs_number=margaret.nhs_number) == []
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    [match] = find_for_break_glass(outsider, margaret.nhs_number)

    assert match.person == margaret
    assert not match.already_open
    [event] = AuditEvent.objects.exclude(pk__in=before)
    assert (event.action, event.person, event.user) == (
        "break_glass.lookup",
        margaret,
        outsider.user,
    )
    assert format_nhs_number(margaret.nhs_number) in event.reason
    assert "found Margaret Price" in event.reason


def test_a_lookup_that_finds_no_one_is_audited_too(region: Region) -> None:
    outsider = region.actor("outsider")
    assert find_for_break_glass(outsider, "9434765919") == []
    event = AuditEvent.objects.filter(action="break_glass.lookup").last()
    assert event is not None
    assert event.person is None
    assert "943 476 5919: no one found" in event.reason


def test_a_role_without_break_glass_cannot_look_anyone_up(region: Region) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(NotAllowed):
        find_for_break_glass(region.actor("voluntary"), region.margaret.nhs_number)
    assert AuditEvent.objects.count() == before
