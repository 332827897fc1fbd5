"""ServiceRequest and Task over FHIR: Nadia (community nurse) refers Margaret Price to the
council's "Adult social care assessment"; Sam (social worker at the council) reads the Task and
ServiceRequest and accepts and completes it through `PUT /fhir/R4/Task/{id}` with If-Match;
Nadia sees the acceptance on her referral page and reads the outcome; Colin Firth (no part in
it) gets 404 alike for reads and changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.conftest import Region
from joinedup.directory.models import Service
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON, FhirClient, Json, outcome, token_of
from joinedup.records.models import RecordEntry
from joinedup.referrals.models import Referral
from joinedup.referrals.services import ItemChoice, draft_referral, send_referral

FhirAs = Callable[[str | None], FhirClient]
ASSESSMENT = "Adult social care assessment"


def _sent_referral(region: Region) -> Referral:
    entry = RecordEntry.objects.get(person=region.margaret, title="Venous leg ulcer, left leg")
    draft = draft_referral(
        actor=region.actor("nurse"),
        person=region.margaret,
        service=Service.objects.get(name=ASSESSMENT),
        reason="Struggling with washing and dressing since her fall.",
        what_matters="Staying in her own home.",
        questions="Is she eligible for home care?",
        items=[ItemChoice("about_me"), ItemChoice("entry", str(entry.pk))],
    )
    return send_referral(actor=region.actor("nurse"), referral=draft)


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _events_after(last: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


def _ok(response: Any) -> Json:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: Json = json.loads(response.content)
    return body


def _put(
    client: Client, region: Region, key: str, referral_id: object, body: Json, if_match: str | None
) -> Any:
    headers = {"Authorization": f"Bearer {token_of(region, key)}"}
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.put(
        f"{FHIR}/Task/{referral_id}",
        json.dumps(body),
        content_type=FHIR_JSON,
        headers=headers,
    )


def _task_body(referral_id: object, status: str, **more: Any) -> Json:
    return {
        "resourceType": "Task",
        "id": str(referral_id),
        "status": status,
        "intent": "order",
        **more,
    }


def test_sam_reads_the_task_and_service_request_each_audited_once(
    region: Region, fhir_as: FhirAs
) -> None:
    referral = _sent_referral(region)
    sam = fhir_as("social_worker")
    before = _last_event()

    task_response = sam.get(f"/Task/{referral.pk}")
    task = _ok(task_response)

    Task.model_validate(task)
    assert task_response["ETag"] == f'"{referral.pk}-{referral.version}"'
    assert task["meta"]["versionId"] == str(referral.version)
    assert task["status"] == "requested"
    assert task["intent"] == "order"
    assert task["focus"]["reference"] == f"ServiceRequest/{referral.pk}"
    assert task["for"]["reference"] == f"Patient/{region.margaret.pk}"
    assert task["owner"]["reference"] == f"Organization/{referral.receiving_organisation_id}"
    assert task["requester"]["reference"] == f"PractitionerRole/{region.role_profile('nurse').pk}"
    [event] = _events_after(before)
    assert event.outcome == Outcome.ALLOWED
    assert (event.person_id, event.user_id, event.channel) == (
        region.margaret.pk,
        region.user("social_worker").pk,
        "fhir",
    )

    before = _last_event()
    request = _ok(sam.get(f"/ServiceRequest/{referral.pk}"))
    ServiceRequest.model_validate(request)
    assert request["status"] == "active"
    assert request["intent"] == "order"
    assert request["priority"] == "routine"
    assert request["subject"]["reference"] == f"Patient/{region.margaret.pk}"
    assert request["reasonCode"] == [
        {"text": "Struggling with washing and dressing since her fall."}
    ]
    performers = [p["reference"] for p in request["performer"]]
    assert f"HealthcareService/{referral.service_id}" in performers
    assert any("Venous leg ulcer" in info["display"] for info in request["supportingInfo"])
    assert {"text": "What matters to the person: Staying in her own home."} in request["note"]
    assert request["authoredOn"]
    assert len(_events_after(before)) == 1


def test_searches_find_the_referral_for_both_sides(region: Region, fhir_as: FhirAs) -> None:
    referral = _sent_referral(region)
    sam = fhir_as("social_worker")

    tasks = _ok(
        sam.get(
            "/Task",
            {"focus": f"ServiceRequest/{referral.pk}", "status": "requested", "_count": "1"},
        )
    )
    Bundle.model_validate(tasks)
    assert tasks["total"] == 1
    assert tasks["entry"][0]["resource"]["id"] == str(referral.pk)

    requests = _ok(
        fhir_as("nurse").get(
            "/ServiceRequest",
            {"subject": f"Patient/{region.margaret.pk}", "status": "active", "_id": referral.pk},
        )
    )
    Bundle.model_validate(requests)
    assert [e["resource"]["id"] for e in requests["entry"]] == [str(referral.pk)]

    outsider = _ok(fhir_as("outsider").get("/Task", {"focus": f"ServiceRequest/{referral.pk}"}))
    assert outsider["total"] == 0
    outcome(sam.get("/Task", {"status": "finished"}), 400)


def test_sam_accepts_through_fhir_and_the_nurse_sees_it(
    region: Region, fhir_as: FhirAs, client: Client, sign_in: Callable[[str], Client]
) -> None:
    referral = _sent_referral(region)
    etag = fhir_as("social_worker").get(f"/Task/{referral.pk}")["ETag"]
    sam_role = region.role_profile("social_worker")

    accepted = _put(
        client,
        region,
        "social_worker",
        referral.pk,
        _task_body(referral.pk, "accepted", owner={"reference": f"PractitionerRole/{sam_role.pk}"}),
        etag,
    )

    task = _ok(accepted)
    Task.model_validate(task)
    assert task["status"] == "accepted"
    assert task["owner"]["reference"] == f"PractitionerRole/{sam_role.pk}"
    assert accepted["ETag"] == f'"{referral.pk}-{referral.version + 1}"'
    page = sign_in("nurse").get(reverse("referrals:referral", kwargs={"referral_id": referral.pk}))
    assert page.status_code == 200
    assert "Accepted" in page.content.decode()

    # The old ETag is stale now: nothing changes.
    stale = _put(
        client,
        region,
        "social_worker",
        referral.pk,
        _task_body(referral.pk, "in-progress"),
        etag,
    )
    assert outcome(stale, 412)["issue"][0]["code"] == "conflict"
    assert stale["ETag"] == accepted["ETag"]

    # Completed with the outcome: the nurse reads it on the Task.
    done = _put(
        client,
        region,
        "social_worker",
        referral.pk,
        _task_body(
            referral.pk,
            "completed",
            output=[{"type": {"text": "Outcome"}, "valueString": "Home care twice a day."}],
        ),
        accepted["ETag"],
    )
    assert _ok(done)["status"] == "completed"
    nurse_view = _ok(fhir_as("nurse").get(f"/Task/{referral.pk}"))
    assert nurse_view["output"] == [
        {"type": {"text": "Outcome"}, "valueString": "Home care twice a day."}
    ]
    assert _ok(fhir_as("nurse").get(f"/ServiceRequest/{referral.pk}"))["status"] == "completed"


def test_a_fhir_client_may_send_the_version_id_as_a_weak_tag(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    """FHIR clients send If-Match: W/"<meta.versionId>"; the current version is accepted and an
    older one is refused as stale, exactly as with joinedup's own ETag."""
    referral = _sent_referral(region)
    task = _ok(fhir_as("social_worker").get(f"/Task/{referral.pk}"))
    version = task["meta"]["versionId"]
    sam_role = region.role_profile("social_worker")
    accepted = _put(
        client,
        region,
        "social_worker",
        referral.pk,
        _task_body(referral.pk, "accepted", owner={"reference": f"PractitionerRole/{sam_role.pk}"}),
        f'W/"{version}"',
    )
    assert _ok(accepted)["meta"]["versionId"] == str(int(version) + 1)

    stale = _put(
        client,
        region,
        "social_worker",
        referral.pk,
        _task_body(referral.pk, "in-progress"),
        f'W/"{version}"',
    )
    assert outcome(stale, 412)["issue"][0]["code"] == "conflict"
    assert _ok(fhir_as("nurse").get(f"/Task/{referral.pk}"))["status"] == "accepted"


