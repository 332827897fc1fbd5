"""/api/v1/referrals over real HTTP: a running server, httpx, personas' tokens.

Nadia Okafor (community nurse) refers Margaret Price to the council's "Adult social care
assessment"; Sam Whitaker (social worker at the council) answers it; Colin Firth (a care home
with no part in her care) finds nothing. `live_server` flushes the database after each test;
the region is built again before the next (joinedup/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.utils import timezone

from joinedup.accounts.services import create_api_token
from joinedup.conftest import Region
from joinedup.directory.models import Service
from joinedup.records.models import RecordEntry
from joinedup.referrals.models import Referral
from joinedup.sharing.models import ChoiceKind, DisclosureBasis, ExpressedHow
from joinedup.sharing.services import record_choice, record_disclosure

pytestmark = pytest.mark.django_db(transaction=True)

Json = dict[str, Any]
Headers = dict[str, str]
ASSESSMENT = "Adult social care assessment"


@pytest.fixture
def http(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=20) as client:
        yield client


@pytest.fixture
def as_(db: Any) -> Callable[[str], Headers]:
    """as_("nurse"): the Authorization header for a fresh token of that persona."""
    region = Region()

    def headers(key: str) -> Headers:
        token = create_api_token(
            user=region.user(key), role_profile=region.role_profile(key), name=f"tests: {key}"
        ).token
        return {"Authorization": f"Bearer {token}"}

    return headers


def _problem(response: httpx.Response, status: int) -> Json:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: Json = response.json()
    assert body["status"] == status
    return body


def _draft(region: Region) -> Json:
    ulcer = RecordEntry.objects.get(person=region.margaret, title="Venous leg ulcer, left leg")
    return {
        "person_id": str(region.margaret.pk),
        "service_id": str(Service.objects.get(name=ASSESSMENT).pk),
        "reason": "Struggling with washing and dressing since her fall.",
        "urgency": "routine",
        "what_matters": "Staying in her own home.",
        "questions": "Is she eligible for home care?",
        "items": [
            {"source_type": "about_me"},
            {"source_type": "entry", "source_id": str(ulcer.pk)},
        ],
    }


def _post(
    http: httpx.Client, path: str, body: Json | None, headers: Headers, etag: str | None = None
) -> httpx.Response:
    extra = {"If-Match": etag} if etag else {}
    return http.post(path, json=body or {}, headers={**headers, **extra})


def _sent(http: httpx.Client, region: Region, nurse: Headers) -> tuple[str, str]:
    """The nurse drafts and sends the referral: its id and ETag."""
    made = http.post("/referrals", json=_draft(region), headers=nurse)
    assert made.status_code == 201, made.text
    referral_id = made.json()["id"]
    sent = _post(http, f"/referrals/{referral_id}/send", None, nurse, made.headers["etag"])
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"]["code"] == "requested"
    return referral_id, sent.headers["etag"]


def test_the_nurse_refers_margaret_and_sam_accepts_and_completes_it(
    http: httpx.Client, as_: Callable[[str], Headers]
) -> None:
    region = Region()
    nurse, sam = as_("nurse"), as_("social_worker")

    made = http.post("/referrals", json=_draft(region), headers={**nurse, "Idempotency-Key": "k1"})
    assert made.status_code == 201, made.text
    draft = made.json()
    assert made.headers["location"] == f"/api/v1/referrals/{draft['id']}"
    assert made.headers["etag"] == f'"{draft["id"]}-1"'
    assert draft["status"]["code"] == "draft"
    assert [item["label"] for item in draft["items"]] == [
        "About Me",
        "Problems and diagnoses: Venous leg ulcer, left leg",
    ]
    # Retrying the create with the same key returns the same referral, not a second one.
    again = http.post("/referrals", json=_draft(region), headers={**nurse, "Idempotency-Key": "k1"})
    assert again.status_code == 201
    assert again.json()["id"] == draft["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert Referral.objects.filter(person=region.margaret, reason=draft["reason"]).count() == 1

    sent = _post(http, f"/referrals/{draft['id']}/send", None, nurse, made.headers["etag"])
    assert sent.status_code == 200, sent.text
    assert sent.json()["respond_by"] is not None
    etag = sent.headers["etag"]
    assert etag == f'"{draft["id"]}-2"'

    # Sam sees it among the referrals to his organisation.
    listed = http.get("/referrals", params={"to": "mine"}, headers=sam)
    assert listed.status_code == 200, listed.text
    rows = {row["id"]: row for row in listed.json()["results"]}
    row = rows[draft["id"]]
    assert row["person"] == {
        "id": str(region.margaret.pk),
        "name": region.margaret.full_name,
        "nhs_number": region.margaret.nhs_number,
    }
    assert row["service"]["name"] == ASSESSMENT
    assert row["organisations"]["receiver"]["name"] == "Calderbridge City Council Adult Social Care"
    assert (row["status"]["code"], row["overdue"]) == ("requested", False)
    # It was sent by the nurse's organisation, not received by it.
    nurse_received = http.get("/referrals", params={"to": "mine"}, headers=nurse).json()
    assert draft["id"] not in {r["id"] for r in nurse_received["results"]}
    nurse_sent = http.get("/referrals", params={"from": "mine"}, headers=nurse).json()
    assert draft["id"] in {r["id"] for r in nurse_sent["results"]}

    url = f"/referrals/{draft['id']}/status"
    accept = {"status": "accepted"}
    # The referrer cannot accept its own referral.
    _problem(_post(http, url, accept, nurse, etag), 403)
    # Sam must say which version he is answering: none → 428; an old one → 412, no change.
    _problem(_post(http, url, accept, sam), 428)
    stale = _post(http, url, accept, sam, made.headers["etag"])
    _problem(stale, 412)
    assert stale.headers["etag"] == etag
    assert Referral.objects.get(pk=draft["id"]).status == "requested"

    accepted = _post(http, url, accept, sam, etag)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"]["code"] == "accepted"
    assert accepted.json()["assigned_to"]["name"].endswith("Sam Whitaker")
    assert accepted.headers["etag"] == f'"{draft["id"]}-3"'
    etag = accepted.headers["etag"]

    # The receiving side cannot cancel the referral.
    _problem(_post(http, f"/referrals/{draft['id']}/cancel", {"reason": "No"}, sam, etag), 403)

    started = _post(http, url, {"status": "in_progress"}, sam, etag)
    assert started.status_code == 200, started.text
    etag = started.headers["etag"]
    # Completing needs the outcome: a 422 naming the member.
    missing = _problem(_post(http, url, {"status": "completed"}, sam, etag), 422)
    assert missing["errors"][0]["pointer"] == "#/outcome_summary"
    outcome = "Assessed at home; two calls a day for washing and dressing from Monday."
    done = _post(http, url, {"status": "completed", "outcome_summary": outcome}, sam, etag)
    assert done.status_code == 200, done.text

    seen = http.get(f"/referrals/{draft['id']}", headers=nurse)
    assert seen.status_code == 200, seen.text
    assert seen.headers["etag"] == done.headers["etag"]
    body = seen.json()
    assert body["outcome_summary"] == outcome
    assert [step["status"]["code"] for step in body["history"]] == [
        "draft",
        "requested",
        "accepted",
        "in_progress",
        "completed",
    ]
    council = "Calderbridge City Council Adult Social Care"
    assert body["history"][-1]["organisation"]["name"] == council


def test_an_outsider_finds_nothing_to_read_or_change(
    http: httpx.Client, as_: Callable[[str], Headers]
) -> None:
    region = Region()
    referral_id, etag = _sent(http, region, as_("nurse"))
    outsider = as_("outsider")
    assert _problem(http.get(f"/referrals/{referral_id}", headers=outsider), 404)
    for action, body in (
        ("send", None),
        ("status", {"status": "accepted"}),
        ("cancel", {"reason": "Not needed"}),
    ):
        _problem(_post(http, f"/referrals/{referral_id}/{action}", body, outsider, etag), 404)
        # Without If-Match too: the referral is not there for them, so nothing to match.
        _problem(_post(http, f"/referrals/{referral_id}/{action}", body, outsider), 404)
    listed = http.get("/referrals", headers=outsider).json()
    assert referral_id not in {row["id"] for row in listed["results"]}
    assert Referral.objects.get(pk=referral_id).status == "requested"


def test_the_nurse_cancels_and_the_list_filters_by_status(
    http: httpx.Client, as_: Callable[[str], Headers]
) -> None:
    region = Region()
    nurse = as_("nurse")
    referral_id, etag = _sent(http, region, nurse)
    cancelled = _post(
        http, f"/referrals/{referral_id}/cancel", {"reason": "She has moved away."}, nurse, etag
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["history"][-1]["reason"] == "She has moved away."
    only = http.get("/referrals", params={"from": "mine", "status": "cancelled"}, headers=nurse)
    assert referral_id in {row["id"] for row in only.json()["results"]}
    waiting = http.get("/referrals", params={"from": "mine", "status": "requested"}, headers=nurse)
    assert referral_id not in {row["id"] for row in waiting.json()["results"]}
    # Cancelling twice breaks a rule of the workflow.
    again = _post(
        http,
        f"/referrals/{referral_id}/cancel",
        {"reason": "Again"},
        nurse,
        cancelled.headers["etag"],
    )
    assert _problem(again, 422)["errors"][0]["pointer"] == "#/status"


def test_overdue_referrals_are_listed_first_and_by_the_overdue_filter(
    http: httpx.Client, as_: Callable[[str], Headers]
) -> None:
    region = Region()
    sam = as_("social_worker")
    referral_id, _ = _sent(http, region, as_("nurse"))
    Referral.objects.filter(pk=referral_id).update(respond_by="2020-01-06T09:00:00Z")
    overdue = http.get("/referrals", params={"to": "mine", "overdue": "true"}, headers=sam).json()
    rows = {row["id"]: row for row in overdue["results"]}
    assert rows[referral_id]["overdue"] is True
    assert all(row["overdue"] for row in overdue["results"])
    assert overdue["page"] == 1 and overdue["pages"] >= 1


def test_the_openapi_document_describes_every_referral_operation(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    paths = {path: item for path, item in document["paths"].items() if "/referrals" in path}
    operations = [operation for item in paths.values() for operation in item.values()]
    assert len(operations) == 7
    for operation in operations:
        assert operation["description"] and operation["summary"]
        assert operation["x-joinedup-access"] and operation["x-joinedup-audit"]
    status = paths["/api/v1/referrals/{referral_id}/status"]["post"]
    headers = {p["name"] for p in status["parameters"] if p["in"] == "header"}
    assert headers == {"If-Match", "Idempotency-Key"}
    assert "412" in status["responses"] and "428" in status["responses"]


def test_an_objection_is_overridden_only_by_a_recorded_disclosure_the_sender_relies_on(
    http: httpx.Client, as_: Callable[[str], Headers]
) -> None:
    """Margaret objects to the council having her general information. The API refuses to
    send, naming the objection; a recorded decision to share without consent lets it go, but
    only when the sender says to rely on it."""
    region = Region()
    nurse = as_("nurse")
    council = Service.objects.get(name=ASSESSMENT).organisation
    record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        category="general",
        organisation=council,
        expressed_how=ExpressedHow.SPOKEN,
        in_their_words="I don't want the council reading my notes.",
    )
    made = http.post("/referrals", json=_draft(region), headers=nurse)
    assert made.status_code == 201, made.text
    path = f"/referrals/{made.json()['id']}/send"

    refused = _post(http, path, None, nurse, made.headers["etag"])
    problem = _problem(refused, 422)
    assert "objected" in json.dumps(problem)
    # A disclosure alone changes nothing until the sender relies on it.
    record_disclosure(
        actor=region.actor("nurse"),
        person=region.margaret,
        basis=DisclosureBasis.SAFEGUARDING,
        reason="She is at risk at home and the council must assess her now.",
        what_was_shared="Her About Me and the leg ulcer entry, with the referral.",
        categories=["general"],
        shared_with=council,
        person_told=True,
        person_told_on=timezone.localdate(),
    )
    still = _post(http, path, None, nurse, made.headers["etag"])
    _problem(still, 422)

    sent = http.post(
        path,
        params={"with_disclosure": "true"},
        json={},
        headers={**nurse, "If-Match": made.headers["etag"]},
    )

    assert sent.status_code == 200, sent.text
    assert sent.json()["status"]["code"] == "requested"
    assert sent.json()["shared_without_consent"] is True
    assert Referral.objects.get(pk=made.json()["id"]).disclosure is not None
