"""Every read and write of person data leaves exactly one audit event saying who, what, whose,
when and why, including refused attempts."""

from __future__ import annotations

import uuid

import pytest

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.conftest import Region
from joinedup.core.errors import NotFound
from joinedup.people.selectors import get_person_for, person_summary_for, search_people
from joinedup.people.services import record_about_me


def _new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=since).order_by("id"))


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_opening_a_summary_is_one_event_naming_who_whose_and_why(region: Region) -> None:
    start = _last_id()
    person_summary_for(region.actor("nurse"), region.margaret.pk)
    [event] = _new_events(start)
    assert event.user == region.user("nurse")
    assert event.role_profile == region.role_profile("nurse")
    assert event.organisation == region.role_profile("nurse").organisation
    assert (event.action, event.person, event.outcome) == (
        "person.view",
        region.margaret,
        Outcome.ALLOWED,
    )
    assert event.basis == "care_team"
    assert event.purpose == "direct_care"


def test_a_refused_read_is_recorded_against_the_person(region: Region) -> None:
    start = _last_id()
    with pytest.raises(NotFound):
        get_person_for(region.actor("outsider"), region.margaret.pk)
    [event] = _new_events(start)
    assert (event.outcome, event.person, event.user) == (
        Outcome.DENIED,
        region.margaret,
        region.user("outsider"),
    )


def test_a_read_of_a_missing_record_is_recorded_without_a_person(region: Region) -> None:
    start = _last_id()
    missing = uuid.uuid4()
    with pytest.raises(NotFound):
        get_person_for(region.actor("nurse"), missing)
    [event] = _new_events(start)
    assert (event.outcome, event.person, event.target_id) == (Outcome.DENIED, None, str(missing))


def test_a_search_is_one_event(region: Region) -> None:
    start = _last_id()
    found = search_people(region.actor("nurse"), nhs_number=region.margaret.nhs_number)
    assert found == [region.margaret]
    [event] = _new_events(start)
    assert (event.action, event.person) == ("person.search", region.margaret)


def test_a_write_is_one_event(region: Region) -> None:
    start = _last_id()
    record_about_me(actor=region.actor("nurse"), person=region.margaret, please_do="Knock twice")
    [event] = _new_events(start)
    assert (event.action, event.person, event.target_type) == (
        "about_me.edit",
        region.margaret,
        "AboutMe",
    )
