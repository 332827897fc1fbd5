"""Registering a person and changing their details: the registrant joins the care team,
possible duplicates are named only to those who may see them, bad input keeps everything
typed, roles that may not register or edit are told why, and two people changing the same
details never silently overwrite each other."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.careteams.models import CareTeamMember, CareTeamRole
from joinedup.conftest import Region, SignIn
from joinedup.core.errors import DomainRuleBroken, EditConflict
from joinedup.core.tests.pages import form_value, main_text
from joinedup.directory.models import Organisation
from joinedup.people.models import Person
from joinedup.people.services import update_person_details

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

REGISTER = reverse("people:register")
SEARCH = reverse("people:search")


def details_url(person: Person | uuid.UUID) -> str:
    person_id = person.pk if isinstance(person, Person) else person
    return reverse("people:details-edit", args=[person_id])


def summary_url(person: Person) -> str:
    return reverse("people:summary", args=[person.pk])


def new_person(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    """What a nurse types to register Tomasz Nowak, who has no NHS number yet."""
    typed: dict[str, str | list[str]] = {
        "nhs_number": "",
        "title": "Mr",
        "given_name": "Tomasz",
        "other_given_names": "Jan",
        "family_name": "Nowak",
        "preferred_name": "Tom",
        "date_of_birth_day": "1",
        "date_of_birth_month": "5",
        "date_of_birth_year": "1950",
        "sex": "male",
        "gender_identity": "",
        "pronouns": "he/him",
        "address_line_1": "14 Mill Lane",
        "address_line_2": "",
        "town": "Calderbridge",
        "postcode": "cd9 1ab",
        "phone": "01632 960 123",
        "email": "tomasz@example.org",
        "gp_practice": "",
        "preferred_language": "Polish",
        "interpreter_needed": "yes",
        "communication_needs": ["large_print", "extra_time"],
        "communication_notes": "Speaks some English; his son Piotr often helps.",
        "care_team_role": "key_worker",
    }
    typed.update(overrides)
    return typed


def registered(name: str = "Nowak") -> Person:
    return Person.objects.get(family_name=name)


def checked(response: TestResponse, name: str) -> list[str]:
    """The values of the checked checkboxes (or radio) called `name`."""
    tags = re.findall(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', response.content.decode())
    return [
        html.unescape(re.search(r'\bvalue="([^"]*)"', tag).group(1))  # type: ignore[union-attr]
        for tag in tags
        if re.search(r"\schecked\b", tag)
    ]


def error_summary(response: TestResponse) -> str:
    page = response.content.decode()
    match = re.search(r'data-module="nhsuk-error-summary".*?</ul>', page, re.S)
    assert match is not None, "The page has no error summary"
    return match.group(0)


def error_beside(response: TestResponse, field: str) -> str:
    """The error message shown with a field (NHS.UK puts it inside the field's group)."""
    # The message span holds a visually hidden "Error: " span, then the message.
    pattern = rf'id="id_{field}-error"\s*>(\s*<span[^>]*>.*?</span>.*?)</span>'
    match = re.search(pattern, response.content.decode(), re.S)
    assert match is not None, f"No error is shown beside {field}"
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(match.group(1))).split())


def last_audit_id() -> int:
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


# -- registering a person ------------------------------------------------------------------------


