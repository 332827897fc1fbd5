"""AuditEvent, Provenance and Communication over FHIR.

Nadia (community nurse, in Margaret Price's care team) reads Margaret's access log as
AuditEvents and finds her own reads in it, one line per read; Colin Firth (care worker at
Oakfield, no part in Margaret's care) finds nothing, and even with emergency access
(break-glass), which lets him open the record, he may not see its access log. Nadia refers
Margaret to the council and Sam accepts and completes the referral: the Task's Provenance
shows each step in order, with who took it. Handovers between Nadia and a colleague are
Communications, with the four SBAR parts and, once acknowledged, the read-back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pyotp
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.provenance import Provenance

from joinedup.accounts.services import create_api_token
from joinedup.audit.models import AuditEvent, AuditSeal
from joinedup.audit.services import seal_pending_events
from joinedup.careplans.models import CarePlan, CarePlanVersion
from joinedup.careteams.models import CareTeamChange
from joinedup.conftest import Region
from joinedup.directory.models import Service
from joinedup.fhir.mapping_trail import AUDIT_SEAL_EXTENSION
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON, FhirClient, Json, outcome
from joinedup.handovers.models import Handover
from joinedup.handovers.services import acknowledge_handover
from joinedup.referrals.models import Referral
from joinedup.referrals.services import draft_referral, respond_to_referral, send_referral
from joinedup.sharing.models import BreakGlassReason
from joinedup.sharing.services import start_break_glass

FhirAs = Callable[[str | None], FhirClient]


def _ok(response: Any) -> Json:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: Json = json.loads(response.content)
    return body


def _bundle(response: Any, model: Any) -> Json:
    body = _ok(response)
    Bundle.model_validate(body)
    for entry in body.get("entry", []):
        model.model_validate(entry["resource"])
    return body


def _resources(body: Json) -> list[Json]:
    return [entry["resource"] for entry in body.get("entry", [])]


def _events() -> int:
    return AuditEvent.objects.count()


def _log(fhir: FhirClient, region: Region, **more: str) -> Json:
    return _bundle(
        fhir.get("/AuditEvent", {"patient": f"Patient/{region.margaret.pk}", **more}),
        FhirAuditEvent,
    )


# -- AuditEvent: the access log -------------------------------------------------------------


def test_each_read_adds_exactly_one_line_to_the_access_log(fhir_as: FhirAs, region: Region) -> None:
    nadia = fhir_as("nurse")
    first = _log(nadia, region)
    assert first["total"] >= 1

    before = _events()
    again = _log(nadia, region)
    assert _events() == before + 1
    assert again["total"] == first["total"] + 1
    newest = _resources(again)[0]
    assert newest["type"]["code"] == "110101"  # DICOM "Audit Log Used"
    assert newest["subtype"][0] == {
        "system": "http://hl7.org/fhir/restful-interaction",
        "code": "read",
    }
    assert newest["subtype"][1]["display"] == "Looked at this list of who has opened the record"
    assert newest["outcome"] == "0"
    assert newest["source"]["site"] == "joinedup FHIR interface"
    [agent] = newest["agent"]
    profile = region.role_profile("nurse")
    assert agent["who"]["reference"] == f"PractitionerRole/{profile.pk}"
    assert profile.organisation.name in agent["who"]["display"]
    assert agent["requestor"] is True
    assert agent["purposeOfUse"][0]["text"] == "In the care team"
    assert newest["entity"][0]["what"]["reference"] == f"Patient/{region.margaret.pk}"

    # Opening the record through FHIR is the next line, as a RESTful read of the Patient.
    before = _events()
    _ok(nadia.get(f"/Patient/{region.margaret.pk}"))
    assert _events() == before + 1
    latest = _log(nadia, region)
    assert latest["total"] == again["total"] + 2
    opened = _resources(latest)[1]
    assert opened["type"]["code"] == "rest"
    assert [s["code"] for s in opened["subtype"]] == ["read", "person.view"]
    assert opened["action"] == "R"
    assert opened["purposeOfEvent"][0]["coding"][0]["code"] == "TREAT"


def test_a_line_of_the_log_reads_by_id_for_its_readers_only(
    fhir_as: FhirAs, region: Region
) -> None:
    newest = _resources(_log(fhir_as("nurse"), region))[0]
    before = _events()
    read = _ok(fhir_as("nurse").get(f"/AuditEvent/{newest['id']}"))
    FhirAuditEvent.model_validate(read)
    assert read["id"] == newest["id"]
    assert read["recorded"] == newest["recorded"]
    assert _events() == before + 1

    outsider = fhir_as("outsider")
    refused = outsider.get(f"/AuditEvent/{newest['id']}")
    made_up = outsider.get("/AuditEvent/999999999")
    outcome(refused, 404)
    assert refused.content == made_up.content


def test_a_sealed_line_carries_its_place_in_the_hash_chain(fhir_as: FhirAs, region: Region) -> None:
    nadia = fhir_as("nurse")
    unsealed = _resources(_log(nadia, region))[0]
    assert "extension" not in unsealed
    seal_pending_events()
    sealed = _ok(nadia.get(f"/AuditEvent/{unsealed['id']}"))
    [extension] = sealed["extension"]
    assert extension["url"] == AUDIT_SEAL_EXTENSION
    seal = AuditSeal.objects.get(event_id=int(unsealed["id"]))
    assert extension["extension"] == [
        {"url": "position", "valueInteger": seal.position},
        {"url": "digest", "valueString": seal.digest},
    ]


def test_someone_outside_the_care_finds_no_access_log(fhir_as: FhirAs, region: Region) -> None:
    before = _events()
    found = _log(fhir_as("outsider"), region)
    assert found["total"] == 0
    assert "entry" not in found
    refusal = AuditEvent.objects.order_by("-pk").first()
    assert _events() == before + 1
    assert refusal is not None
    assert (refusal.action, refusal.outcome) == ("access_log.view", "denied")


def test_emergency_access_opens_the_record_but_not_its_access_log(
    fhir_as: FhirAs, region: Region
) -> None:
    colin = region.actor("outsider")
    assert colin.user is not None
    start_break_glass(
        actor=colin,
        person_id=region.margaret.pk,
        reason_code=BreakGlassReason.EMERGENCY_CARE,
        reason="Admitted overnight, unconscious; need her allergies and who to call.",
        confirmed=True,
        second_factor_code=pyotp.TOTP(colin.user.totp_secret).now(),
    )
    outsider = fhir_as("outsider")
    _ok(outsider.get(f"/Patient/{region.margaret.pk}"))  # break-glass: person.view only
    assert _log(outsider, region)["total"] == 0
    newest = AuditEvent.objects.filter(person=region.margaret).order_by("-pk").first()
    assert newest is not None
    outcome(outsider.get(f"/AuditEvent/{newest.pk}"), 404)


def test_a_longer_page_of_the_log_costs_no_more_queries(fhir_as: FhirAs, region: Region) -> None:
    nadia = fhir_as("nurse")
    for _ in range(6):
        _log(nadia, region)  # each search is a line of the log, so it has enough lines
    with CaptureQueriesContext(connection) as short:
        assert len(_resources(_log(nadia, region, _count="2"))) == 2
    with CaptureQueriesContext(connection) as long:
        assert len(_resources(_log(nadia, region, _count="8"))) == 8
    assert len(long.captured_queries) == len(short.captured_queries)


def test_the_log_can_be_narrowed_by_date(fhir_as: FhirAs, region: Region) -> None:
    nadia = fhir_as("nurse")
    today = timezone.localdate()
    todays = _log(nadia, region, date=f"ge{today.isoformat()}")
    assert todays["total"] >= 1
    recorded = [resource["recorded"][:10] for resource in _resources(todays)]
    assert all(day >= (today - timedelta(days=1)).isoformat() for day in recorded)
    assert _log(nadia, region, date=f"lt{(today - timedelta(days=3650)).isoformat()}")["total"] == 0
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _log(nadia, region, _lastUpdated=f"ge{tomorrow}")["total"] == 0
    ranged = nadia.get(
        "/AuditEvent",
        {"patient": f"Patient/{region.margaret.pk}", "date": [f"ge{today}", f"le{today}"]},
    )
    assert _bundle(ranged, FhirAuditEvent)["total"] >= 1
    assert f"date=ge{today}" in _ok(ranged)["link"][0]["url"]


def test_access_log_searches_explain_what_is_wrong(fhir_as: FhirAs, region: Region) -> None:
    nadia = fhir_as("nurse")
    [issue] = outcome(nadia.get("/AuditEvent"), 400)["issue"]
    assert (issue["code"], issue["expression"]) == ("required", ["patient"])
    [issue] = outcome(
        nadia.get("/AuditEvent", {"patient": f"Patient/{region.margaret.pk}", "date": "soon"}),
        400,
    )["issue"]
    assert issue["expression"] == ["date"]
    assert "YYYY-MM-DD" in issue["diagnostics"]
    [issue] = outcome(nadia.get("/AuditEvent", {"patient": "Practitioner/1"}), 400)["issue"]
    assert issue["expression"] == ["patient"]


def test_no_token_no_trail(fhir_as: FhirAs) -> None:
    for path in ("/AuditEvent", "/Provenance", "/Communication", "/Communication/x"):
        outcome(fhir_as(None).get(path), 401)


# -- Provenance: who moved a referral on ----------------------------------------------------


def _completed_referral(region: Region) -> Referral:
    draft = draft_referral(
        actor=region.actor("nurse"),
        person=region.margaret,
        service=Service.objects.get(name="Adult social care assessment"),
        reason="Struggling with washing and dressing since her fall.",
        what_matters="Staying in her own home.",
        questions="Is she eligible for home care?",
        items=[],
    )
    sent = send_referral(actor=region.actor("nurse"), referral=draft)
    sam = region.actor("social_worker")
    accepted = respond_to_referral(actor=sam, referral=sent, status="accepted")
    return respond_to_referral(
        actor=sam,
        referral=accepted,
        status="completed",
        outcome_summary="Assessed at home: two calls a day agreed from Monday.",
    )


def test_a_referrals_steps_are_provenance_of_its_task_in_order(
    fhir_as: FhirAs, region: Region
) -> None:
    referral = _completed_referral(region)
    before = _events()
    found = _bundle(
        fhir_as("nurse").get("/Provenance", {"target": f"Task/{referral.pk}"}), Provenance
    )
    assert _events() == before + 1
    steps = _resources(found)
    assert [step["activity"]["text"] for step in steps] == [
        "Referral status: Draft",
        "Referral status: Waiting for a response",
        "Referral status: Accepted",
        "Referral status: Completed",
    ]
    assert [step["activity"]["coding"][0]["code"] for step in steps] == [
        "CREATE",
        "UPDATE",
        "UPDATE",
        "UPDATE",
    ]
    assert {step["target"][0]["reference"] for step in steps} == {f"Task/{referral.pk}"}
    sam = region.role_profile("social_worker")
    accepted = steps[2]["agent"][0]
    assert accepted["who"]["reference"] == f"PractitionerRole/{sam.pk}"
    assert accepted["onBehalfOf"]["reference"] == f"Organization/{sam.organisation_id}"

    # One step reads by its id, for the two sides only.
    read = _ok(fhir_as("social_worker").get(f"/Provenance/{steps[3]['id']}"))
    Provenance.model_validate(read)
    assert read == steps[3]
    refused = fhir_as("outsider").get(f"/Provenance/{steps[3]['id']}")
    outcome(refused, 404)
    assert refused.content == fhir_as("outsider").get("/Provenance/referral-step-0").content
    assert (
        fhir_as("outsider").get("/Provenance", {"target": f"Task/{referral.pk}"}).status_code == 200
    )
    assert (
        _ok(fhir_as("outsider").get("/Provenance", {"target": f"Task/{referral.pk}"}))["total"] == 0
    )


def test_a_persons_provenance_holds_care_team_changes_and_referral_steps(
    fhir_as: FhirAs, region: Region
) -> None:
    referral = _completed_referral(region)
    found = _bundle(
        fhir_as("nurse").get(
            "/Provenance", {"patient": f"Patient/{region.margaret.pk}", "_count": "100"}
        ),
        Provenance,
    )
    resources = _resources(found)
    targets = {resource["target"][0]["reference"] for resource in resources}
    assert f"Task/{referral.pk}" in targets
    care_team_changes = CareTeamChange.objects.filter(person=region.margaret).count()
    assert care_team_changes > 0
    assert sum(1 for r in resources if r["id"].startswith("care-team-change-")) == care_team_changes
    assert f"CareTeam/{region.margaret.pk}" in targets
    recorded = [resource["recorded"] for resource in resources]
    assert recorded == sorted(recorded)
    assert (
        _ok(fhir_as("outsider").get("/Provenance", {"patient": f"Patient/{region.margaret.pk}"}))[
            "total"
        ]
        == 0
    )


def test_each_version_of_a_care_plan_has_its_provenance(fhir_as: FhirAs, region: Region) -> None:
    plan = CarePlan.objects.get(person=region.arthur)
    versions = list(CarePlanVersion.objects.filter(plan=plan).order_by("number"))
    assert len(versions) >= 2
    sam = fhir_as("social_worker")
    before = _events()
    found = _bundle(sam.get("/Provenance", {"target": f"CarePlan/{plan.pk}"}), Provenance)
    assert _events() == before + 1
    resources = _resources(found)
    assert [r["target"][0]["reference"] for r in resources] == [
        f"CarePlan/{plan.pk}/_history/{version.number}" for version in versions
    ]
    assert resources[0]["activity"]["coding"][0]["code"] == "CREATE"
    assert {r["activity"]["coding"][0]["code"] for r in resources[1:]} == {"UPDATE"}
    for resource, version in zip(resources, versions, strict=True):
        if version.created_by_role_id is not None:
            assert resource["agent"][0]["who"]["reference"] == (
                f"PractitionerRole/{version.created_by_role_id}"
            )
    read = _ok(sam.get(f"/Provenance/{resources[-1]['id']}"))
    assert read == resources[-1]
    outsider = fhir_as("outsider")
    assert _ok(outsider.get("/Provenance", {"target": f"CarePlan/{plan.pk}"}))["total"] == 0
    outcome(outsider.get(f"/Provenance/{resources[-1]['id']}"), 404)
    everything = _ok(
        sam.get("/Provenance", {"patient": f"Patient/{region.arthur.pk}", "_count": "100"})
    )
    ids = {r["id"] for r in _resources(everything)}
    assert {r["id"] for r in resources} <= ids


def test_provenance_needs_a_target_or_a_patient(fhir_as: FhirAs) -> None:
    [issue] = outcome(fhir_as("nurse").get("/Provenance"), 400)["issue"]
    assert issue["code"] == "required"
    [issue] = outcome(fhir_as("nurse").get("/Provenance", {"target": "Patient/x"}), 400)["issue"]
    assert issue["expression"] == ["target"]


# -- Communication: handovers ---------------------------------------------------------------


def _handover_to_nadia(region: Region) -> Handover:
    return Handover.objects.get(to_role=region.role_profile("nurse"))


def test_a_handover_is_a_communication_with_the_four_sbar_parts(
    fhir_as: FhirAs, region: Region
) -> None:
    handover = _handover_to_nadia(region)
    [person] = handover.people.all()
    before = _events()
    read = _ok(fhir_as("nurse").get(f"/Communication/{handover.pk}"))
    assert _events() == before + 1
    Communication.model_validate(read)
    assert read["status"] == "in-progress"
    assert read["category"][0]["coding"][0]["code"] == "notification"
    assert read["subject"]["reference"] == f"Patient/{person.pk}"
    assert read["sender"]["reference"] == f"PractitionerRole/{handover.from_role_id}"
    assert (
        read["recipient"][0]["reference"] == f"PractitionerRole/{region.role_profile('nurse').pk}"
    )
    assert [payload["contentString"] for payload in read["payload"]] == [
        f"Situation: {handover.situation}",
        f"Background: {handover.background}",
        f"Assessment: {handover.assessment}",
        f"Recommendation: {handover.recommendation}",
    ]
    assert "received" not in read

    acknowledge_handover(
        actor=region.actor("nurse"),
        handover=handover,
        read_back="Twice-weekly dressings carry on; I will measure the ulcer on Monday.",
    )
    done = _ok(fhir_as("nurse").get(f"/Communication/{handover.pk}"))
    Communication.model_validate(done)
    assert done["status"] == "completed"
    assert done["received"]
    assert done["note"][0]["text"].startswith("Read-back: Twice-weekly dressings")


def test_communications_are_found_by_patient_and_status_by_their_sides_only(
    fhir_as: FhirAs, region: Region
) -> None:
    handover = _handover_to_nadia(region)
    [person] = handover.people.all()
    nadia = fhir_as("nurse")
    everything = _bundle(nadia.get("/Communication"), Communication)
    assert everything["total"] >= 2  # one to her, one from her (the demo)
    before = _events()
    theirs = _bundle(
        nadia.get("/Communication", {"patient": f"Patient/{person.pk}"}), Communication
    )
    assert _events() == before + 1
    assert [r["id"] for r in _resources(theirs)] == [str(handover.pk)]
    search = AuditEvent.objects.order_by("-pk").first()
    assert search is not None
    assert (search.action, search.person_id) == ("handover.search", person.pk)
    assert _ok(nadia.get("/Communication", {"status": "completed"}))["total"] == 0
    assert (
        _ok(nadia.get("/Communication", {"status": "in-progress"}))["total"] == everything["total"]
    )
    [issue] = outcome(nadia.get("/Communication", {"status": "sent"}), 400)["issue"]
    assert issue["code"] == "code-invalid"

    outsider = fhir_as("outsider")
    assert _ok(outsider.get("/Communication", {"patient": f"Patient/{person.pk}"}))["total"] == 0
    refused = outsider.get(f"/Communication/{handover.pk}")
    outcome(refused, 404)
    made_up = outsider.get("/Communication/00000000-0000-0000-0000-000000000000")
    assert refused.content == made_up.content


def test_someone_in_the_persons_care_team_still_cannot_read_a_handover_not_theirs(
    client: Client, region: Region
) -> None:
    """A handover is between its giver and its receiver: Sam (social worker) does not read
    the one between Nadia and her colleague."""
    token = create_api_token(
        user=region.user("social_worker"),
        role_profile=region.role_profile("social_worker"),
        name="trail tests",
    ).token
    handover = _handover_to_nadia(region)
    response = client.get(
        f"{FHIR}/Communication/{handover.pk}", headers={"Authorization": f"Bearer {token}"}
    )
    outcome(response, 404)


def test_the_capability_statement_lists_the_trail_as_served(client: Client) -> None:
    [rest] = _ok(client.get(f"{FHIR}/metadata"))["rest"]
    resources = {resource["type"]: resource for resource in rest["resource"]}
    searches = {
        name: {param["name"] for param in resources[name]["searchParam"]}
        for name in ("AuditEvent", "Provenance", "Communication")
    }
    assert searches == {
        "AuditEvent": {"patient", "entity", "date", "_lastUpdated"},
        "Provenance": {"target", "patient"},
        "Communication": {"_id", "patient", "subject", "status"},
    }
    for name in searches:
        assert [i["code"] for i in resources[name]["interaction"]] == ["read", "search-type"]
