"""The API over real HTTP: a running server, a real client, tokens from the CLI.

`live_server` runs joinedup in a thread with committed data (the region is committed again by
joinedup/conftest.py after each of these tests flushes the database)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core.management import call_command

from joinedup.conftest import Region

pytestmark = pytest.mark.django_db(transaction=True)


def _token(username: str) -> str:
    out = io.StringIO()
    call_command("create_api_token", username=username, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.fixture
def http(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=10) as client:
        yield client


def _as(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(username)}"}


def test_the_same_person_to_a_care_team_member_and_not_found_to_an_outsider(
    http: httpx.Client,
) -> None:
    region = Region()
    margaret = region.margaret
    nurse, outsider = _as("nadia.okafor"), _as("colin.firth")

    found = http.get("/people", params={"nhs_number": margaret.nhs_number}, headers=nurse)
    assert found.status_code == 200
    [person] = found.json()["results"]
    summary = http.get(f"/people/{person['id']}", headers=nurse)
    assert summary.status_code == 200
    assert summary.headers["content-type"].startswith("application/json")
    assert summary.json()["nhs_number"] == margaret.nhs_number
    assert (
        len({m["organisation"]["id"] for m in summary.json()["care_team"] if m["organisation"]})
        >= 3
    )

    not_found = http.get(f"/people/{person['id']}", headers=outsider)
    nowhere = http.get(f"/people/{uuid.uuid4()}", headers=outsider)
    assert not_found.status_code == nowhere.status_code == 404
    assert not_found.headers["content-type"] == "application/problem+json"
    assert not_found.content == nowhere.content
    searched = http.get("/people", params={"nhs_number": margaret.nhs_number}, headers=outsider)
    assert searched.json() == {"results": [], "count": 0}


def test_without_a_token_the_server_asks_for_one(http: httpx.Client) -> None:
    response = http.get("/people", params={"nhs_number": "9990001111"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


def test_the_openapi_document_describes_the_people_endpoints(http: httpx.Client) -> None:
    response = http.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"] == {
        "title": "joinedup API",
        "version": "1",
        "description": document["info"]["description"],
    }
    paths = document["paths"]
    assert {"/api/v1/people", "/api/v1/people/{person_id}", "/api/v1/me"} <= paths.keys()
    for path_item in paths.values():
        for operation in path_item.values():
            assert operation["x-joinedup-access"]
            assert operation["x-joinedup-audit"]
            assert operation["security"]
            for status, answer in operation["responses"].items():
                expected = "application/problem+json" if int(status) >= 400 else "application/json"
                assert list(answer["content"]) == [expected]
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    search = paths["/api/v1/people"]["get"]
    assert {p["name"] for p in search["parameters"]} == {
        "nhs_number",
        "family_name",
        "given_name",
        "date_of_birth",
    }


def test_there_is_no_docs_page_outside_debug(http: httpx.Client) -> None:
    response = http.get("/docs")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
