"""A person's summary page: who they are, About Me in their words, the people in their life and
their care team, for staff with a basis to see it; the same not-found page for everyone else.
Every read is audited, refusals included. About Me is updated by adding versions, and an edit
that crosses someone else's is shown beside theirs rather than silently replacing it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from joinedup.accounts.tests.test_sign_in import without_csrf_token
from joinedup.audit.models import AuditEvent, Outcome
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value, main_text, row_with
from joinedup.demo.featured import FEATURED
from joinedup.demo.personas import PERSONAS_BY_KEY
from joinedup.people.models import AboutMe, AttorneysAct, LpaVerification
from joinedup.people.services import record_about_me

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

MARGARET = FEATURED[0]
CONFLICT = (
    "Someone else updated About Me while you were writing. Their version is shown below your "
    "changes. Check both, then save again."
)


def summary_url(person_id: object) -> str:
    return f"/people/{person_id}/"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def open_margaret(client: Client, region: Region) -> TestResponse:
    response = client.get(summary_url(region.margaret.pk))
    assert response.status_code == 200
    return response


# -- what the nurse sees --------------------------------------------------------------------------


def test_the_summary_shows_margarets_details(sign_in: SignIn, region: Region) -> None:
    text = main_text(open_margaret(sign_in("nurse"), region))

    assert text.startswith("NHS number 999 000 1111 Mrs Margaret Price Known as Peggy.")
    assert "Born 12 March 1944" in text
    for label, value in (
        ("Name", "Mrs Margaret Price"),
        ("Preferred name", "Peggy"),
        ("NHS number", "999 000 1111"),
        ("Date of birth", "12 March 1944"),
        ("Sex", "Female"),
        ("Pronouns", "she/her"),
        ("Address", "14 Weavers Row, Calderbridge, CD3 4PQ"),
        ("GP practice", "Riverside Medical Practice"),
        ("Communication needs", "Large print, Hearing loop"),
    ):
        assert f"{label} {value}" in text, label


def test_the_summary_says_how_to_communicate_with_her(sign_in: SignIn, region: Region) -> None:
    text = main_text(open_margaret(sign_in("nurse"), region))

    assert (
        "How to communicate with Peggy Large print Hearing loop "
        "Wears a hearing aid in her left ear. Face her when speaking." in text
    )


def test_about_me_is_shown_in_her_own_words(sign_in: SignIn, region: Region) -> None:
    text = main_text(open_margaret(sign_in("nurse"), region))

    for words in MARGARET["about_me"].values():
        assert words in text
    assert "What is most important to me Staying in my own home on Weavers Row" in text
    assert "Supported to write this by Sarah Price (daughter)" in text
    assert "(version 1)." in text


def test_the_people_in_her_life_are_listed_with_their_details(
    sign_in: SignIn, region: Region
) -> None:
    response = open_margaret(sign_in("nurse"), region)

    sarah = row_with(response, "Sarah Price", "Attorney")
    for detail in (
        "Next of kin",
        "Main carer",
        "Attorney (lasting power of attorney)",
        "daughter",
        "2 Fern Bank, Brigfield, CD7 2LX",
    ):
        assert detail in sarah
    david = row_with(response, "David Price")
    assert "Family member" in david and "son" in david
    assert "Has a key to the house." in row_with(response, "Jean Holroyd")


def test_the_lasting_power_of_attorney_is_shown_with_its_details(
    sign_in: SignIn, region: Region
) -> None:
    lpa = region.margaret.lpas.get()
    assert lpa.registered_on is not None

    text = main_text(open_margaret(sign_in("nurse"), region))

    assert "Lasting power of attorney: health and welfare" in text
    for label, value in (
        ("Type", "Health and welfare"),
        ("Attorneys", "Sarah Price"),
        ("How the attorneys act", AttorneysAct(lpa.attorneys_act).label),
        ("Registration reference", lpa.registration_reference),
        ("Registered on", long_date(lpa.registered_on)),
        ("Status", "Registered"),
        ("Verification", LpaVerification(lpa.verification).label),
    ):
        assert f"{label} {value}" in text, label
    assert "The attorneys can make a decision only when Peggy lacks the capacity" in text
    assert "Next of kin cannot make decisions just by being next of kin." in text


def test_the_care_team_is_shown_with_organisations_and_roles(
    sign_in: SignIn, region: Region
) -> None:
    response = open_margaret(sign_in("nurse"), region)

    assert "6 members from 5 organisations." in main_text(response)
    for key, team_role, responsibilities in MARGARET["team"]:
        persona = PERSONAS_BY_KEY[key]
        profile = region.role_profile(key)
        row = row_with(response, f"{persona.given_name} {persona.family_name}")
        assert profile.organisation.name in row, key
        assert profile.get_job_role_display() in row, key
        assert team_role.label in row, key
        assert responsibilities in row, key
    assert "Lead professional Role in team Lead professional" in row_with(response, "Sam Whitaker")
    assert "Main carer" in row_with(response, "Sarah Price", "Family, friends and carers")


def test_the_nurse_is_offered_the_changes_her_role_may_make(
    sign_in: SignIn, region: Region
) -> None:
    text = main_text(open_margaret(sign_in("nurse"), region))

    assert "Update About Me for Margaret Price" in text
    assert "Add someone to the care team" in text
    assert "End Tom Brennan's membership" in text


# -- auditing and refusals ------------------------------------------------------------------------


def test_opening_the_summary_is_audited_once(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")
    before = last_audit_id()

    open_margaret(client, region)

    events = list(AuditEvent.objects.filter(pk__gt=before))
    assert len(events) == 1
    event = events[0]
    assert event.action == "person.view"
    assert event.person_id == region.margaret.pk
    assert event.user == region.user("nurse")
    assert event.role_profile == region.role_profile("nurse")
    assert event.outcome == Outcome.ALLOWED
    assert event.basis == "care_team"


@pytest.mark.parametrize(
    "page",
    [
        "",
        "about-me/",
        "about-me/update/",
        "care-team/history/",
        "care-team/add/",
        "entries/new/",
        "sharing/",
    ],
)
def test_the_outsider_gets_the_same_not_found_page_as_for_no_one(
    sign_in: SignIn, region: Region, page: str
) -> None:
    client = sign_in("outsider")

    margaret = client.get(f"{summary_url(region.margaret.pk)}{page}")
    no_one = client.get(f"{summary_url(uuid.uuid4())}{page}")

    assert margaret.status_code == no_one.status_code == 404
    assert without_csrf_token(margaret.content) == without_csrf_token(no_one.content)
    assert "Page not found" in main_text(margaret)
    assert "Margaret" not in margaret.content.decode()


def test_the_outsiders_refusal_is_audited_as_denied(sign_in: SignIn, region: Region) -> None:
    client = sign_in("outsider")
    before = last_audit_id()
    no_one = uuid.uuid4()

    client.get(summary_url(region.margaret.pk))
    client.get(summary_url(no_one))

    refused, missing = AuditEvent.objects.filter(pk__gt=before).order_by("pk")
    assert refused.outcome == missing.outcome == Outcome.DENIED
    assert refused.user == missing.user == region.user("outsider")
    assert refused.person_id == region.margaret.pk
    assert refused.action == "person.view"
    assert "no basis to see this person's record" in refused.reason
    assert missing.person_id is None
    assert missing.target_id == str(no_one)


# -- updating About Me --------------------------------------------------------------------------


def edit_url(region: Region) -> str:
    return f"{summary_url(region.margaret.pk)}about-me/update/"


def about_me_form(response: TestResponse) -> dict[str, str]:
    """Everything the About Me form on the page holds, as the browser would send it."""
    names = ("based_on", *AboutMe.SECTIONS, "supported_to_write_by")
    return {name: form_value(response, name) for name in names}


def versions_of_margarets_about_me(region: Region) -> list[int]:
    return list(region.margaret.about_me_versions.values_list("version", flat=True))


def test_the_update_form_starts_from_the_latest_version(sign_in: SignIn, region: Region) -> None:
    response = sign_in("nurse").get(edit_url(region))

    form = about_me_form(response)
    assert form["based_on"] == "1"
    assert form["what_matters_most"] == MARGARET["about_me"]["what_matters_most"]
    assert form["supported_to_write_by"] == "Sarah Price (daughter)"
    assert "Starting from version 1" in main_text(response)


def test_saving_an_update_adds_a_version_shown_on_the_summary_and_in_the_history(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    form = about_me_form(client.get(edit_url(region)))
    form["what_matters_most"] = "Getting to the shops on Weavers Row on my own again."

    response = client.post(edit_url(region), form)

    assert response["Location"] == summary_url(region.margaret.pk)
    summary = main_text(client.get(response["Location"]))
    assert "About Me for Peggy has been updated." in summary
    assert "What is most important to me Getting to the shops on Weavers Row" in summary
    assert "by Nadia Okafor (version 2)." in summary
    assert versions_of_margarets_about_me(region) == [2, 1]
    history = main_text(client.get(f"{summary_url(region.margaret.pk)}about-me/"))
    newest, older = history.split("Version 2 (current)")[1].split("Version 1")
    assert "Nadia Okafor" in newest
    assert "Getting to the shops on Weavers Row on my own again." in newest
    assert MARGARET["about_me"]["what_matters_most"] in older


def test_an_update_with_nothing_written_is_refused_and_keeps_what_was_typed(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    form = dict.fromkeys(AboutMe.SECTIONS, "  ") | {
        "based_on": "1",
        "supported_to_write_by": "Sarah Price (daughter)",
    }

    response = client.post(edit_url(region), form)

    assert response.status_code == 200
    assert "<title>Error: Update About Me: Margaret Price – joinedup</title>" in (
        response.content.decode()
    )
    assert "There is a problem Write something in at least one section" in main_text(response)
    assert form_value(response, "supported_to_write_by") == "Sarah Price (daughter)"
    assert versions_of_margarets_about_me(region) == [1]


def test_a_too_long_entry_gets_a_plain_message_and_nothing_typed_is_lost(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    form = about_me_form(client.get(edit_url(region)))
    form["please_do"] = "Ring Sarah first, then David."
    form["supported_to_write_by"] = "S" * 201

    response = client.post(edit_url(region), form)

    message = "Who supported them to write this must be 200 characters or fewer"
    assert main_text(response).count(message) == 2  # in the summary and beside the field
    assert 'href="#id_supported_to_write_by"' in response.content.decode()
    assert form_value(response, "please_do") == "Ring Sarah first, then David."
    assert form_value(response, "supported_to_write_by") == "S" * 201
    assert versions_of_margarets_about_me(region) == [1]


def test_an_edit_crossing_someone_elses_shows_both_and_loses_nothing(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    form = about_me_form(client.get(edit_url(region)))
    # While the nurse writes, the social worker saves a version of his own.
    record_about_me(
        actor=region.actor("social_worker"),
        person=region.margaret,
        what_matters_most="Staying at home, with carers three times a day.",
    )
    form["please_do"] = "Leave the back door key with Jean."

    response = client.post(edit_url(region), form)

    assert response.status_code == 200
    text = main_text(response)
    assert CONFLICT in text
    assert "Version 2, saved while you were writing" in text
    assert "by Sam Whitaker" in text
    theirs = text.split("saved while you were writing")[1]
    assert "What is most important to me Staying at home, with carers three times a day." in theirs
    assert form_value(response, "please_do") == "Leave the back door key with Jean."
    assert versions_of_margarets_about_me(region) == [2, 1]

    # Saving again, having seen both, adds the nurse's version on top of his.
    again = about_me_form(response)
    assert again["based_on"] == "2"
    assert client.post(edit_url(region), again).status_code == 302
    newest = region.margaret.about_me_versions.first()
    assert newest is not None
    assert newest.version == 3
    assert newest.please_do == "Leave the back door key with Jean."
    assert newest.created_by == region.user("nurse")


def test_the_outsider_cannot_update_about_me(sign_in: SignIn, region: Region) -> None:
    client = sign_in("outsider")

    response = client.post(
        edit_url(region), {"based_on": "1", "what_matters_most": "Written by someone else"}
    )

    assert response.status_code == 404
    assert versions_of_margarets_about_me(region) == [1]


def test_the_record_links_to_the_persons_care_plan(sign_in: SignIn, region: Region) -> None:
    from django.urls import reverse

    page = sign_in("nurse").get(f"/people/{region.margaret.pk}/").content.decode()

    assert reverse("people:care-plan", kwargs={"person_id": region.margaret.pk}) in page
    assert "Peggy\u2019s care plan" in page