def test_who_may_change_the_task(region: Region, fhir_as: FhirAs, client: Client) -> None:
    referral = _sent_referral(region)
    etag = f'"{referral.pk}-{referral.version}"'

    nurse = _put(client, region, "nurse", referral.pk, _task_body(referral.pk, "accepted"), etag)
    assert outcome(nurse, 403)["issue"][0]["code"] == "forbidden"

    outcome(fhir_as("outsider").get(f"/Task/{referral.pk}"), 404)
    outcome(fhir_as("outsider").get(f"/ServiceRequest/{referral.pk}"), 404)
    outsider = _put(
        client, region, "outsider", referral.pk, _task_body(referral.pk, "accepted"), etag
    )
    assert outcome(outsider, 404)["issue"][0]["code"] == "not-found"

    missing = _put(
        client, region, "social_worker", referral.pk, _task_body(referral.pk, "accepted"), None
    )
    outcome(missing, 428)
    rejected = _put(
        client, region, "social_worker", referral.pk, _task_body(referral.pk, "rejected"), etag
    )
    body = outcome(rejected, 422)
    assert body["issue"][0]["code"] == "business-rule"
    assert body["issue"][0]["expression"] == ["Task.statusReason"]

    # The referrer may cancel, saying why.
    cancelled = _put(
        client,
        region,
        "nurse",
        referral.pk,
        _task_body(referral.pk, "cancelled", statusReason={"text": "She has moved away."}),
        etag,
    )
    task = _ok(cancelled)
    assert task["status"] == "cancelled"
    assert task["statusReason"] == {"text": "She has moved away."}
    assert _ok(fhir_as("nurse").get(f"/ServiceRequest/{referral.pk}"))["status"] == "revoked"


def test_the_capability_statement_says_task_can_be_updated(client: Client) -> None:
    [rest] = json.loads(client.get(f"{FHIR}/metadata").content)["rest"]
    resources = {resource["type"]: resource for resource in rest["resource"]}
    task = resources["Task"]
    assert [i["code"] for i in task["interaction"]] == ["read", "search-type", "update"]
    assert (task["versioning"], task["conditionalUpdate"]) == ("versioned-update", False)
    assert {p["name"] for p in task["searchParam"]} == {
        "_id",
        "focus",
        "owner",
        "status",
        "patient",
    }
    assert [i["code"] for i in resources["ServiceRequest"]["interaction"]] == [
        "read",
        "search-type",
    ]
