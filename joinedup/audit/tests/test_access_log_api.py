"""GET /api/v1/people/{person_id}/access-log: the access log over the API, with the same policy,
words and audit as the page. The contract test runs over real HTTP against a live server; the
others use the test client for speed."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.test import Client

from joinedup.accounts.services import create_api_token
from joinedup.api.tests.conftest import ApiClient
from joinedup.audit.models import AuditEvent, Outcome
from joinedup.audit.services import record_event
from joinedup.conftest import Region
from joinedup.core.errors import NotFound
from joinedup.people.selectors import person_summary_for
from joinedup.sharing.policy import Action, Basis

ApiAs = Callable[[str], ApiClient]

EVENT_KEYS = {
    "occurred_at",
    "organisation",
    "role",
    "user_name",
    "action",
    "basis",
    "purpose",
    "outcome",
    "reason",
}


def _path(person_id: object) -> str:
    return f"/people/{person_id}/access-log"


# -- over real HTTP -------------------------------------------------------------------------------


def _token(username: str) -> str:
    out = io.StringIO()
    call_command("create_api_token", username=username, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.fixture
def http(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=10) as client:
        yield client


@pytest.mark.django_db(transaction=True)
def test_the_contract_over_http(http: httpx.Client) -> None:
    region = Region()
    margaret = region.margaret
    nurse = {"Authorization": f"Bearer {_token('nadia.okafor')}"}
    gp = {"Authorization": f"Bearer {_token('priya.shah')}"}
    outsider = {"Authorization": f"Bearer {_token('colin.firth')}"}
    assert http.get(f"/people/{margaret.pk}", headers=gp).status_code == 200

    response = http.get(_path(margaret.pk), headers=nurse)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body.keys() == {"count", "page", "pages", "results"}
    assert (body["page"], body["pages"]) == (1, 1)
    assert body["count"] == len(body["results"]) == 2
    mine, the_gps = body["results"]
    assert all(event.keys() == EVENT_KEYS for event in body["results"])
    assert mine["action"] == {
        "code": "access_log.view",
        "display": "Looked at this list of who has opened the record",
    }
    assert mine["user_name"] == "Nadia Okafor"
    assert mine["role"] == {"code": "community_nurse", "display": "Community nurse"}
    assert mine["organisation"]["name"] == "Calderbridge Community Health NHS Trust"
    assert the_gps["action"] == {"code": "person.view", "display": "Opened the record"}
    assert the_gps["organisation"]["name"] == "Riverside Medical Practice"
    assert the_gps["basis"]["code"] in {"care_team", "same_organisation"}
    assert (the_gps["purpose"], the_gps["outcome"]) == ("direct_care", "allowed")
    assert the_gps["occurred_at"] < mine["occurred_at"]

    forbidden = http.get(_path(margaret.pk), headers=outsider)
    missing = http.get(_path(uuid.uuid4()), headers=outsider)
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert forbidden.content == missing.content

    bad_page = http.get(_path(margaret.pk), params={"page": "0"}, headers=nurse)
    assert bad_page.status_code == 400
    assert bad_page.headers["content-type"] == "application/problem+json"
    assert [error["name"] for error in bad_page.json()["errors"]] == ["page"]

    assert http.get(_path(margaret.pk)).status_code == 401

    # Every call that reached the log was audited once, through the API channel; the invalid
    # page and the call without a token never reached it.
    reads = AuditEvent.objects.filter(action=Action.VIEW_ACCESS_LOG).order_by("id")
    assert [(e.user.username if e.user else "", e.outcome, e.channel) for e in reads] == [
        ("nadia.okafor", Outcome.ALLOWED, "api"),
        ("colin.firth", Outcome.DENIED, "api"),
        ("colin.firth", Outcome.DENIED, "api"),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_openapi_document_describes_the_access_log(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/people/{person_id}/access-log"]["get"]
    assert operation["operationId"] == "person_access_log"
    assert operation["x-joinedup-access"] == "person_policy"
    assert operation["x-joinedup-audit"] == "read"
    assert {p["name"] for p in operation["parameters"]} == {"person_id", "page"}
    assert set(operation["responses"]) == {"200", "400", "401", "404"}


# -- through the test client ----------------------------------------------------------------------


@pytest.fixture
def api_as(client: Client, region: Region) -> ApiAs:
    """`api_as("nurse").get(...)`: the API as a persona, with a fresh token."""

    def as_persona(key: str) -> ApiClient:
        token = create_api_token(
            user=region.user(key), role_profile=region.role_profile(key), name=f"tests: {key}"
        ).token
        return ApiClient(client, token)

    return as_persona


def _problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    return body


def test_pages_of_the_log(region: Region, api_as: ApiAs) -> None:
    gp = region.actor("gp")
    for _ in range(30):
        record_event(
            actor=gp,
            action=Action.VIEW_PERSON,
            target_type="Person",
            target_id=region.margaret.pk,
            person=region.margaret,
            basis=Basis.CARE_TEAM,
        )
    nurse = api_as("nurse")

    first = nurse.get(_path(region.margaret.pk)).json()
    second = nurse.get(_path(region.margaret.pk), {"page": 2}).json()
    past_the_end = nurse.get(_path(region.margaret.pk), {"page": 99}).json()

    assert (first["count"], first["page"], first["pages"], len(first["results"])) == (31, 1, 2, 25)
    assert (second["count"], second["page"], len(second["results"])) == (32, 2, 7)
    assert (past_the_end["page"], past_the_end["pages"]) == (2, 2)


def test_a_refused_read_shows_as_denied_without_a_basis(region: Region, api_as: ApiAs) -> None:
    with pytest.raises(NotFound):
        person_summary_for(region.actor("outsider"), region.margaret.pk)

    [_, refused] = api_as("nurse").get(_path(region.margaret.pk)).json()["results"]

    assert refused["outcome"] == "denied"
    assert refused["basis"] is None
    assert refused["user_name"] == "Colin Firth"
    assert refused["role"] == {"code": "care_worker", "display": "Care worker"}
    assert "no basis" in refused["reason"]


def test_the_outsider_is_told_not_found_and_it_is_audited(region: Region, api_as: ApiAs) -> None:
    before = AuditEvent.objects.count()
    response = api_as("outsider").get(_path(region.margaret.pk))
    assert response.status_code == 404
    assert _problem(response)["status"] == 404
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert (event.action, event.person, event.outcome, event.channel) == (
        Action.VIEW_ACCESS_LOG,
        region.margaret,
        Outcome.DENIED,
        "api",
    )
