"""The sharing issue's scenarios end to end, over real HTTP against a running server, as the
people in Margaret's story meet them: her nurse sees her; a care worker from another home
gets "not found" until she needs emergency access; Helen, the trust's privacy officer, is
alerted and sees it in Margaret's access log; a mental health entry reaches the council only
when the agreement covers it; Margaret's objection and its withdrawal apply on the next
request; and every access is one audit event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.services import create_api_token
from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region, SignIn
from joinedup.demo.sharing import PLACE_AGREEMENT
from joinedup.sharing.models import BreakGlass, ChoiceKind, ExpressedHow, SharingAgreement
from joinedup.sharing.services import record_choice, review_agreement, withdraw_choice
from joinedup.sharing.tests.test_break_glass import REASON, code_for

LOW_MOOD = "Low mood since her fall"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def http(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=10) as client:
        yield client


def bearer(region: Region, key: str) -> dict[str, str]:
    token = create_api_token(
        user=region.user(key), role_profile=region.role_profile(key), name=f"scenario: {key}"
    ).token
    return {"Authorization": f"Bearer {token}"}


def entry_titles(http: httpx.Client, region: Region, headers: dict[str, str]) -> set[str]:
    response = http.get(f"/people/{region.margaret.pk}", headers=headers)
    assert response.status_code == 200, response.text
    return {entry["title"] for entry in response.json()["entries"]}


def test_emergency_access_is_allowed_with_a_reason_and_code_alerted_logged_and_ends(
    http: httpx.Client, sign_in: SignIn
) -> None:
    region = Region()
    summary = f"/people/{region.margaret.pk}"
    nurse, colin = bearer(region, "nurse"), bearer(region, "outsider")

    assert http.get(summary, headers=nurse).status_code == 200
    refused = http.get(summary, headers=colin)
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"

    started = http.post(
        f"{summary}/break-glass",
        headers=colin,
        json={
            "reason_code": "emergency_care",
            "reason": REASON,
            "confirm": True,
            "second_factor_code": code_for(region.user("outsider")),
        },
    )
    assert started.status_code == 201, started.text
    assert http.get(summary, headers=colin).status_code == 200

    # Helen, the community trust's privacy officer, has it in her queue.
    queue = sign_in("privacy_officer").get(reverse("sharing:privacy-alerts"))
    assert "Colin Firth" in queue.content.decode()

    # Margaret's access log shows the emergency read with its reason.
    log = http.get(f"{summary}/access-log", headers=nurse).json()["results"]
    emergency = [row for row in log if (row["basis"] or {}).get("code") == "break_glass"]
    assert any(REASON in row["reason"] for row in emergency)
    assert any(row["user_name"] == "Colin Firth" for row in emergency)

    BreakGlass.objects.filter(pk=started.json()["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert http.get(summary, headers=colin).status_code == 404


def test_a_mental_health_entry_reaches_the_council_when_the_agreement_covers_it(
    http: httpx.Client,
) -> None:
    region = Region()
    sam = bearer(region, "social_worker")
    assert LOW_MOOD not in entry_titles(http, region, sam)

    place = SharingAgreement.objects.get(title=PLACE_AGREEMENT)
    review_agreement(
        actor=region.actor("privacy_officer"),
        agreement=place,
        notes="Partners agreed mental health is needed for joined-up care.",
        next_review_on=timezone.localdate() + timedelta(days=180),
        categories=["general", "social_care", "mental_health"],
    )

    assert LOW_MOOD in entry_titles(http, region, sam)


def test_margarets_objection_and_its_withdrawal_apply_on_the_next_request(
    http: httpx.Client,
) -> None:
    region = Region()
    gp = bearer(region, "gp")
    assert LOW_MOOD in entry_titles(http, region, gp)

    objection = record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        category="mental_health",
        organisation=region.role_profile("gp").organisation,
        expressed_how=ExpressedHow.SPOKEN,
        in_their_words="I'd rather my GP didn't see the notes about my mood.",
    )
    assert LOW_MOOD not in entry_titles(http, region, gp)

    withdraw_choice(actor=region.actor("nurse"), choice=objection, reason="Peggy changed her mind.")
    assert LOW_MOOD in entry_titles(http, region, gp)


def test_the_audit_trail_holds_one_event_for_each_access_made(http: httpx.Client) -> None:
    region = Region()
    people = f"/people/{region.margaret.pk}"
    calls = [
        ("nurse", people),
        ("gp", people),
        ("outsider", people),  # refused: still an access attempt
        ("nurse", f"{people}/access-log"),
        ("social_worker", "/people?nhs_number=9990001111"),
        ("voluntary", people),
    ]
    headers = {key: bearer(region, key) for key, _ in calls}
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    for key, path in calls:
        assert http.get(path, headers=headers[key]).status_code in (200, 404)

    made = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))
    # The GP's summary also lists Margaret's possible duplicate at the practice: a read of that
    # other record, audited on it. Every other call is exactly one event.
    duplicates = [e for e in made if e.action == "person.possible_duplicate.view"]
    assert len(made) == len(calls) + len(duplicates)
    assert [e.outcome for e in made].count("denied") == 1
    assert {e.channel for e in made} == {"api"}
