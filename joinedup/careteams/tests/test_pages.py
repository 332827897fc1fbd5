"""Changing a care team from the web: adding a practitioner found in the directory, ending a
membership, and the history of every change with who made it and when. Form errors keep what
was typed; the one-lead-professional rule shows as an error on the role; people outside the
editor's care do not exist for them, and roles that may not change a care team are told why."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.test import Client
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.careteams.models import CareTeamChange, CareTeamMember, ChangeKind, in_force_on
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value, main_text, row_with, table_rows
from joinedup.people.models import Person

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

ONE_LEAD = (
    "This person already has a lead professional. Change their role first, so it is always "
    "clear who leads."
)


def add_url(person: Person) -> str:
    return f"/people/{person.pk}/care-team/add/"


def end_url(person: Person, member: CareTeamMember) -> str:
    return f"/people/{person.pk}/care-team/{member.pk}/end/"


def history_url(person: Person) -> str:
    return f"/people/{person.pk}/care-team/history/"


def summary_url(person: Person) -> str:
    return f"/people/{person.pk}/"


def today_in_words() -> str:
    today = timezone.localdate()
    return f"{today.day} {today:%B %Y}"


def grace(region: Region) -> RoleProfile:
    """Grace Mensah, manager of Hollybank Care Home: not in Margaret's care team."""
    return region.role_profile("care_home_manager")


def add_grace(client: Client, region: Region, **changes: str) -> TestResponse:
    form = {
        "action": "add",
        "query": "Grace",
        "role_profile": str(grace(region).pk),
        "role": "member",
        "responsibilities": "Plan a two-week respite stay at Hollybank",
        "reason": "Sarah asked for a break in March",
    }
    return client.post(add_url(region.margaret), form | changes)


def members_of(person: Person) -> set[str]:
    return {
        member.role_profile.practitioner.display_name
        for member in CareTeamMember.objects.filter(
            in_force_on(timezone.localdate()), person=person, role_profile__isnull=False
        ).select_related("role_profile__practitioner")
        if member.role_profile is not None
    }


# -- adding -------------------------------------------------------------------------------------


