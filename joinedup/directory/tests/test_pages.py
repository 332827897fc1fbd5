"""The directory pages: who does what in the area. Lists of organisations, services,
practitioners and teams, each filtered by what was typed, a page at a time with the filters
kept; a filter that makes no sense gets an error, never the whole list."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value, main_text, row_with, table_rows, text_of
from joinedup.directory.models import (
    CapacityStatus,
    Organisation,
    OrganisationType,
    Practitioner,
    Service,
    Team,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

ORGANISATIONS = "/directory/organisations/"
SERVICES = "/directory/services/"
PRACTITIONERS = "/directory/practitioners/"
TEAMS = "/directory/teams/"
PER_PAGE = 25


def names_listed_in(rows: list[str]) -> set[str]:
    """The first column of each row after the heading row: the names a table lists."""
    names = set()
    for row in rows[1:]:
        match = re.match(r"(?:Name|Team) (.+?) (?:Type|Profession|Organisation|Service) ", row)
        assert match is not None, row
        names.add(match.group(1))
    return names


def names_listed(response: TestResponse) -> set[str]:
    """The names the page's results table lists."""
    return names_listed_in(table_rows(response))


def services_listed(response: TestResponse) -> set[str]:
    """Each service card's heading."""
    headings = re.findall(
        r'<h2 class="nhsuk-card__heading[^"]*">\s*(.*?)\s*</h2>', response.content.decode()
    )
    return {text_of(heading) for heading in headings}


@pytest.fixture
def browse(sign_in: SignIn) -> Client:
    """The directory is for any signed-in staff: here, the community nurse."""
    return sign_in("nurse")


def test_the_directory_says_how_many_of_each_it_holds(browse: Client, region: Region) -> None:
    text = main_text(browse.get("/directory/"))

    for heading, count in (
        ("Organisations", Organisation.objects.count()),
        ("Services", Service.objects.count()),
        ("Practitioners", Practitioner.objects.count()),
        ("Teams", Team.objects.count()),
    ):
        assert re.search(rf"{heading} [^()]*\({count}\)", text), heading


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, region: Region) -> None:
    assert client.get(ORGANISATIONS)["Location"] == "/sign-in/?next=%2Fdirectory%2Forganisations%2F"


# -- organisations ------------------------------------------------------------------------------


def test_every_organisation_is_listed_with_its_type_and_ods_code(
    browse: Client, region: Region
) -> None:
    response = browse.get(ORGANISATIONS)

    total = Organisation.objects.count()
    assert f"Showing 1 to {total} of {total} organisations." in main_text(response)
    trust = row_with(response, "Calderbridge Community Health NHS Trust")
    assert "NHS trust" in trust and "RXD" in trust
    assert "ODS code None" in row_with(response, "Calderbridge Carers Centre")


def test_organisations_are_found_by_every_word_of_their_name(
    browse: Client, region: Region
) -> None:
    response = browse.get(ORGANISATIONS, {"name": "calderbridge nhs"})

    assert names_listed(response) == {
        "Calderbridge Community Health NHS Trust",
        "Calderbridge Royal Infirmary NHS Trust",
    }
    assert "matching your filters" in main_text(response)
    assert form_value(response, "name") == "calderbridge nhs"


def test_organisations_are_found_by_type(browse: Client, region: Region) -> None:
    response = browse.get(ORGANISATIONS, {"org_type": "care_home"})

    expected = set(
        Organisation.objects.filter(org_type=OrganisationType.CARE_HOME).values_list(
            "name", flat=True
        )
    )
    assert {"Hollybank Care Home", "Oakfield House"} <= expected
    assert names_listed(response) == expected
    assert form_value(response, "org_type") == "care_home"


def test_an_organisation_is_found_by_its_ods_code_typed_in_lower_case(
    browse: Client, region: Region
) -> None:
    response = browse.get(ORGANISATIONS, {"ods_code": " rxd "})

    assert names_listed(response) == {"Calderbridge Community Health NHS Trust"}


