"""Whatever goes wrong under /api/, the answer is problem details: never HTML, never a trace."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from joinedup.api.tests.conftest import API, ApiClient
from joinedup.conftest import Region

ApiAs = Callable[[str], ApiClient]


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    assert body["type"].startswith("https://joinedup.invalid/problems/")
    return body


def test_another_method_is_a_405_problem_with_allow(
    region: Region, client: Client, token_for: Callable[[str], str]
) -> None:
    response = client.post(
        f"{API}/people", {}, headers={"Authorization": f"Bearer {token_for('nurse')}"}
    )
    body = _problem(response, 405)
    assert response["Allow"] == "GET"
    assert "POST" in body["detail"]


@pytest.mark.parametrize("path", ["/", "/nothing-here", "/people/x/y", "/openapi.yaml"])
def test_an_address_that_is_not_an_endpoint_is_a_404_problem(client: Client, path: str) -> None:
    response = client.get(API + path)
    assert _problem(response, 404)["title"] == "Not found"


@pytest.mark.parametrize("path", ["/api/", "/api/v2/people", "/api/v1"])
def test_other_api_addresses_are_404_problems_too(client: Client, path: str) -> None:
    _problem(client.get(path), 404)


def test_a_post_to_an_unknown_address_is_not_stopped_by_csrf(client: Client) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    _problem(csrf_client.post(f"{API}/nothing-here"), 404)


def test_an_unexpected_error_is_a_500_problem_that_gives_nothing_away(
    region: Region,
    api_as: ApiAs,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("joinedup.people.api.person_summary_for", broken)
    with caplog.at_level(logging.ERROR, logger="joinedup.api"):
        response = api_as("nurse").get(f"/people/{region.margaret.pk}")
    body = _problem(response, 500)
    text = response.content.decode()
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert body["instance"] == f"/api/v1/people/{region.margaret.pk}"
    logged = [r.exc_info[1] for r in caplog.records if r.exc_info and r.exc_info[1]]
    assert any("hunter2" in str(error) for error in logged)


def test_not_allowed_is_a_403_problem_with_the_reason(rf: Any) -> None:
    from joinedup.api.api import api
    from joinedup.core.errors import NotAllowed

    request = rf.get(f"{API}/people")
    response = api.on_exception(request, NotAllowed("You may see but not change this record."))
    body = _problem(response, 403)
    assert body["detail"] == "You may see but not change this record."