def test_searching_the_directory_lists_practitioners_to_choose_from(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")

    response = client.post(add_url(region.margaret), {"action": "search", "query": "grace"})

    text = main_text(response)
    assert "Practitioner Grace Mensah Care home manager, Hollybank Care Home" in text
    assert form_value(response, "query") == "grace"
    assert "There is a problem" not in text  # searching is not submitting


def test_people_already_in_the_care_team_cannot_be_chosen_again(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")

    response = client.post(add_url(region.margaret), {"action": "search", "query": "okafor"})

    assert "Nadia Okafor Community nurse" in main_text(response)
    assert "Already in the care team" in main_text(response)
    page = response.content.decode()
    nadia = str(region.role_profile("nurse").pk)
    radio = next(tag for tag in page.split("<input")[1:] if f'value="{nadia}"' in tag)
    assert "disabled" in radio.split(">")[0]


def test_a_search_that_finds_no_one_says_so(sign_in: SignIn, region: Region) -> None:
    response = sign_in("nurse").post(
        add_url(region.margaret), {"action": "search", "query": "Zzyzx"}
    )

    assert "No practitioners in the directory match that name." in main_text(response)


def test_adding_a_practitioner_puts_them_in_the_care_team(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")

    response = add_grace(client, region)

    assert response["Location"] == summary_url(region.margaret)
    summary = client.get(response["Location"])
    assert "Grace Mensah has joined Peggy's care team." in main_text(summary)
    assert "7 members from 6 organisations." in main_text(summary)
    row = row_with(summary, "Grace Mensah")
    for detail in (
        "Member",
        "Hollybank Care Home",
        "Care home manager",
        "Plan a two-week respite stay at Hollybank",
        today_in_words(),
    ):
        assert detail in row
    member = CareTeamMember.objects.get(person=region.margaret, role_profile=grace(region))
    assert member.created_by == region.user("nurse")
    change = CareTeamChange.objects.get(member=member)
    assert change.kind == ChangeKind.ADDED
    assert change.reason == "Sarah asked for a break in March"


def test_a_form_with_nothing_chosen_names_each_problem(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")

    response = client.post(add_url(region.margaret), {"action": "add", "query": ""})

    text = main_text(response)
    assert response.status_code == 200
    assert "<title>Error: " in response.content.decode()
    for message in (
        "Choose the practitioner to add",
        "Choose their role in the care team",
        "Say what they will do for the person",
    ):
        assert text.count(message) == 2, message  # in the summary and beside the field
    assert members_of(region.margaret) == {
        "Sam Whitaker",
        "Nadia Okafor",
        "Dr Priya Shah",
        "Aisha Khan",
        "Tom Brennan",
    }


def test_a_missing_role_keeps_everything_else_typed_and_chosen(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")

    response = add_grace(client, region, role="")

    assert main_text(response).count("Choose their role in the care team") == 2
    assert form_value(response, "query") == "Grace"
    assert form_value(response, "role_profile") == str(grace(region).pk)
    assert form_value(response, "responsibilities") == "Plan a two-week respite stay at Hollybank"
    assert form_value(response, "reason") == "Sarah asked for a break in March"
    assert "Grace Mensah" not in members_of(region.margaret)


def test_the_chosen_practitioner_stays_chosen_after_a_new_search(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")

    response = add_grace(client, region, action="search", query="Okafor")

    assert form_value(response, "role_profile") == str(grace(region).pk)
    assert "Grace Mensah" in main_text(response)
    assert "Nadia Okafor" in main_text(response)


def test_a_second_lead_professional_is_refused_as_an_error_on_the_role(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")

    response = add_grace(client, region, role="lead_professional")

    assert response.status_code == 200
    assert main_text(response).count(ONE_LEAD) == 2
    assert 'href="#id_role"' in response.content.decode()
    assert form_value(response, "role") == "lead_professional"
    assert form_value(response, "role_profile") == str(grace(region).pk)
    assert form_value(response, "responsibilities") == "Plan a two-week respite stay at Hollybank"
    assert "Grace Mensah" not in members_of(region.margaret)


# -- ending ---------------------------------------------------------------------------------------


def toms_membership(region: Region) -> CareTeamMember:
    return region.margaret.care_team_members.get(role_profile=region.role_profile("discharge"))


def test_the_end_page_shows_whose_membership_ends(sign_in: SignIn, region: Region) -> None:
    text = main_text(sign_in("nurse").get(end_url(region.margaret, toms_membership(region))))

    assert "End Tom Brennan's care team membership" in text
    assert "Organisation Calderbridge Royal Infirmary NHS Trust" in text
    assert "Responsibilities Planning discharge after her fall in October" in text
    assert "Their history in the care team is kept." in text


def test_ending_a_membership_with_no_date_takes_them_off_the_team_straight_away(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    member = toms_membership(region)

    response = client.post(end_url(region.margaret, member), {"reason": "Home safely"})

    assert response["Location"] == summary_url(region.margaret)
    assert "Tom Brennan has left the care team." in main_text(client.get(response["Location"]))
    member.refresh_from_db()
    assert member.ends_on == timezone.localdate()  # the day he leaves: today
    assert "Tom Brennan" not in members_of(region.margaret)


def test_a_membership_ended_on_an_earlier_day_leaves_the_care_team(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    member = toms_membership(region)
    yesterday = timezone.localdate() - timedelta(days=1)

    response = client.post(
        end_url(region.margaret, member),
        {
            "reason": "Discharged home last night",
            "ends_on_day": str(yesterday.day),
            "ends_on_month": str(yesterday.month),
            "ends_on_year": str(yesterday.year),
        },
    )

    summary = client.get(response["Location"])
    assert "Tom Brennan has left the care team." in main_text(summary)
    assert not [row for row in table_rows(summary) if "Tom Brennan" in row]
    assert "5 members from 4 organisations." in main_text(summary)
    assert "Tom Brennan" not in members_of(region.margaret)
    # An ended membership cannot be ended again.
    assert client.get(end_url(region.margaret, member)).status_code == 404


def test_ending_needs_a_reason_and_keeps_the_date_typed(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")
    member = toms_membership(region)

    response = client.post(
        end_url(region.margaret, member),
        {"reason": "   ", "ends_on_day": "3", "ends_on_month": "12", "ends_on_year": "2026"},
    )

    assert main_text(response).count("Say why they are leaving the care team") == 2
    assert form_value(response, "ends_on_day") == "3"
    assert form_value(response, "ends_on_year") == "2026"
    member.refresh_from_db()
    assert member.ends_on is None


def test_an_end_date_before_they_joined_is_refused_beside_the_date(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    member = toms_membership(region)
    before = member.starts_on.replace(year=member.starts_on.year - 1)

    response = client.post(
        end_url(region.margaret, member),
        {
            "reason": "Recorded in error",
            "ends_on_day": str(before.day),
            "ends_on_month": str(before.month),
            "ends_on_year": str(before.year),
        },
    )

    assert main_text(response).count("The end date cannot be before they joined.") == 2
    assert form_value(response, "reason") == "Recorded in error"
    member.refresh_from_db()
    assert member.ends_on is None


# -- history ------------------------------------------------------------------------------------


def test_the_history_lists_each_change_with_who_made_it_and_when(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")
    add_grace(client, region)
    client.post(end_url(region.margaret, toms_membership(region)), {"reason": "Home safely"})

    response = client.get(history_url(region.margaret))

    rows = table_rows(response)[1:]  # after the heading row
    assert len(rows) == 8  # six from when the record was set up, and today's two
    assert all("Recorded when the record was set up" in row for row in rows[:6])
    joined, left = rows[-2:]
    for row in (joined, left):
        assert today_in_words() in row
        assert "Nadia Okafor" in row.split("Who made it")[1]
    assert "Joined the care team" in joined
    assert "Grace Mensah Care home manager, Hollybank Care Home" in joined
    assert "Sarah asked for a break in March" in joined
    assert "Left the care team" in left
    assert "Tom Brennan" in left
    assert f"to {today_in_words()}" in left
    assert "Home safely" in left


# -- who may change a care team -------------------------------------------------------------------


def test_the_outsider_cannot_change_margarets_care_team(sign_in: SignIn, region: Region) -> None:
    client = sign_in("outsider")
    member = toms_membership(region)

    added = add_grace(client, region)
    ended = client.post(end_url(region.margaret, member), {"reason": "Not mine to end"})

    assert added.status_code == ended.status_code == 404
    assert "Page not found" in main_text(added)
    assert "Grace Mensah" not in members_of(region.margaret)
    member.refresh_from_db()
    assert member.ends_on is None


def test_a_role_that_may_not_change_care_teams_is_told_why(sign_in: SignIn, region: Region) -> None:
    # Aisha, a carers' support worker, is in Margaret's care team and may read her record.
    client = sign_in("voluntary")
    member = toms_membership(region)

    summary = main_text(client.get(summary_url(region.margaret)))
    added = add_grace(client, region)
    ended = client.post(end_url(region.margaret, member), {"reason": "Not mine to end"})

    assert "Add someone to the care team" not in summary
    assert "End Tom Brennan's membership" not in summary
    assert added.status_code == ended.status_code == 403
    text = main_text(added)
    assert "You cannot make this change" in text
    assert (
        "As voluntary sector worker at Calderbridge Carers Centre you have no basis to change "
        "this person's care team." in text
    )
    assert "Grace Mensah" not in members_of(region.margaret)
    member.refresh_from_db()
    assert member.ends_on is None
