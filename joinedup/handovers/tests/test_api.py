"""/api/v1/handovers: my handovers waiting, handing over, and acknowledging with a read-back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client

from joinedup.conftest import Region
from joinedup.handovers.tests.helpers import (
    READ_BACK,
    SBAR,
    colleague,
    colleague_hands_fatima_to_nadia,
)

API = "/api/v1/handovers"
Token = Callable[[str], str]


def _post(client: Client, token: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_handing_over_and_listing_what_is_waiting(
    region: Region, client: Client, token_for: Token
) -> None:
    token = token_for("nurse")
    body = {
        "person_ids": [str(region.fatima.pk)],
        "to_role_id": str(colleague(region).pk),
        **SBAR.__dict__,
    }
    made = _post(client, token, API, body)
    assert made.status_code == 201, made.content
    handover_id = made.json()["id"]
    assert made.json()["waiting"] is True

    listed = client.get(API, {"waiting": "true"}, headers={"Authorization": f"Bearer {token}"})
    assert handover_id in [h["id"] for h in listed.json()["given"]]
    refused = client.get(API, {"waiting": "false"}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 400


def test_handing_over_is_refused_without_a_basis_or_receiver(
    region: Region, client: Client, token_for: Token
) -> None:
    body = {"person_ids": [str(region.margaret.pk)], "to_role_id": str(colleague(region).pk)}
    body |= SBAR.__dict__
    assert _post(client, token_for("outsider"), API, body).status_code == 404
    both = body | {"person_ids": [str(region.fatima.pk)], "to_team_id": str(colleague(region).pk)}
    assert _post(client, token_for("nurse"), API, both).status_code == 422
    elsewhere = body | {"to_role_id": str(region.role_profile("gp").pk)}
    answer = _post(client, token_for("nurse"), API, elsewhere)
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"


def test_only_the_receiver_acknowledges_with_a_read_back(
    region: Region, client: Client, token_for: Token
) -> None:
    handover = colleague_hands_fatima_to_nadia(region)
    path = f"{API}/{handover.pk}/acknowledge"
    assert _post(client, token_for("outsider"), path, {"read_back": READ_BACK}).status_code == 404
    nurse = token_for("nurse")
    short = _post(client, nurse, path, {"read_back": "ok"})
    assert short.status_code == 422
    assert short.json()["errors"][0]["pointer"] == "#/read_back"
    done = _post(client, nurse, path, {"read_back": READ_BACK})
    assert done.status_code == 200
    assert done.json()["read_back"] == READ_BACK and done.json()["waiting"] is False
    again = _post(client, nurse, path, {"read_back": READ_BACK})
    assert again.status_code == 422


def test_the_giver_cannot_acknowledge_through_the_api(
    region: Region, client: Client, token_for: Token
) -> None:
    body = {"person_ids": [str(region.fatima.pk)], "to_role_id": str(colleague(region).pk)}
    made = _post(client, token_for("nurse"), API, body | SBAR.__dict__).json()
    answer = _post(
        client, token_for("nurse"), f"{API}/{made['id']}/acknowledge", {"read_back": READ_BACK}
    )
    assert answer.status_code == 403
