"""Acting in one role at a time. Sam Whitaker is a council social worker who also covers the
hospital's discharge team, so after signing in he is asked which role he is working in; what
he sees follows that choice. Roles that have ended, have not started or belong to someone
else cannot be chosen."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

from django.test import Client
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.accounts.tests.test_sign_in import HOME, sign_in_fully
from joinedup.careteams.models import CareTeamMember, in_force_on
from joinedup.conftest import Region
from joinedup.core.tests.pages import main_text, visible_text

CHOOSE_ROLE = "/role/"
COUNCIL = "Social worker, Calderbridge City Council Adult Social Care"
HOSPITAL = "Social worker, Calderbridge Royal Infirmary NHS Trust"
NOT_ONE_OF_YOURS = "Choose one of your current roles"


def sams_roles(region: Region) -> tuple[RoleProfile, RoleProfile]:
    """(council, hospital): Sam's two role profiles."""
    profiles = {
        str(profile): profile for profile in region.user("social_worker").active_role_profiles()
    }
    return profiles[COUNCIL], profiles[HOSPITAL]


def choose_role_page_for(path: str) -> str:
    return f"{CHOOSE_ROLE}?{urlencode({'next': path})}"


def caseload_names(profile: RoleProfile) -> set[str]:
    members = CareTeamMember.objects.filter(
        in_force_on(timezone.localdate()), role_profile=profile
    ).select_related("person")
    return {member.person.full_name for member in members}


def test_sam_is_asked_which_role_he_is_working_in_after_signing_in(
    client: Client, region: Region
) -> None:
    assert sign_in_fully(client, region, "social_worker")["Location"] == HOME

    response = client.get(HOME)

    assert response["Location"] == choose_role_page_for(HOME)
    page = client.get(response["Location"])
    text = main_text(page)
    assert "Which role are you working in?" in text
    assert f"{COUNCIL} Adult social care: north locality team" in text  # the team as a hint
    assert f"{HOSPITAL} Integrated discharge team" in text
    assert "Choose a role" in visible_text(page)  # in the header, until he has chosen


def test_the_role_chosen_decides_whose_records_sam_sees(client: Client, region: Region) -> None:
    council, hospital = sams_roles(region)
    sign_in_fully(client, region, "social_worker")

    response = client.post(choose_role_page_for(HOME), {"role": str(hospital.pk)})

    assert response["Location"] == HOME
    home = client.get(HOME)
    assert f"You are now working as {HOSPITAL}." in main_text(home)
    assert f"People whose care team you are in as {HOSPITAL}." in main_text(home)
    assert "You are not in anyone's care team in this role." in main_text(home)
    assert client.get(f"/people/{region.margaret.pk}/").status_code == 404

    client.post(CHOOSE_ROLE, {"role": str(council.pk)})

    home = client.get(HOME)
    text = main_text(home)
    assert f"People whose care team you are in as {COUNCIL}." in text
    expected = caseload_names(council)
    assert {"Margaret Price", "Arthur Bell"} <= expected
    assert f"People in your care ({len(expected)})" in text
    for name in expected:
        assert name in text
    assert client.get(f"/people/{region.margaret.pk}/").status_code == 200


def test_the_page_asked_for_comes_back_after_choosing(client: Client, region: Region) -> None:
    council, _ = sams_roles(region)
    sign_in_fully(client, region, "social_worker")
    wanted = f"/people/{region.margaret.pk}/"

    response = client.get(wanted)
    assert response["Location"] == choose_role_page_for(wanted)
    response = client.post(response["Location"], {"role": str(council.pk)})

    assert response["Location"] == wanted
    assert "Margaret Price" in main_text(client.get(wanted))


def test_the_role_page_shows_the_role_being_acted_in(client: Client, region: Region) -> None:
    _, hospital = sams_roles(region)
    sign_in_fully(client, region, "social_worker")
    client.post(CHOOSE_ROLE, {"role": str(hospital.pk)})

    page = client.get(CHOOSE_ROLE).content.decode()

    assert re.search(rf'value="{hospital.pk}"\s+checked', page)
    assert HOSPITAL in visible_text(client.get(HOME))  # the header names the acting role


