"""Record entries on a person's record page, and the page for adding one.

Each entry shows its section, details, kind of information (sensitive ones marked), who wrote it
and when, whether it is sealed, and why the reader can see it. The page says why the reader can
see the person at all, and warns when that is emergency access. Adding an entry keeps what was
typed when something needs putting right; roles that may not add entries are told why."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value, main_text
from joinedup.people.models import Person
from joinedup.records.models import RecordEntry
from joinedup.records.services import add_entry
from joinedup.sharing.models import BreakGlass, BreakGlassReason
from joinedup.sharing.policy import people_visible_to
from joinedup.sharing.tests.test_entries_and_choices import (
    LEG_ULCER,
    LOW_MOOD,
    entries_section,
    record_page,
    why_shown,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


def add_url(person: Person) -> str:
    return f"/people/{person.pk}/entries/new/"


def entry_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    """Nadia writes up Peggy's memory worries."""
    return {
        "section": "problems",
        "title": "Worried about her memory",
        "details": "Peggy forgot her Tuesday dressing. Sarah has noticed it too.",
        "category": "mental_health",
    } | changes


def add_entry_as(client: Client, person: Person, **changes: str | list[str]) -> TestResponse:
    return client.post(add_url(person), entry_form(**changes))


def the_entry(text: str, title: str) -> str:
    """One entry's words in the entries section, up to the next entry."""
    after = text.split(title, 1)[1]
    return after.split("Why can I see this?", 1)[0]


# -- entries on the record page ---------------------------------------------------------------


def test_nadia_sees_peggys_entries_with_who_wrote_them_and_why_she_can_see_them(
    sign_in: SignIn, region: Region
) -> None:
    section = entries_section(sign_in("nurse"), region.margaret)

    assert section.startswith(
        " 4 entries you can see, newest first. Entries that other organisations do not share "
        "with yours are not shown."
    )
    low_mood = the_entry(section, LOW_MOOD)
    for detail in (
        "Mental health Sensitive",
        "Section Problems and diagnoses",
        "Details Peggy says she has felt low and lonely since her fall in October.",
        "Information Mental health (sensitive)",
        "Written by Nadia Okafor, Community nurse, Calderbridge Community Health NHS Trust",
        "Recorded ",
    ):
        assert detail in low_mood, detail
    assert why_shown(section, LOW_MOOD).startswith("Your organisation wrote it.")
    enquiry = the_entry(section, "Safeguarding enquiry closed")
    assert "Written by Sam Whitaker, Social worker, Calderbridge City Council" in enquiry
    assert why_shown(section, "Safeguarding enquiry closed").startswith(
        "Shared under the agreement “Calderbridge adult safeguarding agreement”."
    )
    assert "Sexual health history" not in section


def test_the_why_can_i_see_this_answer_is_a_details_component(
    sign_in: SignIn, region: Region
) -> None:
    page = sign_in("nurse").get(f"/people/{region.margaret.pk}/").content.decode()

    assert page.count('<details class="nhsuk-details') == 4
    assert page.count("Why can I see this?") == 4


def test_the_gp_sees_the_sealed_entry_marked_as_sealed(sign_in: SignIn, region: Region) -> None:
    section = entries_section(sign_in("gp"), region.margaret)

    sealed = the_entry(section, "Sexual health history")
    assert "Sexual health Sensitive Sealed" in sealed
    assert "Sealed: only its author and the roles they named can see it" in sealed


def test_aisha_sees_only_the_general_and_social_care_entries(
    sign_in: SignIn, region: Region
) -> None:
    section = entries_section(sign_in("voluntary"), region.margaret)

    assert section.startswith(" 2 entries you can see")
    assert LEG_ULCER in section
    assert "Care Act assessment completed" in section
    assert LOW_MOOD not in section
    assert "Safeguarding enquiry closed" not in section