def test_the_nurse_registers_someone_without_an_nhs_number_and_joins_their_care_team(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")

    response = client.post(REGISTER, new_person())

    person = registered()
    assert response.status_code == 302
    assert response["Location"] == summary_url(person)
    assert person.nhs_number == ""
    assert person.postcode == "CD9 1AB"  # stored the standard way
    assert person.interpreter_needed is True
    assert person.communication_needs == ["large_print", "extra_time"]
    assert person.created_by == region.user("nurse")
    member = CareTeamMember.objects.get(person=person)
    assert member.role_profile == region.role_profile("nurse")
    assert member.role == CareTeamRole.KEY_WORKER

    summary = client.get(response["Location"])
    text = main_text(summary)
    assert "Tomasz Nowak has been registered and you have joined their care team." in text
    assert "possible duplicate" not in text
    assert "NHS number Not known" in text
    assert "Known as Tom." in text
    assert "Large print" in text and "Needs an interpreter: Polish" in text
    assert "Nadia Okafor" in text  # in the care team table


def test_the_form_asks_for_everything_with_the_registrants_role_defaulting_to_member(
    sign_in: SignIn,
) -> None:
    response = sign_in("nurse").get(REGISTER)

    text = main_text(response)
    assert response.status_code == 200
    assert "<title>Register a person – joinedup</title>" in response.content.decode()
    assert "Leave this empty if you do not know it yet." in text
    assert "What they like to be called (optional)" in text
    assert "Large print" in text and "British Sign Language interpreter" in text
    assert "Riverside Medical Practice" in text  # a GP practice to choose
    assert "Calderbridge Community Health NHS Trust" not in text  # not a GP practice
    assert form_value(response, "care_team_role") == "member"
    assert form_value(response, "interpreter_needed") == "no"
    assert form_value(response, "preferred_language") == "English"


def test_the_registrant_is_lead_professional_only_if_they_choose_it(
    sign_in: SignIn, region: Region
) -> None:
    gp_practice = Organisation.objects.get(name="Riverside Medical Practice")
    sign_in("social_worker").post(
        REGISTER,
        new_person(care_team_role="lead_professional", gp_practice=str(gp_practice.pk)),
    )

    person = registered()
    assert person.gp_practice == gp_practice
    member = CareTeamMember.objects.get(person=person)
    assert member.role == CareTeamRole.LEAD_PROFESSIONAL
    assert member.role_profile == region.role_profile("social_worker")


def test_registering_someone_with_fatimas_nhs_number_warns_of_a_possible_duplicate(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    fatima = region.fatima

    response = client.post(REGISTER, new_person(nhs_number=fatima.nhs_number_display), follow=True)

    text = main_text(response)
    assert "This person may already be on joinedup: 1 possible duplicate found." in text
    assert "This may be a duplicate record" in text
    # The nurse is in Fatima's care team, so the record is named and linked.
    assert (
        "Fatima Hussain, born 20 November 1961, NHS number 999 000 3025. Same NHS number." in text
    )
    assert f'href="{summary_url(fatima)}"' in response.content.decode()


def test_a_duplicate_the_registrant_may_not_see_is_counted_but_never_named(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("social_worker")  # not involved in Fatima's care
    fatima = region.fatima
    before = last_audit_id()

    response = client.post(REGISTER, new_person(nhs_number=fatima.nhs_number), follow=True)

    page = response.content.decode()
    text = main_text(response)
    assert "This person may already be on joinedup: 1 possible duplicate found." in text
    assert "It is the record of someone whose care you are not involved in" in text
    assert "Fatima" not in page and "Hussain" not in page
    assert str(fatima.pk) not in page
    assert not AuditEvent.objects.filter(pk__gt=before, person=fatima).exists()


def test_the_summary_names_only_the_possible_duplicates_the_reader_may_see(
    sign_in: SignIn, region: Region
) -> None:
    # The demo flags a second "Margaret Price" record, in the GP's care but not the nurse's.
    margaret = region.margaret
    twin = Person.objects.exclude(pk=margaret.pk).get(
        family_name=margaret.family_name, date_of_birth=margaret.date_of_birth
    )
    before = last_audit_id()

    gp = sign_in("gp").get(summary_url(margaret))
    nurse = sign_in("nurse").get(summary_url(margaret))

    assert f'href="{summary_url(twin)}"' in gp.content.decode()
    assert "Same name, date of birth and postcode." in main_text(gp)
    listed = AuditEvent.objects.get(pk__gt=before, action="person.possible_duplicate.view")
    assert listed.person_id == twin.pk
    assert listed.user == region.user("gp")
    assert "This may be a duplicate record" in main_text(nurse)
    assert "It is the record of someone whose care you are not involved in" in main_text(nurse)
    assert str(twin.pk) not in nurse.content.decode()


@pytest.mark.parametrize(
    ("typed", "field", "message", "anchor"),
    [
        (
            {"nhs_number": "999 000 1112"},
            "nhs_number",
            "This is not a valid NHS number. Check it and try again.",
            "id_nhs_number",
        ),
        (
            {"postcode": "CD9 1A"},
            "postcode",
            "Enter a real postcode, like SW1A 1AA.",
            "id_postcode",
        ),
        (
            {"date_of_birth_year": str(timezone.localdate().year + 1)},
            "date_of_birth",
            "Date of birth must be today or in the past",
            "id_date_of_birth-day",
        ),
    ],
    ids=["nhs_number", "postcode", "future_date_of_birth"],
)
def test_bad_input_is_explained_by_the_field_and_in_the_summary_and_nothing_typed_is_lost(
    sign_in: SignIn,
    typed: dict[str, str],
    field: str,
    message: str,
    anchor: str,
) -> None:
    posted = new_person(**typed)

    response = sign_in("nurse").post(REGISTER, posted)

    assert response.status_code == 200
    assert not Person.objects.filter(family_name="Nowak").exists()
    page = response.content.decode()
    assert "<title>Error: Register a person – joinedup</title>" in page
    assert message in error_summary(response)
    assert f'href="#{anchor}"' in error_summary(response)
    assert error_beside(response, field) == f"Error: {message}"
    assert page.count(message) == 2  # in the summary and beside the field
    for name, value in posted.items():
        if isinstance(value, list):
            assert checked(response, name) == value
        else:
            assert form_value(response, name) == value, name


def test_every_problem_is_shown_at_once(sign_in: SignIn) -> None:
    response = sign_in("nurse").post(
        REGISTER,
        new_person(given_name=" ", nhs_number="123", postcode="nowhere", email="tomasz at home"),
    )

    summary = error_summary(response)
    assert "Enter their first name" in summary
    assert "An NHS number must be 10 digits long." in summary
    assert "Enter a real postcode, like SW1A 1AA." in summary
    assert "Enter an email address in the correct format, like name@example.com" in summary


def test_a_rule_broken_in_the_service_is_shown_beside_its_field(
    sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The form checks what it can; the service has the last word for every caller.
    def refuse(**_: object) -> Person:
        raise DomainRuleBroken("Enter a real postcode, like SW1A 1AA.", field="postcode")

    monkeypatch.setattr("joinedup.people.views.register_person", refuse)

    response = sign_in("nurse").post(REGISTER, new_person())

    assert response.status_code == 200
    assert 'href="#id_postcode"' in error_summary(response)
    assert error_beside(response, "postcode") == "Error: Enter a real postcode, like SW1A 1AA."
    assert form_value(response, "postcode") == "cd9 1ab"
    assert form_value(response, "given_name") == "Tomasz"


def test_a_voluntary_worker_is_told_their_role_cannot_register_people(
    sign_in: SignIn,
) -> None:
    client = sign_in("voluntary")

    shown = client.get(REGISTER)
    posted = client.post(REGISTER, new_person())

    assert shown.status_code == posted.status_code == 403
    text = main_text(shown)
    assert "You cannot register people" in text
    assert "You are acting as Voluntary sector worker, Calderbridge Carers Centre." in text
    assert "This role cannot register people on joinedup." in text
    assert 'name="given_name"' not in shown.content.decode()
    assert not Person.objects.filter(family_name="Nowak").exists()


def test_the_link_to_register_is_shown_only_to_roles_that_may_register(
    sign_in: SignIn,
) -> None:
    no_one = {"nhs_number": "9434765919", "search_by": "nhs_number"}

    nurse_search = sign_in("nurse").post(SEARCH, no_one)
    nurse_home = sign_in("nurse").get("/")
    voluntary_search = sign_in("voluntary").post(SEARCH, no_one)
    voluntary_home = sign_in("voluntary").get("/")

    assert "If they are not on joinedup, register them." in main_text(nurse_search)
    assert f'href="{REGISTER}"' in nurse_search.content.decode()
    assert f'href="{REGISTER}"' in nurse_home.content.decode()
    assert "register them" not in main_text(voluntary_search)
    assert f'href="{REGISTER}"' not in voluntary_search.content.decode()
    assert f'href="{REGISTER}"' not in voluntary_home.content.decode()


# -- changing a person's details -----------------------------------------------------------------


def details_as_shown(client: Client, person: Person) -> dict[str, str | list[str]]:
    """The change details form as it opens, ready to post back."""
    response = client.get(details_url(person))
    assert response.status_code == 200
    names = set(re.findall(r'\bname="([a-z_0-9]+)"', response.content.decode()))
    names -= {"csrfmiddlewaretoken", "communication_needs"}
    form: dict[str, str | list[str]] = {name: form_value(response, name) for name in names}
    form["communication_needs"] = checked(response, "communication_needs")
    return form


def test_the_change_details_form_opens_with_margarets_details(
    sign_in: SignIn, region: Region
) -> None:
    margaret = region.margaret

    form = details_as_shown(sign_in("nurse"), margaret)

    assert form["nhs_number"] == "999 000 1111"
    assert form["given_name"] == "Margaret"
    assert form["preferred_name"] == "Peggy"
    assert form["date_of_birth_day"] == "12"
    assert form["date_of_birth_year"] == "1944"
    assert form["postcode"] == "CD3 4PQ"
    assert form["sex"] == margaret.sex
    assert form["gp_practice"] == str(margaret.gp_practice_id)
    assert form["communication_needs"] == margaret.communication_needs
    assert form["date_of_death_year"] == ""
    assert "care_team_role" not in form


def test_the_nurse_changes_margarets_details(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")
    margaret = region.margaret
    form = details_as_shown(client, margaret)
    before = last_audit_id()

    response = client.post(
        details_url(margaret),
        form | {"phone": "01632 960 999", "postcode": "cd3 4qq", "communication_needs": []},
    )

    assert response.status_code == 302
    assert response["Location"] == summary_url(margaret)
    margaret.refresh_from_db()
    assert margaret.phone == "01632 960 999"
    assert margaret.postcode == "CD3 4QQ"
    assert margaret.communication_needs == []
    assert margaret.preferred_name == "Peggy"  # untouched fields stay as they were
    edit = AuditEvent.objects.get(pk__gt=before, action="person.edit")
    assert edit.person_id == margaret.pk
    assert "phone" in edit.reason and "postcode" in edit.reason
    summary = main_text(client.get(response["Location"]))
    assert "Peggy's details have been updated." in summary
    assert "01632 960 999" in summary


def test_a_date_of_death_can_be_recorded_but_not_before_birth(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    margaret = region.margaret
    form = details_as_shown(client, margaret)
    died = timezone.localdate() - timedelta(days=2)

    too_early = client.post(
        details_url(margaret),
        form | {"date_of_death_day": "1", "date_of_death_month": "1", "date_of_death_year": "1940"},
    )
    saved = client.post(
        details_url(margaret),
        form
        | {
            "date_of_death_day": str(died.day),
            "date_of_death_month": str(died.month),
            "date_of_death_year": str(died.year),
        },
    )

    assert "Date of death must be on or after the date of birth" in error_summary(too_early)
    assert form_value(too_early, "date_of_death_year") == "1940"
    assert saved.status_code == 302
    margaret.refresh_from_db()
    assert margaret.date_of_death == died


def test_the_summary_links_to_change_details_only_for_those_who_may_edit(
    sign_in: SignIn, region: Region
) -> None:
    link = f'href="{details_url(region.margaret)}"'

    nurse = sign_in("nurse").get(summary_url(region.margaret))
    voluntary = sign_in("voluntary").get(summary_url(region.margaret))

    assert link in nurse.content.decode()
    assert "Change details for Margaret Price" in main_text(nurse)
    assert voluntary.status_code == 200
    assert link not in voluntary.content.decode()


def test_the_outsider_gets_the_same_not_found_page_as_for_no_one(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("outsider")

    margaret = client.get(details_url(region.margaret))
    no_one = client.get(details_url(uuid.uuid4()))
    posted = client.post(details_url(region.margaret), {"given_name": "Changed"})

    assert margaret.status_code == no_one.status_code == posted.status_code == 404
    assert "Page not found" in main_text(margaret)
    assert main_text(margaret) == main_text(no_one)
    assert "Margaret" not in margaret.content.decode()
    region.margaret.refresh_from_db()
    assert region.margaret.given_name == "Margaret"


def test_someone_who_may_see_but_not_edit_is_told_why(sign_in: SignIn, region: Region) -> None:
    client = sign_in("voluntary")

    shown = client.get(details_url(region.margaret))
    posted = client.post(details_url(region.margaret), {"given_name": "Changed"})

    assert shown.status_code == posted.status_code == 403
    assert "You cannot make this change" in main_text(shown)
    assert "no basis to change this person's details" in main_text(shown)
    assert region.margaret.given_name == Person.objects.get(pk=region.margaret.pk).given_name


def test_a_change_saved_meanwhile_is_shown_beside_what_was_typed_and_not_overwritten(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    margaret = region.margaret
    form = details_as_shown(client, margaret)
    # While the nurse is typing, the social worker saves a new phone number.
    update_person_details(
        actor=region.actor("social_worker"), person=margaret, phone="01632 960 555"
    )
    mine = form | {"phone": "01632 960 777", "pronouns": "she/they"}

    response = client.post(details_url(margaret), mine)

    assert response.status_code == 200
    margaret.refresh_from_db()
    assert margaret.phone == "01632 960 555"  # theirs is not overwritten
    assert margaret.pronouns != "she/they"
    text = main_text(response)
    assert "Someone else changed Peggy's details while you were editing." in text
    assert "The details saved while you were editing" in text
    assert "Phone number 01632 960 555 Different from yours" in text
    assert form_value(response, "phone") == "01632 960 777"
    assert form_value(response, "pronouns") == "she/they"
    assert checked(response, "communication_needs") == form["communication_needs"]

    # Having seen both, saving again keeps the nurse's version.
    again = client.post(
        details_url(margaret), mine | {"based_on": form_value(response, "based_on")}
    )

    assert again.status_code == 302
    margaret.refresh_from_db()
    assert margaret.phone == "01632 960 777"
    assert margaret.pronouns == "she/they"


def test_the_service_refuses_a_change_based_on_an_out_of_date_record(region: Region) -> None:
    # The view's check and the save are not one step; the service checks again under a lock.
    margaret = region.margaret
    opened_at = margaret.updated_at
    update_person_details(actor=region.actor("gp"), person=margaret, phone="01632 960 555")

    with pytest.raises(EditConflict):
        update_person_details(
            actor=region.actor("nurse"),
            person=Person.objects.get(pk=margaret.pk),
            unchanged_since=opened_at,
            phone="01632 960 777",
        )

    margaret.refresh_from_db()
    assert margaret.phone == "01632 960 555"