def test_a_role_that_has_ended_cannot_be_chosen(client: Client, region: Region) -> None:
    _, hospital = sams_roles(region)
    yesterday = timezone.localdate() - timedelta(days=1)
    RoleProfile.objects.filter(pk=hospital.pk).update(ends_on=yesterday)
    sign_in_fully(client, region, "social_worker")

    # One current role left: Sam works in it without being asked.
    assert f"People whose care team you are in as {COUNCIL}." in main_text(client.get(HOME))
    assert HOSPITAL not in main_text(client.get(CHOOSE_ROLE))

    response = client.post(CHOOSE_ROLE, {"role": str(hospital.pk)})

    assert response.status_code == 200
    assert main_text(response).count(NOT_ONE_OF_YOURS) == 2  # summary and field
    assert f"as {COUNCIL}." in main_text(client.get(HOME))


def test_a_role_that_has_not_started_cannot_be_chosen(client: Client, region: Region) -> None:
    _, hospital = sams_roles(region)
    tomorrow = timezone.localdate() + timedelta(days=1)
    RoleProfile.objects.filter(pk=hospital.pk).update(starts_on=tomorrow)
    sign_in_fully(client, region, "social_worker")

    response = client.post(CHOOSE_ROLE, {"role": str(hospital.pk)})

    assert NOT_ONE_OF_YOURS in main_text(response)
    assert f"as {COUNCIL}." in main_text(client.get(HOME))


def test_a_role_ending_while_in_use_stops_being_acted_in(client: Client, region: Region) -> None:
    _, hospital = sams_roles(region)
    sign_in_fully(client, region, "social_worker")
    client.post(CHOOSE_ROLE, {"role": str(hospital.pk)})
    assert f"as {HOSPITAL}." in main_text(client.get(HOME))

    yesterday = timezone.localdate() - timedelta(days=1)
    RoleProfile.objects.filter(pk=hospital.pk).update(ends_on=yesterday)

    home = client.get(HOME)
    assert HOSPITAL not in visible_text(home)
    assert f"as {COUNCIL}." in main_text(home)  # his only current role


def test_someone_elses_role_cannot_be_chosen(client: Client, region: Region) -> None:
    nurses_role = region.role_profile("nurse")
    sign_in_fully(client, region, "social_worker")

    response = client.post(CHOOSE_ROLE, {"role": str(nurses_role.pk)})

    assert response.status_code == 200
    assert NOT_ONE_OF_YOURS in main_text(response)
    assert "Community nurse" not in visible_text(response)
    assert client.get(HOME)["Location"] == choose_role_page_for(HOME)  # still not chosen


def test_choosing_nothing_or_nonsense_is_refused_clearly(client: Client, region: Region) -> None:
    sign_in_fully(client, region, "social_worker")

    nothing = main_text(client.post(CHOOSE_ROLE, {}))
    nonsense = main_text(client.post(CHOOSE_ROLE, {"role": "not-a-role"}))

    assert nothing.count("Choose the role you are working in") == 2
    assert NOT_ONE_OF_YOURS in nonsense
    assert client.get(HOME)["Location"] == choose_role_page_for(HOME)


def test_someone_with_no_current_role_is_told_so(client: Client, region: Region) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    RoleProfile.objects.filter(practitioner__user=region.user("nurse")).update(ends_on=yesterday)
    sign_in_fully(client, region, "nurse")

    response = client.get(HOME)
    assert response["Location"] == choose_role_page_for(HOME)
    page = main_text(client.get(response["Location"]))

    assert "You do not have a current role in any organisation" in page
    assert "Ask your IT service desk to add your role." in page
    assert client.get(f"/people/{region.margaret.pk}/")["Location"].startswith(CHOOSE_ROLE)
