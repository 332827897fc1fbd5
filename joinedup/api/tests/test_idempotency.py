"""The Idempotency-Key helper on its own: what counts as the same request, what is kept, what is
rolled back, and for how long. (The care plan API tests show it over HTTP.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from joinedup.accounts.models import ApiToken
from joinedup.accounts.services import create_api_token
from joinedup.api.auth import ApiCaller
from joinedup.api.idempotency import forget_old_responses, idempotent
from joinedup.api.models import IdempotentResponse
from joinedup.api.problems import InvalidInput
from joinedup.conftest import Region

GOALS = "/api/v1/people/p/care-plan/goals"


class Counter:
    """A create that counts how often it really ran, and makes a token each time (a row the
    database keeps, or rolls back)."""

    def __init__(self, region: Region, status: int = 201) -> None:
        self.region = region
        self.status = status
        self.calls = 0

    def __call__(self) -> HttpResponse:
        self.calls += 1
        create_api_token(
            user=self.region.user("nurse"),
            role_profile=self.region.role_profile("nurse"),
            name=f"made by call {self.calls}",
        )
        response = HttpResponse(
            json.dumps({"call": self.calls}), status=self.status, content_type="application/json"
        )
        response["Location"] = f"{GOALS}/{self.calls}"
        response["ETag"] = f'"plan-{self.calls + 1}"'
        return response


@pytest.fixture
def request_as(region: Region) -> Callable[..., HttpRequest]:
    """request_as("nurse", body, key="k"): a POST from that persona's token."""
    tokens: dict[str, ApiToken] = {}

    def make(
        key_of: str, body: Any, *, key: str | None = "key-1", path: str = GOALS
    ) -> HttpRequest:
        if key_of not in tokens:
            tokens[key_of] = create_api_token(
                user=region.user(key_of), role_profile=region.role_profile(key_of), name="tests"
            ).record
        headers = {"Idempotency-Key": key} if key is not None else {}
        data = body if isinstance(body, str) else json.dumps(body)
        request = RequestFactory().post(
            path, data=data, content_type="application/json", headers=headers
        )
        request.auth = ApiCaller(token=tokens[key_of], actor=region.actor(key_of))  # type: ignore[attr-defined]
        return request

    return make


def _made(region: Region) -> int:
    return ApiToken.objects.filter(name__startswith="made by call").count()


def test_without_a_key_every_request_does_the_work(
    region: Region, request_as: Callable[..., HttpRequest]
) -> None:
    create = Counter(region)
    for _ in range(2):
        assert idempotent(request_as("nurse", {"a": 1}, key=None), create).status_code == 201
    assert create.calls == 2
    assert not IdempotentResponse.objects.exists()


def test_a_retry_gets_the_first_response_without_doing_the_work_again(
    region: Region, request_as: Callable[..., HttpRequest]
) -> None:
    create = Counter(region)
    first = idempotent(request_as("nurse", {"words": "shops", "weight": 1}), create)
    # The same data, spaced and ordered differently, is the same request.
    retry = idempotent(request_as("nurse", '{ "weight": 1,\n "words": "shops" }'), create)

    assert create.calls == 1
    assert _made(region) == 1
    assert (retry.status_code, retry.content) == (first.status_code, first.content)
    assert retry["Location"] == first["Location"] == f"{GOALS}/1"
    assert retry["ETag"] == first["ETag"]
    assert retry["Content-Type"] == "application/json"
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")


@pytest.mark.parametrize(
    "change",
    [{"body": {"words": "church"}}, {"path": GOALS.replace("goals", "needs")}],
    ids=["another body", "another address"],
)
def test_the_same_key_for_a_different_request_is_refused(
    region: Region, request_as: Callable[..., HttpRequest], change: dict[str, Any]
) -> None:
    create = Counter(region)
    idempotent(request_as("nurse", {"words": "shops"}), create)
    body = change.pop("body", {"words": "shops"})

    refused = idempotent(request_as("nurse", body, **change), create)

    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    problem = json.loads(refused.content)
    assert problem["detail"].startswith("This Idempotency-Key was used with a different request")
    assert problem["errors"] == [
        {
            "name": "Idempotency-Key",
            "rule": "idempotency_key_reused",
            "detail": "This key was first sent with a different method, address or body.",
        }
    ]
    assert create.calls == 1


