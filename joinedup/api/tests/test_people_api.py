"""GET /api/v1/people and /api/v1/people/{id}: the same policy and audit as the web pages."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.api.tests.conftest import ApiClient
from joinedup.audit.models import AuditEvent, Outcome
from joinedup.careteams.models import CareTeamMember
from joinedup.careteams.services import end_care_team_membership
from joinedup.conftest import Region
from joinedup.core.identifiers import format_nhs_number
from joinedup.people.services import record_about_me

ApiAs = Callable[[str], ApiClient]


def _problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == response.status_code
    assert {"type", "title", "detail"} <= body.keys()
    return body


def _named(problem: dict[str, Any]) -> dict[str, str]:
    return {error["name"]: error["rule"] for error in problem["errors"]}


# -- search ---------------------------------------------------------------------------------


def test_the_nurse_finds_margaret_by_nhs_number_typed_with_spaces(
    region: Region, api_as: ApiAs
) -> None:
    margaret = region.margaret
    response = api_as("nurse").get(
        "/people", {"nhs_number": format_nhs_number(margaret.nhs_number)}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [found] = body["results"]
    assert found["id"] == str(margaret.pk)
    assert found["nhs_number"] == margaret.nhs_number
    assert found["preferred_name"] == "Peggy"
    assert found["sex"] == {"code": "female", "label": "Female"}
    assert found["gp_practice"]["name"] == "Riverside Medical Practice"


def test_the_outsider_finds_no_one_and_the_search_is_audited(region: Region, api_as: ApiAs) -> None:
    before = AuditEvent.objects.count()
    response = api_as("outsider").get("/people", {"nhs_number": region.margaret.nhs_number})
    assert response.status_code == 200
    assert response.json() == {"results": [], "count": 0}
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert event.action == "person.search"
    assert event.channel == "api"
    assert event.user == region.user("outsider")


def test_the_nurse_finds_margaret_by_name_and_date_of_birth(region: Region, api_as: ApiAs) -> None:
    response = api_as("nurse").get(
        "/people", {"family_name": "price", "date_of_birth": "1944-03-12", "given_name": "Marg"}
    )
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [str(region.margaret.pk)]


def test_a_bad_nhs_number_is_a_problem_naming_nhs_number(region: Region, api_as: ApiAs) -> None:
    response = api_as("nurse").get("/people", {"nhs_number": "999 000 1112"})
    assert response.status_code == 400
    problem = _problem(response)
    assert _named(problem) == {"nhs_number": "nhs_number"}
    assert "not a valid NHS number" in problem["errors"][0]["detail"]
    assert problem["instance"] == "/api/v1/people"


def test_a_bad_date_of_birth_is_a_problem_naming_it(region: Region, api_as: ApiAs) -> None:
    response = api_as("nurse").get("/people", {"family_name": "Price", "date_of_birth": "12/03/44"})
    assert response.status_code == 400
    assert list(_named(_problem(response))) == ["date_of_birth"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, {"nhs_number": "required"}),
        ({"family_name": "Price"}, {"date_of_birth": "required"}),
        ({"date_of_birth": "1944-03-12"}, {"family_name": "required"}),
        ({"given_name": "Margaret"}, {"family_name": "required", "date_of_birth": "required"}),
        ({"nhs_number": "", "family_name": " "}, {"nhs_number": "required"}),
        (
            {"nhs_number": "9990001111", "family_name": "Price"},
            {"family_name": "not_with_nhs_number"},
        ),
    ],
)
def test_a_search_without_its_parameters_names_what_is_missing(
    region: Region, api_as: ApiAs, params: dict[str, str], named: dict[str, str]
) -> None:
    response = api_as("nurse").get("/people", params)
    assert response.status_code == 400
    assert _named(_problem(response)) == named


# -- summary --------------------------------------------------------------------------------


def test_the_nurse_sees_margarets_summary_with_a_care_team_across_organisations(
    region: Region, api_as: ApiAs
) -> None:
    response = api_as("nurse").get(f"/people/{region.margaret.pk}")
    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["id"] == str(region.margaret.pk)
    assert body["preferred_name"] == "Peggy"
    assert body["address"]["postcode"] == "CD3 4PQ"
    assert {need["code"] for need in body["communication_needs"]} == {
        "large_print",
        "hearing_loop",
    }
    organisations = {m["organisation"]["name"] for m in body["care_team"] if m["organisation"]}
    assert len(organisations) >= 3
    lead = body["care_team"][0]
    assert lead["role"]["code"] == "lead_professional"
    assert lead["practitioner"]["regulator"]["code"] == "swe"
    assert lead["job_role"]["code"] == "social_worker"
    carer = next(m for m in body["care_team"] if m["related_person"])
    assert carer["related_person"]["name"] == "Sarah Price"
    assert body["about_me"]["sections"][0]["key"] == "what_matters_most"
    sarah = next(r for r in body["relationships"] if r["given_name"] == "Sarah")
    assert sarah["next_of_kin"] and sarah["main_carer"]
    [lpa] = body["lpas"]
    assert [a["name"] for a in lpa["attorneys"]] == ["Sarah Price"]
    assert body["possible_duplicates"] >= 1


def test_the_summary_read_is_audited_as_an_api_read(region: Region, api_as: ApiAs) -> None:
    api_as("nurse").get(f"/people/{region.margaret.pk}")
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.person, event.channel, event.outcome) == (
        "person.view",
        region.margaret,
        "api",
        Outcome.ALLOWED,
    )


def test_forbidden_and_missing_people_get_byte_identical_not_found(
    region: Region, api_as: ApiAs
) -> None:
    forbidden = api_as("outsider").get(f"/people/{region.margaret.pk}")
    missing = api_as("nurse").get(f"/people/{uuid.uuid4()}")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content
    assert forbidden["Content-Type"] == missing["Content-Type"] == "application/problem+json"
    assert "instance" not in _problem(forbidden)
    denied = AuditEvent.objects.filter(person=region.margaret).order_by("-id").first()
    assert denied is not None
    assert denied.outcome == Outcome.DENIED
    assert denied.user == region.user("outsider")


def test_an_id_that_is_not_a_uuid_is_a_problem_naming_person_id(
    region: Region, api_as: ApiAs
) -> None:
    response = api_as("nurse").get("/people/not-a-uuid")
    assert response.status_code == 400
    assert list(_named(_problem(response))) == ["person_id"]


def test_the_etag_changes_with_a_new_about_me(region: Region, api_as: ApiAs) -> None:
    api = api_as("nurse")
    path = f"/people/{region.margaret.pk}"
    before = api.get(path)["ETag"]
    assert api.get(path)["ETag"] == before
    record_about_me(actor=region.actor("nurse"), person=region.margaret, please_do="Call me Peggy.")
    assert api.get(path)["ETag"] != before


def test_the_summary_takes_the_same_queries_however_big_the_care_team(
    region: Region, api_as: ApiAs
) -> None:
    # The same person with a smaller team: comparing two different people would also compare
    # whatever else differs (an LPA to prefetch or not), which is not what this is about.
    api = api_as("nurse")
    path = f"/people/{region.margaret.pk}"
    api.get(path)  # a token's first use records last_used_at: leave that write out
    with CaptureQueriesContext(connection) as full_team:
        full = api.get(path).json()["care_team"]
    leaving = CareTeamMember.objects.filter(
        person=region.margaret,
        role_profile__job_role__in=["voluntary_worker", "discharge_coordinator"],
    )
    for member in leaving:
        end_care_team_membership(
            actor=region.actor("social_worker"),
            member=member,
            ends_on=timezone.localdate() - timedelta(days=1),
            reason="No longer involved",
        )
    with CaptureQueriesContext(connection) as smaller_team:
        smaller = api.get(path).json()["care_team"]
    assert len(smaller) == len(full) - 2
    assert len(smaller_team) == len(full_team)


# -- record entries in the summary ----------------------------------------------------------


def _entry_titles(body: dict[str, Any]) -> set[str]:
    return {entry["title"] for entry in body["entries"]}


def test_the_nurse_gets_the_entries_that_reach_her_trust_and_not_the_sealed_one(
    region: Region, api_as: ApiAs
) -> None:
    body = api_as("nurse").get(f"/people/{region.margaret.pk}").json()

    assert _entry_titles(body) == {
        "Venous leg ulcer, left leg",
        "Low mood since her fall",
        "Care Act assessment completed",
        "Safeguarding enquiry closed",
    }
    low_mood = next(e for e in body["entries"] if e["title"] == "Low mood since her fall")
    assert low_mood["section"] == {"code": "problems", "label": "Problems and diagnoses"}
    assert low_mood["category"] == {"code": "mental_health", "label": "Mental health"}
    assert low_mood["author_organisation"]["name"] == "Calderbridge Community Health NHS Trust"
    assert low_mood["details"].startswith("Peggy says she has felt low")
    assert low_mood["sealed"] is False
    assert set(low_mood) == {
        "id",
        "section",
        "title",
        "details",
        "category",
        "author_organisation",
        "recorded_at",
        "sealed",
    }
    recorded = [entry["recorded_at"] for entry in body["entries"]]
    assert recorded == sorted(recorded, reverse=True)


def test_the_voluntary_worker_gets_only_general_and_social_care_entries(
    region: Region, api_as: ApiAs
) -> None:
    body = api_as("voluntary").get(f"/people/{region.margaret.pk}").json()

    assert _entry_titles(body) == {"Venous leg ulcer, left leg", "Care Act assessment completed"}
    assert {entry["category"]["code"] for entry in body["entries"]} == {"general", "social_care"}
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert sorted(event.categories) == ["general", "social_care"]


def test_the_gp_gets_the_sealed_entry_marked_sealed(region: Region, api_as: ApiAs) -> None:
    body = api_as("gp").get(f"/people/{region.margaret.pk}").json()

    [sealed] = [entry for entry in body["entries"] if entry["sealed"]]
    assert sealed["title"] == "Sexual health history"
    assert sealed["category"]["code"] == "sexual_health"


def test_the_openapi_document_describes_the_entries(region: Region, client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    summary = schema["components"]["schemas"]["PersonSummaryOut"]
    entry = schema["components"]["schemas"]["EntryOut"]

    assert "entries" in summary["required"]
    assert "access policy" in summary["properties"]["entries"]["description"]
    assert set(entry["properties"]) == {
        "id",
        "section",
        "title",
        "details",
        "category",
        "author_organisation",
        "recorded_at",
        "sealed",
    }
