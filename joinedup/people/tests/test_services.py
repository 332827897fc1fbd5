"""Registering people, duplicates, About Me versions and attorneys."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from joinedup.conftest import Region
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.people.models import (
    AboutMe,
    LpaStatus,
    LpaType,
    PossibleDuplicate,
    RelationshipKind,
)
from joinedup.people.selectors import about_me_history_for, get_person_for
from joinedup.people.services import (
    add_relationship,
    record_about_me,
    record_lasting_power_of_attorney,
    register_person,
    update_person_details,
)


def test_a_person_without_an_nhs_number_can_be_registered_and_cared_for(region: Region) -> None:
    nurse = region.actor("nurse")
    person = register_person(
        actor=nurse,
        given_name="Tomasz",
        family_name="Nowak",
        date_of_birth=date(1950, 5, 1),
        postcode="CD9 1AB",
    )
    assert person.nhs_number == ""
    assert get_person_for(nurse, person.pk) == person  # the registrant is in the care team


def test_the_same_nhs_number_is_flagged_as_a_possible_duplicate(region: Region) -> None:
    fatima = region.fatima
    person = register_person(
        actor=region.actor("nurse"),
        nhs_number=fatima.nhs_number,
        given_name="Fatma",
        family_name="Husain",
        date_of_birth=date(1961, 11, 20),
    )
    flags = PossibleDuplicate.objects.filter(person=person)
    assert [(flag.other, flag.reason) for flag in flags] == [(fatima, "Same NHS number")]
    assert PossibleDuplicate.objects.filter(person=fatima, other=person).exists()


def test_same_name_birth_date_and_postcode_is_flagged(region: Region) -> None:
    person = register_person(
        actor=region.actor("nurse"),
        given_name="fatima",
        family_name="HUSSAIN",
        date_of_birth=region.fatima.date_of_birth,
        postcode=region.fatima.postcode,
    )
    assert PossibleDuplicate.objects.filter(
        person=person, other=region.fatima, reason="Same name, date of birth and postcode"
    ).exists()


def test_a_different_postcode_is_not_a_duplicate(region: Region) -> None:
    person = register_person(
        actor=region.actor("nurse"),
        given_name="Fatima",
        family_name="Hussain",
        date_of_birth=region.fatima.date_of_birth,
        postcode="CD1 1AA",
    )
    assert not PossibleDuplicate.objects.filter(person=person).exists()


def test_roles_that_cannot_edit_records_cannot_register_people(region: Region) -> None:
    with pytest.raises(NotAllowed):
        register_person(
            actor=region.actor("voluntary"),
            given_name="A",
            family_name="B",
            date_of_birth=date(1990, 1, 1),
        )


def test_about_me_changes_add_versions_and_keep_the_history(region: Region) -> None:
    nurse = region.actor("nurse")
    first = AboutMe.objects.filter(person=region.margaret).order_by("-version").first()
    assert first is not None
    newer = record_about_me(
        actor=nurse,
        person=region.margaret,
        what_matters_most="Getting back to the brass band concerts.",
        supported_to_write_by="Peggy, with Nadia",
    )
    assert newer.version == first.version + 1
    _, versions = about_me_history_for(nurse, region.margaret.pk)
    assert [v.version for v in versions][:2] == [newer.version, first.version]
    first.refresh_from_db()
    assert first.what_matters_most.startswith("Staying in my own home")


def test_an_outsider_cannot_write_about_me(region: Region) -> None:
    with pytest.raises(NotFound):
        record_about_me(actor=region.actor("outsider"), person=region.margaret, my_wellness="x")


def test_details_changes_record_only_what_changed(region: Region) -> None:
    person = update_person_details(
        actor=region.actor("social_worker"),
        person=region.margaret,
        phone="07700 900999",
        given_name=region.margaret.given_name,
    )
    person.refresh_from_db()
    assert person.phone == "07700 900999"
    event = person.audit_events.filter(action="person.edit").latest("id")
    assert event.reason == "Changed: phone"


def test_an_lpa_records_its_attorneys_and_is_usable_only_once_registered_and_verified(
    region: Region,
) -> None:
    social_worker = region.actor("social_worker")
    son = add_relationship(
        actor=social_worker,
        person=region.arthur,
        kind=RelationshipKind.ATTORNEY,
        relationship="son",
        given_name="Keith",
        family_name="Bell",
    )
    lpa = record_lasting_power_of_attorney(
        actor=social_worker,
        person=region.arthur,
        attorneys=[son],
        lpa_type=LpaType.HEALTH_AND_WELFARE,
        attorneys_act="sole",
        status=LpaStatus.NOT_REGISTERED,
    )
    assert list(lpa.attorneys.all()) == [son]
    assert not lpa.is_usable


def test_attorneys_must_be_the_persons_own_relationships(region: Region) -> None:
    stranger = region.margaret.relationships.first()
    assert stranger is not None
    with pytest.raises(NotAllowed):
        record_lasting_power_of_attorney(
            actor=region.actor("social_worker"),
            person=region.arthur,
            attorneys=[stranger],
            lpa_type=LpaType.HEALTH_AND_WELFARE,
            attorneys_act="sole",
            status=LpaStatus.REGISTERED,
        )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"nhs_number": "999 000 1112"}, "nhs_number", "not a valid NHS number"),
        ({"nhs_number": "4444444444"}, "nhs_number", "same digit 10 times"),
        ({"postcode": "ZZ99 9ZZZ"}, "postcode", "real postcode"),
        ({"given_name": "  "}, "given_name", "first name"),
        ({"date_of_birth": date(2999, 1, 1)}, "date_of_birth", "in the past"),
        ({"date_of_death": date(1940, 1, 1)}, "date_of_death", "on or after the date of birth"),
        ({"communication_needs": ["semaphore"]}, "communication_needs", "semaphore"),
    ],
)
def test_registration_enforces_the_rules_whatever_the_caller_checked(
    region: Region, fields: dict[str, object], field: str, message: str
) -> None:
    details: dict[str, Any] = {
        "given_name": "Tomasz",
        "family_name": "Nowak",
        "date_of_birth": date(1950, 5, 1),
        **fields,
    }
    with pytest.raises(DomainRuleBroken, match=message) as refused:
        register_person(actor=region.actor("nurse"), **details)
    assert refused.value.field == field


def test_identifiers_are_stored_the_way_they_are_compared(region: Region) -> None:
    person = register_person(
        actor=region.actor("nurse"),
        nhs_number="943-476-5919",
        given_name="Tomasz",
        family_name="Nowak",
        date_of_birth=date(1950, 5, 1),
        postcode=" cd9  1ab ",
    )
    person.refresh_from_db()
    assert (person.nhs_number, person.postcode) == ("9434765919", "CD9 1AB")


def test_a_change_of_details_cannot_break_the_rules(region: Region) -> None:
    margaret = region.margaret
    with pytest.raises(DomainRuleBroken, match="on or after the date of birth"):
        update_person_details(
            actor=region.actor("nurse"),
            person=margaret,
            date_of_death=margaret.date_of_birth - timedelta(days=1),
        )
    margaret.refresh_from_db()
    assert margaret.date_of_death is None