def test_keys_belong_to_the_token_that_sent_them(
    region: Region, request_as: Callable[..., HttpRequest]
) -> None:
    create = Counter(region)
    idempotent(request_as("nurse", {"words": "shops"}), create)
    theirs = idempotent(request_as("social_worker", {"words": "shops"}), create)
    assert create.calls == 2
    assert json.loads(theirs.content) == {"call": 2}


def test_an_error_is_not_kept_and_its_work_is_rolled_back(
    region: Region, request_as: Callable[..., HttpRequest]
) -> None:
    refused = Counter(region, status=422)
    answer = idempotent(request_as("nurse", {"words": ""}), refused)
    assert answer.status_code == 422
    assert _made(region) == 0  # rolled back with the claim on the key

    fixed = Counter(region)
    assert idempotent(request_as("nurse", {"words": "shops"}), fixed).status_code == 201
    assert fixed.calls == 1


def test_an_exception_rolls_back_the_claim_too(
    region: Region, request_as: Callable[..., HttpRequest]
) -> None:
    def broken() -> HttpResponse:
        Counter(region)()
        raise RuntimeError("the service refused")

    with pytest.raises(RuntimeError):
        idempotent(request_as("nurse", {"words": "shops"}), broken)
    assert _made(region) == 0
    assert not IdempotentResponse.objects.exists()
    create = Counter(region)
    assert idempotent(request_as("nurse", {"words": "shops"}), create).status_code == 201


@pytest.mark.parametrize("key", ["", "   ", "has space", "é", "x" * 256])
def test_a_key_that_is_not_visible_ascii_is_refused(
    region: Region, request_as: Callable[..., HttpRequest], key: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        idempotent(request_as("nurse", {}, key=key), Counter(region))
    assert refused.value.problems[0].name == "Idempotency-Key"


def test_a_quoted_key_is_the_same_key(
    region: Region, request_as: Callable[..., HttpRequest]
) -> None:
    create = Counter(region)
    idempotent(request_as("nurse", {}, key="abc-123"), create)
    idempotent(request_as("nurse", {}, key='"abc-123"'), create)
    assert create.calls == 1


def test_responses_are_kept_for_at_least_a_day(
    region: Region, request_as: Callable[..., HttpRequest]
) -> None:
    create = Counter(region)
    idempotent(request_as("nurse", {}, key="old"), create)
    idempotent(request_as("nurse", {}, key="new"), create)
    now = timezone.now()
    IdempotentResponse.objects.filter(key="old").update(created_at=now - timedelta(hours=25))
    IdempotentResponse.objects.filter(key="new").update(created_at=now - timedelta(hours=23))

    assert forget_old_responses(now=now) == 1
    assert list(IdempotentResponse.objects.values_list("key", flat=True)) == ["new"]


def test_the_daily_command_forgets_responses_older_than_a_day(region: Region) -> None:
    import io
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from joinedup.accounts.services import create_api_token
    from joinedup.api.models import IdempotentResponse

    token = create_api_token(
        user=region.user("nurse"), role_profile=region.role_profile("nurse"), name="tests"
    ).record
    old, recent = (
        IdempotentResponse.objects.create(
            token=token, key=key, request_digest="0" * 64, status=201, created_at=at
        )
        for key, at in (
            ("yesterday-but-one", timezone.now() - timedelta(hours=49)),
            ("an-hour-ago", timezone.now() - timedelta(hours=1)),
        )
    )
    out = io.StringIO()

    call_command("forget_idempotency_keys", stdout=out)

    assert "Forgot 1 kept response(s) older than a day." in out.getvalue()
    assert list(IdempotentResponse.objects.filter(token=token)) == [recent]
    assert not IdempotentResponse.objects.filter(pk=old.pk).exists()
