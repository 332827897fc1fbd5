"""Home ("My people"): the people whose care team the acting role is in, each linking to their
record; a plain-English empty state for someone with no one in their care; and the public
pages, the accessibility statement and the health check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.careteams.models import CareTeamMember, CareTeamRole, in_force_on
from joinedup.careteams.services import add_care_team_member, end_care_team_membership
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import main_text, row_with, table_rows, visible_text

HOME = "/"
EMPTY = "You are not in anyone's care team in this role."


def nurses_people(region: Region) -> list[CareTeamMember]:
    return list(
        CareTeamMember.objects.filter(
            in_force_on(timezone.localdate()), role_profile=region.role_profile("nurse")
        ).select_related("person")
    )


def test_my_people_lists_everyone_in_the_nurses_caseload_with_a_link_to_each(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("nurse").get(HOME)

    text = main_text(response)
    page = response.content.decode()
    caseload = nurses_people(region)
    assert len(caseload) > 2
    assert (
        "People whose care team you are in as Community nurse, Calderbridge Community Health NHS Trust."
        in text
    )
    assert f"People in your care ({len(caseload)})" in text
    for member in caseload:
        row_with(response, member.person.full_name)
        assert f'href="/people/{member.person.pk}/"' in page
    assert len(table_rows(response)) == len(caseload) + 1  # and the heading row


def test_a_long_caseload_comes_a_page_at_a_time_with_nobody_missed(
    sign_in: SignIn, region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("joinedup.core.views.CASELOAD_PER_PAGE", 2)
    client = sign_in("nurse")
    caseload = nurses_people(region)
    pages = -(-len(caseload) // 2)

    seen: list[str] = []
    for number in range(1, pages + 1):
        response = client.get(HOME, {"page": number})
        text = main_text(response)
        assert f"People in your care ({len(caseload)})" in text
        assert f"of {len(caseload)} people." in text
        seen += table_rows(response)[1:]

    assert len(seen) == len(caseload)
    for member in caseload:
        assert sum(member.person.full_name in row for row in seen) == 1


def test_each_row_says_who_they_are_and_the_nurses_part_in_their_care(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("nurse").get(HOME)

    margaret = row_with(response, "Margaret Price")
    assert "(known as Peggy)" in margaret
    assert "999 000 1111" in margaret
    assert "12 March 1944" in margaret
    assert "Key worker" in margaret
    assert "Leg ulcer dressings twice a week; diabetes checks" in margaret
    fatima = row_with(response, "Fatima Hussain")
    assert "Lead professional" in fatima
    assert "Insulin and diabetes management at home" in fatima


def test_people_outside_the_caseload_are_not_listed(sign_in: SignIn, region: Region) -> None:
    text = main_text(sign_in("nurse").get(HOME))

    assert "Arthur Bell" not in text  # in the social worker's and the GP's care, not hers


def test_a_membership_that_has_ended_or_not_yet_started_is_not_listed(
    sign_in: SignIn, region: Region
) -> None:
    nurse = region.actor("nurse")
    fatima = region.fatima.care_team_members.get(role_profile=region.role_profile("nurse"))
    end_care_team_membership(
        actor=nurse,
        member=fatima,
        ends_on=timezone.localdate() - timedelta(days=1),
        reason="Moved out of the area",
    )
    add_care_team_member(
        actor=region.actor("social_worker"),
        person=region.arthur,
        role_profile=region.role_profile("nurse"),
        role=CareTeamRole.MEMBER,
        responsibilities="Pressure care after his move home",
        starts_on=timezone.localdate() + timedelta(days=1),
    )

    text = main_text(sign_in("nurse").get(HOME))

    assert "Fatima Hussain" not in text
    assert "Arthur Bell" not in text
    assert "Margaret Price" in text


def test_looking_at_my_people_is_audited_once(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    client.get(HOME)

    events = list(AuditEvent.objects.filter(pk__gt=before))
    assert [event.action for event in events] == ["caseload.view"]
    assert events[0].user == region.user("nurse")
    assert events[0].role_profile == region.role_profile("nurse")


def test_someone_with_no_one_in_their_care_is_told_so_in_plain_english(
    sign_in: SignIn,
) -> None:
    response = sign_in("outsider").get(HOME)

    text = main_text(response)
    assert "People whose care team you are in as Care worker, Oakfield House." in text
    assert EMPTY in text
    assert "To find someone, use Find a person." in text
    assert 'href="/people/search/"' in response.content.decode()
    assert table_rows(response) == []


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, region: Region) -> None:
    response = client.get(HOME)

    assert response["Location"] == "/sign-in/"


# -- the accessibility statement ----------------------------------------------------------------


def test_the_accessibility_statement_needs_no_sign_in(client: Client, db: None) -> None:
    response = client.get("/accessibility/")

    text = main_text(response)
    assert response.status_code == 200
    assert "<title>Accessibility statement – joinedup</title>" in response.content.decode()
    assert "Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA" in text
    assert "Reporting a problem" in text
    assert "Enforcement procedure" in text


def test_the_footer_links_to_the_accessibility_statement(sign_in: SignIn) -> None:
    for page in (Client().get("/sign-in/"), sign_in("nurse").get(HOME)):
        assert 'href="/accessibility/"' in page.content.decode()
        assert "Accessibility statement" in visible_text(page)


# -- the health check ---------------------------------------------------------------------------


def test_the_health_check_reports_the_database_ok(client: Client, db: None) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_the_health_check_says_when_the_database_is_unavailable(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable() -> None:
        raise DatabaseError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", unavailable)
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}


def test_the_health_check_only_answers_get(client: Client, db: None) -> None:
    assert client.post("/healthz").status_code == 405
