"""POST /api/v1/people/{person_id}/break-glass: emergency access over the API, with the same
rules as the web (a role that may, a reason, confirm: true, a fresh authenticator code) and
answers as problem details naming the member at fault. The contract test at the end runs over
real HTTP: after emergency access the person's summary answers for the token until expiry."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from joinedup.accounts.services import create_api_token
from joinedup.api.api import operations
from joinedup.api.declarations import declaration_of_operation
from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region
from joinedup.core.routes import Access, Audit
from joinedup.sharing.models import BreakGlass
from joinedup.sharing.tests.test_break_glass import REASON, code_for, wrong_code

API = "/api/v1"


def body_for(region: Region, key: str = "outsider", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reason_code": "emergency_care",
        "reason": REASON,
        "confirm": True,
        "second_factor_code": code_for(region.user(key)),
    }
    return body | changes


@pytest.fixture
def post_as(client: Client, region: Region) -> Callable[[str | None, str, dict[str, Any]], Any]:
    """post_as("outsider", path, body): a JSON POST with a fresh token for that persona in
    their usual role profile (None: without a token)."""

    def post(key: str | None, path: str, body: dict[str, Any]) -> Any:
        headers = {}
        if key:
            token = create_api_token(
                user=region.user(key), role_profile=region.role_profile(key), name="tests"
            ).token
            headers["Authorization"] = f"Bearer {token}"
        return client.post(
            API + path, json.dumps(body), content_type="application/json", headers=headers
        )

    return post


Post = Callable[[str | None, str, dict[str, Any]], Any]


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    return body


def pointers(body: dict[str, Any]) -> list[str]:
    return [error["pointer"] for error in body.get("errors", [])]


def path_for(person_id: object) -> str:
    return f"/people/{person_id}/break-glass"


def test_it_is_declared_as_a_staff_write() -> None:
    declared = {
        f"{op.method} {op.path}": declaration_of_operation(op.operation) for op in operations()
    }
    assert declared["POST /people/{person_id}/break-glass"] == (Access.STAFF, Audit.WRITE)


def test_emergency_access_starts_and_names_the_organisations_alerted(
    region: Region, post_as: Post
) -> None:
    margaret = region.margaret

    response = post_as("outsider", path_for(margaret.pk), body_for(region))

    assert response.status_code == 201, response.content
    body = response.json()
    access = BreakGlass.objects.get(pk=body["id"])
    assert body["person_id"] == str(margaret.pk)
    assert access.channel == "api"
    assert access.user == region.user("outsider")
    assert abs((access.expires_at - timezone.now()) - timedelta(minutes=60)) < timedelta(minutes=1)
    names = {organisation["name"] for organisation in body["alerted_organisations"]}
    assert "Calderbridge Community Health NHS Trust" in names
    assert all("ods_code" in organisation for organisation in body["alerted_organisations"])
    event = AuditEvent.objects.get(action="break_glass.start", user=access.user)
    assert event.channel == "api"


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"confirm": False}, "#/confirm"),
        ({"reason": "urgent"}, "#/reason"),
        ({"reason_code": "curiosity"}, "#/reason_code"),
        ({"second_factor_code": "12345"}, "#/second_factor_code"),
        ({"second_factor_code": None}, "#/second_factor_code"),
    ],
)
def test_bad_input_is_a_problem_naming_the_member(
    region: Region, post_as: Post, changes: dict[str, Any], pointer: str
) -> None:
    response = post_as("outsider", path_for(region.margaret.pk), body_for(region, **changes))
    assert pointers(problem(response, 422)) == [pointer]
    assert not BreakGlass.objects.exists()


def test_a_missing_member_is_named(region: Region, post_as: Post) -> None:
    body = body_for(region)
    del body["confirm"]
    response = post_as("outsider", path_for(region.margaret.pk), body)
    assert pointers(problem(response, 422)) == ["#/confirm"]


def test_a_wrong_code_is_refused(region: Region, post_as: Post) -> None:
    body = body_for(region, second_factor_code=wrong_code(region.user("outsider")))
    response = post_as("outsider", path_for(region.margaret.pk), body)
    refused = problem(response, 422)
    assert pointers(refused) == ["#/second_factor_code"]
    assert "authenticator app was not right" in refused["detail"]
    assert not BreakGlass.objects.exists()


def test_a_code_already_used_is_refused(region: Region, post_as: Post) -> None:
    body = body_for(region)
    assert post_as("outsider", path_for(region.margaret.pk), body).status_code == 201
    again = post_as("outsider", path_for(region.arthur.pk), body)
    assert pointers(problem(again, 422)) == ["#/second_factor_code"]
    assert BreakGlass.objects.filter(user=region.user("outsider")).count() == 1


def test_a_role_without_emergency_access_gets_403(region: Region, post_as: Post) -> None:
    response = post_as("voluntary", path_for(region.arthur.pk), body_for(region, "voluntary"))
    assert "cannot use emergency access" in problem(response, 403)["detail"]
    assert not BreakGlass.objects.exists()


def test_an_unknown_person_is_404(region: Region, post_as: Post) -> None:
    response = post_as("outsider", path_for(uuid.uuid4()), body_for(region))
    assert problem(response, 404)["title"] == "Not found"


def test_a_person_id_that_is_not_a_uuid_is_400_naming_it(region: Region, post_as: Post) -> None:
    response = post_as("outsider", path_for("margaret"), body_for(region))
    assert [error["name"] for error in problem(response, 400)["errors"]] == ["person_id"]


def test_without_a_token_the_answer_is_401(region: Region, post_as: Post) -> None:
    response = post_as(None, path_for(region.margaret.pk), body_for(region))
    problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


# -- over real HTTP ---------------------------------------------------------------------------


def _token(username: str) -> str:
    out = io.StringIO()
    call_command("create_api_token", username=username, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.fixture
def http(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=10) as client:
        yield client


@pytest.mark.django_db(transaction=True)
def test_after_emergency_access_the_summary_answers_until_it_expires(
    http: httpx.Client,
) -> None:
    region = Region()
    margaret = region.margaret
    colin = {"Authorization": f"Bearer {_token('colin.firth')}"}
    summary = f"/people/{margaret.pk}"
    assert http.get(summary, headers=colin).status_code == 404

    started = http.post(f"{summary}/break-glass", json=body_for(region), headers=colin)

    assert started.status_code == 201, started.text
    opened = http.get(summary, headers=colin)
    assert opened.status_code == 200
    assert opened.json()["nhs_number"] == margaret.nhs_number
    BreakGlass.objects.filter(pk=started.json()["id"]).update(
        starts_at=timezone.now() - timedelta(minutes=61),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    closed = http.get(summary, headers=colin)
    assert closed.status_code == 404
    assert closed.headers["content-type"] == "application/problem+json"