def test_an_organisation_filter_that_matches_nothing_says_so(
    browse: Client, region: Region
) -> None:
    response = browse.get(ORGANISATIONS, {"name": "Atlantis"})

    assert "No organisations match your filters." in main_text(response)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"ods_code": "RX-D"}, "ods_code", "An ODS code must contain only letters and numbers."),
        ({"org_type": "spaceship"}, "org_type", "Select type from the list"),
    ],
)
def test_an_invalid_filter_shows_an_error_not_everything(
    browse: Client, region: Region, query: dict[str, str], field: str, message: str
) -> None:
    response = browse.get(ORGANISATIONS, query)

    text = main_text(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    assert text.count(message) >= 2  # in the summary and beside the field
    assert f'href="#id_{field}"' in response.content.decode()
    assert table_rows(response) == []
    assert "Showing" not in text
    assert "No organisations match" not in text


def test_the_invalid_ods_code_typed_is_kept(browse: Client, region: Region) -> None:
    response = browse.get(ORGANISATIONS, {"name": "Calder", "ods_code": "RX-D"})

    assert form_value(response, "ods_code") == "RX-D"
    assert form_value(response, "name") == "Calder"


def test_pages_of_results_keep_the_filters(browse: Client, region: Region) -> None:
    Organisation.objects.bulk_create(
        Organisation(name=f"Calder Pharmacy {number:02}", org_type=OrganisationType.PHARMACY)
        for number in range(1, PER_PAGE + 6)
    )

    first = browse.get(ORGANISATIONS, {"org_type": "pharmacy"})

    assert "Showing 1 to 25 of 30 organisations matching your filters." in main_text(first)
    links = re.findall(r'href="(\?[^"]*page=\d+[^"]*)"', first.content.decode())
    assert links
    assert all("org_type=pharmacy" in link for link in links)
    second = browse.get(ORGANISATIONS + links[-1].replace("&amp;", "&"))
    assert "Showing 26 to 30 of 30 organisations matching your filters." in main_text(second)
    assert names_listed(second) == {f"Calder Pharmacy {number:02}" for number in range(26, 31)}
    assert form_value(second, "org_type") == "pharmacy"


def test_an_organisations_page_shows_its_services_teams_and_practitioners(
    browse: Client, region: Region
) -> None:
    trust = Organisation.objects.get(ods_code="RXD")
    listed = browse.get(ORGANISATIONS, {"ods_code": "RXD"}).content.decode()
    assert f'href="/directory/organisations/{trust.pk}/"' in listed

    response = browse.get(f"/directory/organisations/{trust.pk}/")

    text = main_text(response)
    assert text.startswith("NHS trust Calderbridge Community Health NHS Trust ODS code RXD")
    assert services_listed(response) == {
        "District nursing",
        "Community therapy",
        "Intermediate care and reablement",
    }
    assert "Routine: within 2 working days. Urgent: within 4 hours." in text
    teams = table_rows(response, caption="Teams at Calderbridge Community Health NHS Trust")
    assert names_listed_in(teams) == {
        "District nursing: north neighbourhood",
        "District nursing: south neighbourhood",
    }
    nadia = row_with(response, "Nadia Okafor")
    for detail in (
        "Community nurse",
        "District nursing: north neighbourhood",
        "Nursing and Midwifery Council (NMC) 09A1234E",
        "Verified",
    ):
        assert detail in nadia
    assert "Not regulated" in row_with(response, "Helen Park")
    assert "Dev Patel" not in text  # IT administrators are not practitioners people contact


def test_an_unknown_organisation_is_not_found(browse: Client, region: Region) -> None:
    assert browse.get(f"/directory/organisations/{uuid.uuid4()}/").status_code == 404


# -- services -----------------------------------------------------------------------------------


def test_services_are_found_by_the_need_they_meet(browse: Client, region: Region) -> None:
    response = browse.get(SERVICES, {"need": "Dementia"})

    assert services_listed(response) == {
        "Older people's community mental health team",
        "Residential dementia care",
    }
    assert form_value(response, "need") == "Dementia"


def test_services_are_found_by_capacity(browse: Client, region: Region) -> None:
    response = browse.get(SERVICES, {"capacity_status": "waiting_list"})

    expected = set(
        Service.objects.filter(capacity_status=CapacityStatus.WAITING_LIST).values_list(
            "name", flat=True
        )
    )
    assert services_listed(response) == expected
    if expected:
        assert "Waiting list" in main_text(response)
    assert form_value(response, "capacity_status") == "waiting_list"


def test_services_are_found_by_whether_they_take_referrals(browse: Client, region: Region) -> None:
    Service.objects.create(
        organisation=Organisation.objects.get(name="Good Neighbours Calderbridge"),
        name="Drop-in lunch club",
        description="A hot lunch and company on Thursdays; just turn up.",
        accepts_referrals=False,
    )

    closed = browse.get(SERVICES, {"accepts_referrals": "no"})
    open_ = browse.get(SERVICES, {"accepts_referrals": "yes"})

    assert services_listed(closed) == {"Drop-in lunch club"}
    assert "Does not take referrals" in main_text(closed)
    assert "This service does not take referrals" in main_text(closed)
    assert "Drop-in lunch club" not in services_listed(open_)
    assert len(services_listed(open_)) == Service.objects.filter(accepts_referrals=True).count()


def test_each_service_shows_what_it_offers_and_how_to_refer(browse: Client, region: Region) -> None:
    text = main_text(browse.get(SERVICES, {"name": "district nursing"}))

    assert "District nursing Calderbridge Community Health NHS Trust" in text
    assert "Nursing care at home: wounds, continence, injections, end of life care." in text
    assert "Helps with nursing, wound care, end of life" in text
    assert "How to refer Refer through joinedup from the person's record." in text
    assert "Takes referrals" in text


# -- practitioners ------------------------------------------------------------------------------


def test_practitioners_are_found_by_name_with_where_they_work_now(
    browse: Client, region: Region
) -> None:
    response = browse.get(PRACTITIONERS, {"name": "sam whit"})

    assert names_listed(response) == {"Sam Whitaker"}
    sam = row_with(response, "Sam Whitaker")
    for detail in (
        "Social worker",
        "Social Work England SW104233 Verified",
        "Calderbridge City Council Adult Social Care (Adult social care: north locality team)",
        "Calderbridge Royal Infirmary NHS Trust (Integrated discharge team)",
    ):
        assert detail in sam


def test_practitioners_are_found_by_profession(browse: Client, region: Region) -> None:
    response = browse.get(PRACTITIONERS, {"profession": "nurse"})

    listed = names_listed(response)
    assert {"Nadia Okafor", "Tom Brennan"} <= listed
    assert "Sam Whitaker" not in listed
    assert len(listed) == Practitioner.objects.filter(profession="nurse").count()
    assert all("Profession Nurse" in row for row in table_rows(response)[1:])


def test_practitioners_are_found_by_regulator(browse: Client, region: Region) -> None:
    response = browse.get(PRACTITIONERS, {"regulator": "swe"})

    listed = names_listed(response)
    assert "Sam Whitaker" in listed
    assert len(listed) == Practitioner.objects.filter(regulator="swe").count()
    assert all("Social Work England" in row for row in table_rows(response)[1:])
    assert form_value(response, "regulator") == "swe"


def test_practitioners_come_a_page_at_a_time(browse: Client, region: Region) -> None:
    total = Practitioner.objects.count()
    assert total > PER_PAGE

    response = browse.get(PRACTITIONERS)

    assert f"Showing 1 to {PER_PAGE} of {total} practitioners." in main_text(response)
    assert len(table_rows(response)) == PER_PAGE + 1


# -- teams --------------------------------------------------------------------------------------


def test_teams_are_found_by_name_with_their_organisation(browse: Client, region: Region) -> None:
    response = browse.get(TEAMS, {"name": "north"})

    assert names_listed(response) == {
        "Adult social care: north locality team",
        "District nursing: north neighbourhood",
    }
    assert "Calderbridge City Council Adult Social Care" in row_with(
        response, "Adult social care: north locality team"
    )