def test_the_record_page_says_why_the_reader_can_see_peggy_and_links_to_sharing_and_the_log(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("nurse").get(f"/people/{region.margaret.pk}/")
    text = main_text(response)
    page = response.content.decode()

    assert "Why you can see this record Allowed because you are in this person's care team." in text
    assert f'href="/people/{region.margaret.pk}/sharing/"' in page
    assert f'href="/people/{region.margaret.pk}/access-log/"' in page
    assert f'href="/people/{region.margaret.pk}/entries/new/"' in page
    assert "Emergency access" not in text


def test_emergency_access_shows_a_warning_with_its_end_and_reason(
    sign_in: SignIn, region: Region
) -> None:
    grace = region.role_profile("care_home_manager")  # not in Peggy's care team
    expires = timezone.now() + timedelta(minutes=45)
    BreakGlass.objects.create(
        person=region.margaret,
        user=region.user("care_home_manager"),
        role_profile=grace,
        reason_code=BreakGlassReason.OUT_OF_HOURS,
        reason="Peggy arrived for emergency respite at 2am; her usual team is unavailable.",
        expires_at=expires,
    )

    text = record_page(sign_in("care_home_manager"), region.margaret)

    until = timezone.localtime(expires)
    assert f"Emergency access until {until:%H:%M}" in text
    assert "Out-of-hours care with the usual team unavailable." in text
    assert "Peggy arrived for emergency respite at 2am" in text
    assert "Why you can see this record Emergency access (break-glass) until" in text
    assert "Add an entry" not in text  # emergency access is for reading


# -- adding an entry ------------------------------------------------------------------------------


def test_nadia_adds_an_entry_that_reaches_the_gp_but_not_sam(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    before = AuditEvent.objects.filter(action="entry.add").count()

    response = add_entry_as(client, region.margaret)

    assert response["Location"] == f"/people/{region.margaret.pk}/#entries"
    text = record_page(client, region.margaret)
    assert "“Worried about her memory” has been added to the record." in text
    section = text.split("Record entries", 1)[1]
    assert "Peggy forgot her Tuesday dressing." in the_entry(section, "Worried about her memory")
    assert AuditEvent.objects.filter(action="entry.add").count() == before + 1
    assert "Worried about her memory" in entries_section(sign_in("gp"), region.margaret)
    assert "Worried about her memory" not in entries_section(
        sign_in("social_worker"), region.margaret
    )


def test_a_sealed_entry_reaches_only_the_roles_named(sign_in: SignIn, region: Region) -> None:
    client = sign_in("gp")

    response = add_entry_as(
        client,
        region.margaret,
        title="Contraception review",
        category="sexual_health",
        sealed="yes",
        sealed_for_roles=["gp"],
    )

    assert response.status_code == 302
    entry = RecordEntry.objects.get(title="Contraception review")
    assert entry.sealed
    assert list(entry.sealed_for.values_list("job_role", flat=True)) == ["gp"]
    assert "Contraception review" in entries_section(client, region.margaret)
    assert "Contraception review" not in entries_section(sign_in("nurse"), region.margaret)


def test_a_form_with_no_title_or_kind_of_information_keeps_what_was_typed(
    sign_in: SignIn, region: Region
) -> None:
    response = add_entry_as(sign_in("nurse"), region.margaret, title="  ", category="")

    assert response.status_code == 200
    assert "<title>Error: Add an entry: Margaret Price – joinedup</title>" in (
        response.content.decode()
    )
    text = main_text(response)
    assert text.count("Enter a short title for the entry") == 2
    assert text.count("Choose what kind of information it is") == 2
    assert form_value(response, "details") == entry_form()["details"]
    assert form_value(response, "section") == "problems"
    assert not RecordEntry.objects.filter(details=entry_form()["details"]).exists()


def test_roles_named_for_an_entry_that_is_not_sealed_are_questioned_and_kept(
    sign_in: SignIn, region: Region
) -> None:
    response = add_entry_as(
        sign_in("nurse"), region.margaret, sealed_for_roles=["community_nurse", "gp"]
    )

    text = main_text(response)
    assert text.count("Named roles apply only to a sealed entry. Seal it, or clear the roles") == 2
    page = response.content.decode()
    for role in ("community_nurse", "gp"):
        assert f'value="{role}" checked' in page, role
    assert form_value(response, "category") == "mental_health"


def test_a_gp_who_is_not_in_the_care_team_may_read_but_not_add_entries(
    sign_in: SignIn, region: Region
) -> None:
    gp = region.actor("gp")
    registered_not_in_team = (
        people_visible_to(gp).exclude(care_team_members__role_profile=gp.role_profile).first()
    )
    assert registered_not_in_team is not None
    client = sign_in("gp")

    assert "Add an entry" not in record_page(client, registered_not_in_team)
    response = add_entry_as(client, registered_not_in_team)

    assert response.status_code == 403
    assert "You cannot make this change" in main_text(response)
    assert "no basis to add to this person's record" in main_text(response)
    assert not RecordEntry.objects.filter(title="Worried about her memory").exists()


def test_the_outsider_cannot_add_to_peggys_record_and_finds_no_one(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("outsider")

    margaret = add_entry_as(client, region.margaret)
    no_one = client.get(f"/people/{uuid.uuid4()}/entries/new/")

    assert margaret.status_code == no_one.status_code == 404
    assert not RecordEntry.objects.filter(title="Worried about her memory").exists()


def test_the_record_page_takes_the_same_queries_however_many_entries(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("gp")
    client.get(f"/people/{region.margaret.pk}/")  # sessions and caches settle

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/people/{region.margaret.pk}/").status_code == 200
        return len(captured)

    before = queries()
    for week in range(1, 6):
        add_entry(
            actor=region.actor("nurse"),
            person=region.margaret,
            title=f"Dressing changed, week {week}",
            category="general",
        )
    assert queries() == before
