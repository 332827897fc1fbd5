"""/api/v1/handovers/transfers: Tom, the hospital's discharge coordinator, transfers Peggy's
care to Hollybank; Grace accepts it through the referrals API and acknowledges it with a
read-back, and becomes her lead professional."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client

from joinedup.careteams.selectors import lead_professional_of
from joinedup.conftest import Region
from joinedup.directory.models import Service
from joinedup.handovers.tests.helpers import READ_BACK

Token = Callable[[str], str]


def _post(client: Client, token: str, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def test_a_discharge_transfer_moves_the_lead_professional_once_acknowledged(
    region: Region, client: Client, token_for: Token
) -> None:
    tom, grace = token_for("discharge"), token_for("care_home_manager")
    home = Service.objects.get(
        name="Residential and nursing care",
        organisation=region.role_profile("care_home_manager").organisation,
    )
    assert lead_professional_of(region.margaret) == region.role_profile("social_worker")

    made = _post(
        client,
        tom,
        "/api/v1/handovers/transfers",
        {
            "person_id": str(region.margaret.pk),
            "service_id": str(home.pk),
            "reason": "Discharge after her fall: needs 24-hour care for six weeks.",
            "what_happened": "Admitted after a fall; hip X-ray clear; walking with a frame.",
            "follow_up": "GP review of pain relief in one week.",
            "items": [{"source_type": "about_me"}],
        },
    )
    assert made.status_code == 201, made.content
    referral_id = made.json()["referral_id"]
    assert made.json()["status"] == "requested"

    too_soon = _post(
        client,
        grace,
        f"/api/v1/handovers/transfers/{referral_id}/acknowledge",
        {"read_back": READ_BACK},
    )
    assert too_soon.status_code == 422

    current = client.get(
        f"/api/v1/referrals/{referral_id}", headers={"Authorization": f"Bearer {grace}"}
    )
    accepted = _post(
        client,
        grace,
        f"/api/v1/referrals/{referral_id}/status",
        {"status": "accepted"},
        **{"If-Match": current["ETag"]},
    )
    assert accepted.status_code == 200, accepted.content
    sender_tries = _post(
        client,
        tom,
        f"/api/v1/handovers/transfers/{referral_id}/acknowledge",
        {"read_back": READ_BACK},
    )
    assert sender_tries.status_code == 403

    done = _post(
        client,
        grace,
        f"/api/v1/handovers/transfers/{referral_id}/acknowledge",
        {"read_back": READ_BACK},
    )

    assert done.status_code == 200, done.content
    assert done.json()["acknowledged_at"] is not None
    assert lead_professional_of(region.margaret) == region.role_profile("care_home_manager")
    outsider = _post(
        client,
        token_for("outsider"),
        f"/api/v1/handovers/transfers/{referral_id}/acknowledge",
        {"read_back": READ_BACK},
    )
    assert outsider.status_code == 404
