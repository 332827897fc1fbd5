"""Transaction and batch Bundles posted to /fhir/R4/. Sam (social worker, lead professional for
Margaret Price and Arthur Bell) starts Margaret's care plan and sets her first goal in one
transaction, names her by NHS number rather than id, sets Arthur a goal and points his plan at
it by urn:uuid, and accepts Nadia's referral through a Task PUT inside a transaction. A
transaction with one bad entry keeps nothing and says which entry was at fault; a batch keeps
the good entries and reports the bad one. Colin (no part in anyone's care) gets 404 inside a
Bundle, as outside one, and his refused attempts stay in the audit trail."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from fhir.resources.R4B.operationoutcome import OperationOutcome

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.audit.selectors import action_words
from joinedup.careplans.models import CarePlan, Goal, PlanStatus
from joinedup.conftest import Region
from joinedup.fhir import bundles
from joinedup.fhir.mapping import NHS_NUMBER_SYSTEM
from joinedup.fhir.mapping_careplans import GAS_LEVEL_SYSTEM
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON, FhirClient, Json, outcome, token_of
from joinedup.fhir.tests.test_referrals import _sent_referral
from joinedup.referrals.models import Referral

FhirAs = Callable[[str | None], FhirClient]
PLAN = "urn:uuid:0c3f6a52-6d3e-4c1e-9a44-51f0a3b1c001"
GOAL = "urn:uuid:0c3f6a52-6d3e-4c1e-9a44-51f0a3b1c002"


def _post(client: Client, region: Region, key: str | None, bundle: Any, **headers: str) -> Any:
    if key is not None:
        headers["Authorization"] = f"Bearer {token_of(region, key)}"
    return client.post(f"{FHIR}/", json.dumps(bundle), content_type=FHIR_JSON, headers=headers)


def _ok(response: Any, kind: str) -> Json:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: Json = json.loads(response.content)
    Bundle.model_validate(body)
    assert body["type"] == f"{kind}-response"
    return body


def _bundle(kind: str, *entries: Json) -> Json:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def _entry(method: str, url: str, resource: Json | None = None, **request: str) -> Json:
    entry: Json = {"request": {"method": method, "url": url, **request}}
    if resource is not None:
        entry["resource"] = resource
    return entry


def _plan(person_id: object, description: str = "Staying in my own home.") -> Json:
    return {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": f"Patient/{person_id}"},
        "description": description,
    }


def _goal(person_id: object, **changes: Any) -> Json:
    levels = ["Stays in", "Out once a week", "Out twice a week", "Out most days", "Out daily"]
    return {
        "resourceType": "Goal",
        "lifecycleStatus": "active",
        "description": {"text": "I want to get to the shops on my own."},
        "subject": {"reference": f"Patient/{person_id}"},
        "target": [
            {
                "measure": {"text": "Walks to the corner shop"},
                "detailCodeableConcept": {
                    "coding": [{"system": GAS_LEVEL_SYSTEM, "code": code}],
                    "text": words,
                },
            }
            for code, words in zip(["-2", "-1", "0", "+1", "+2"], levels, strict=True)
        ],
        **changes,
    }


def _events_since(last: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# -- transactions ---------------------------------------------------------------------------


def test_a_transaction_starts_margarets_plan_and_sets_her_goal_in_one_go(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    margaret = region.margaret.pk
    # The read comes first in the Bundle but is done last, so it sees what the others did.
    answer = _ok(
        _post(
            client,
            region,
            "social_worker",
            _bundle(
                "transaction",
                _entry("GET", f"CarePlan?patient=Patient/{margaret}"),
                {**_entry("POST", "CarePlan", _plan(margaret)), "fullUrl": PLAN},
                {**_entry("POST", "Goal", _goal(margaret)), "fullUrl": GOAL},
                _entry("GET", PLAN),  # the plan the first POST made
            ),
        ),
        "transaction",
    )

    plan = CarePlan.objects.get(person_id=margaret, status=PlanStatus.ACTIVE)
    goal = Goal.objects.get(plan=plan)
    searched, started, set_, read = (entry["response"] for entry in answer["entry"])
    assert read["status"] == "200 OK"
    assert answer["entry"][3]["resource"]["id"] == str(plan.pk)
    assert started["status"] == "201 Created"
    assert started["location"].endswith(f"/CarePlan/{plan.pk}/_history/1")
    assert started["etag"] == f'"{plan.pk}-1"'
    assert started["lastModified"]
    assert set_["status"] == "201 Created"
    assert set_["location"].endswith(f"/Goal/{goal.pk}")
    # Minimal by default: no resources for the writes, but the read's answer is its resource.
    assert "resource" not in answer["entry"][1]
    assert searched["status"] == "200 OK"
    found = answer["entry"][0]["resource"]
    assert found["total"] == 1
    assert [g["reference"] for g in found["entry"][0]["resource"]["goal"]] == [f"Goal/{goal.pk}"]


def test_a_conditional_reference_finds_the_person_by_nhs_number(
    region: Region, client: Client
) -> None:
    by_number = f"Patient?identifier={NHS_NUMBER_SYSTEM}|{region.margaret.nhs_number}"
    plan = _plan("x") | {"subject": {"reference": by_number}}
    answer = _ok(
        _post(
            client,
            region,
            "social_worker",
            _bundle("transaction", _entry("POST", "CarePlan", plan)),
            Prefer="return=representation",
        ),
        "transaction",
    )
    made = answer["entry"][0]["resource"]
    FhirCarePlan.model_validate(made)
    assert made["subject"]["reference"] == f"Patient/{region.margaret.pk}"
    assert CarePlan.objects.filter(person=region.margaret).count() == 1
    # Colin cannot see Margaret: for him the same number matches no one, and nothing is made.
    refused = outcome(
        _post(
            client,
            region,
            "outsider",
            _bundle("transaction", _entry("POST", "CarePlan", plan)),
        ),
        404,
    )
    assert refused["issue"][0]["expression"] == ["Bundle.entry[0].resource"]
    assert CarePlan.objects.filter(person=region.margaret).count() == 1


def test_urn_uuid_references_are_replaced_with_what_the_entry_made(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    plan = CarePlan.objects.get(person=region.arthur, status=PlanStatus.ACTIVE)
    current = json.loads(fhir_as("social_worker").get(f"/CarePlan/{plan.pk}").content)
    current["description"] = "Music, company, and Edna's visits."
    current["goal"] = [*current.get("goal", []), {"reference": GOAL}]
    answer = _ok(
        _post(
            client,
            region,
            "social_worker",
            _bundle(
                "transaction",
                # FHIR does the POST before the PUT, whatever their order here; setting the
                # goal makes a new version of the plan, which the PUT's ifMatch names.
                _entry("PUT", f"CarePlan/{plan.pk}", current, ifMatch=f'W/"{plan.version + 1}"'),
                {**_entry("POST", "Goal", _goal(region.arthur.pk)), "fullUrl": GOAL},
            ),
            Prefer="return=representation",
        ),
        "transaction",
    )

    new_goal = Goal.objects.get(plan=plan, in_their_words="I want to get to the shops on my own.")
    changed, made = (entry["resource"] for entry in answer["entry"])
    assert made["id"] == str(new_goal.pk)
    assert changed["description"] == "Music, company, and Edna's visits."
    assert f"Goal/{new_goal.pk}" in [g["reference"] for g in changed["goal"]]
    assert answer["entry"][0]["response"]["status"] == "200 OK"
    plan.refresh_from_db()
    assert plan.what_matters == "Music, company, and Edna's visits."


def test_a_bad_second_entry_undoes_the_first_and_is_named(region: Region, client: Client) -> None:
    margaret = region.margaret.pk
    before = _last_event()
    response = _post(
        client,
        region,
        "social_worker",
        _bundle(
            "transaction",
            {**_entry("POST", "CarePlan", _plan(margaret)), "fullUrl": PLAN},
            _entry("POST", "Goal", _goal(margaret, lifecycleStatus="finished")),
        ),
    )

    body = outcome(response, 400)
    [issue] = body["issue"]
    assert issue["code"] == "code-invalid"
    assert issue["expression"] == ["Bundle.entry[1].resource.lifecycleStatus"]
    assert issue["diagnostics"].startswith(
        "The entry at Bundle.entry[1] (POST Goal) was refused, so nothing in this transaction "
        "was kept:"
    )
    assert "finished" in issue["diagnostics"]
    assert not CarePlan.objects.filter(person_id=margaret).exists()
    # The plan's start was undone with its audit event; one event says what was tried.
    events = _events_since(before)
    assert [e.action for e in events] == ["fhir.transaction_refused"]
    [event] = events
    assert (event.person_id, event.user_id, event.channel) == (
        region.margaret.pk,
        region.user("social_worker").pk,
        "fhir",
    )
    assert "Bundle.entry[1] (POST Goal, answered 400)" in event.reason
    assert action_words(event.action) != event.action


def test_colin_gets_404_inside_a_transaction_and_his_attempt_stays_audited(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    plan = CarePlan.objects.get(person=region.arthur, status=PlanStatus.ACTIVE)
    current = json.loads(fhir_as("social_worker").get(f"/CarePlan/{plan.pk}").content)
    before = _last_event()
    response = _post(
        client,
        region,
        "outsider",
        _bundle(
            "transaction",
            _entry("PUT", f"CarePlan/{plan.pk}", current, ifMatch=f'W/"{plan.version}"'),
        ),
    )

    body = outcome(response, 404)
    assert body["issue"][0]["code"] == "not-found"
    assert body["issue"][0]["expression"] == ["Bundle.entry[0]"]
    plan.refresh_from_db()
    assert plan.what_matters == current["description"]
    events = _events_since(before)
    denied = [e for e in events if e.outcome == Outcome.DENIED]
    assert denied
    assert {e.person_id for e in denied} == {region.arthur.pk}
    assert {e.user_id for e in events} == {region.user("outsider").pk}
    assert events[-1].action == "fhir.transaction_refused"
    assert events[-1].person_id is None  # he reached no one's record


def test_a_task_put_in_a_transaction_accepts_the_referral(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    referral = _sent_referral(region)
    etag = fhir_as("social_worker").get(f"/Task/{referral.pk}")["ETag"]
    sam_role = region.role_profile("social_worker")
    task = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "status": "accepted",
        "intent": "order",
        "owner": {"reference": f"PractitionerRole/{sam_role.pk}"},
    }
    stale = outcome(
        _post(
            client,
            region,
            "social_worker",
            _bundle("transaction", _entry("PUT", f"Task/{referral.pk}", task, ifMatch='W/"0"')),
        ),
        412,
    )
    assert stale["issue"][0]["expression"] == ["Bundle.entry[0].request.ifMatch"]

    answer = _ok(
        _post(
            client,
            region,
            "social_worker",
            _bundle("transaction", _entry("PUT", f"Task/{referral.pk}", task, ifMatch=etag)),
        ),
        "transaction",
    )
    [entry] = answer["entry"]
    assert entry["response"]["status"] == "200 OK"
    assert entry["response"]["etag"] == f'"{referral.pk}-{referral.version + 1}"'
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.assigned_to_id == sam_role.pk
    # The nurse who referred sees the acceptance.
    nurse_view = json.loads(fhir_as("nurse").get(f"/Task/{referral.pk}").content)
    assert nurse_view["status"] == "accepted"

    # The same ETag again is stale now: 412, and nothing changes.
    again = _post(
        client,
        region,
        "social_worker",
        _bundle(
            "transaction",
            _entry("PUT", f"Task/{referral.pk}", task | {"status": "in-progress"}, ifMatch=etag),
        ),
    )
    assert outcome(again, 412)["issue"][0]["code"] == "conflict"
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


# -- batches --------------------------------------------------------------------------------


def test_a_batch_keeps_the_good_entry_and_reports_the_bad_one(
    region: Region, client: Client
) -> None:
    margaret, arthur = region.margaret.pk, region.arthur.pk
    answer = _ok(
        _post(
            client,
            region,
            "social_worker",
            _bundle(
                "batch",
                _entry("POST", "CarePlan", _plan(margaret)),
                _entry("POST", "CarePlan", _plan(arthur)),  # he has an active plan already
                _entry("GET", f"Patient/{margaret}"),
                _entry("DELETE", f"CarePlan/{margaret}"),
                _entry("GET", "Nothing/here"),
            ),
        ),
        "batch",
    )

    started, refused, read, deleted, nothing = (entry["response"] for entry in answer["entry"])
    assert started["status"] == "201 Created"
    assert CarePlan.objects.filter(person_id=margaret, status=PlanStatus.ACTIVE).count() == 1
    assert refused["status"] == "422 Unprocessable Entity"
    OperationOutcome.model_validate(refused["outcome"])
    assert "already has a care plan" in refused["outcome"]["issue"][0]["diagnostics"]
    assert CarePlan.objects.filter(person_id=arthur).count() == 1
    assert read["status"] == "200 OK"
    assert answer["entry"][2]["resource"]["id"] == str(margaret)
    assert deleted["status"] == "405 Method Not Allowed"
    assert "does not accept DELETE" in deleted["outcome"]["issue"][0]["diagnostics"]
    assert nothing["status"] == "404 Not Found"


def test_colin_gets_404_for_each_entry_of_a_batch_and_the_nurse_reads(
    region: Region, client: Client
) -> None:
    batch = _bundle(
        "batch",
        _entry("GET", f"Patient/{region.margaret.pk}"),
        _entry("GET", f"CarePlan?patient=Patient/{region.arthur.pk}"),
    )
    before = _last_event()
    colin = _ok(_post(client, region, "outsider", batch), "batch")
    missing, empty = colin["entry"]
    assert missing["response"]["status"] == "404 Not Found"
    assert "resource" not in missing
    assert empty["resource"]["total"] == 0
    # His refused read is in Margaret's trail, as it would be outside a Bundle.
    assert any(
        e.outcome == Outcome.DENIED and e.person_id == region.margaret.pk
        for e in _events_since(before)
    )

    nadia = _ok(_post(client, region, "nurse", batch), "batch")
    assert nadia["entry"][0]["resource"]["id"] == str(region.margaret.pk)
    assert nadia["entry"][1]["response"]["status"] == "200 OK"


def test_entries_of_a_batch_cannot_lean_on_each_other(region: Region, client: Client) -> None:
    plan = CarePlan.objects.get(person=region.arthur, status=PlanStatus.ACTIVE)
    answer = _ok(
        _post(
            client,
            region,
            "social_worker",
            _bundle(
                "batch",
                {**_entry("POST", "Goal", _goal(region.arthur.pk)), "fullUrl": GOAL},
                _entry(
                    "PUT",
                    f"CarePlan/{plan.pk}",
                    _plan(region.arthur.pk) | {"id": str(plan.pk), "goal": [{"reference": GOAL}]},
                    ifMatch=f'W/"{plan.version}"',
                ),
            ),
        ),
        "batch",
    )
    assert answer["entry"][0]["response"]["status"] == "201 Created"
    leaning = answer["entry"][1]["response"]
    assert leaning["status"] == "400 Bad Request"
    assert "Send the entries as a transaction" in leaning["outcome"]["issue"][0]["diagnostics"]


# -- what is refused before anything is done -------------------------------------------------


@pytest.mark.parametrize(
    ("bundle", "status", "expression"),
    [
        ({"resourceType": "Patient"}, 400, "Bundle.resourceType"),
        ({"resourceType": "Bundle", "type": "collection"}, 400, "Bundle.type"),
        ({"resourceType": "Bundle", "type": "batch", "entry": {}}, 400, "Bundle.entry"),
        (
            _bundle("transaction", *[_entry("GET", "metadata")] * (bundles.MAX_ENTRIES + 1)),
            413,
            "Bundle.entry",
        ),
        (
            _bundle("transaction", _entry("GET", "metadata"), {"request": {"url": "x"}}),
            400,
            "Bundle.entry[1].request.method",
        ),
        (_bundle("transaction", _entry("POST", "CarePlan")), 400, "Bundle.entry[0].resource"),
        (
            _bundle("transaction", _entry("PUT", "Task/1", {}), _entry("PUT", "Task/1", {})),
            400,
            "Bundle.entry[1].request.url",
        ),
        (_bundle("transaction", _entry("GET", "$export")), 400, "Bundle.entry[0].request.url"),
        (
            _bundle("transaction", _entry("GET", "https://elsewhere.example/fhir/Patient/1")),
            400,
            "Bundle.entry[0].request.url",
        ),
    ],
)
def test_bundles_that_cannot_be_run_are_refused_naming_the_fault(
    region: Region, client: Client, bundle: Json, status: int, expression: str
) -> None:
    refused = outcome(_post(client, region, "nurse", bundle), status)
    assert expression in refused["issue"][0]["expression"][0]


def test_the_base_takes_only_a_posted_json_bundle_with_a_token(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    batch = _bundle("batch", _entry("GET", "metadata"))
    assert outcome(_post(client, region, None, batch), 401)["issue"][0]["code"] == "login"
    assert outcome(fhir_as("nurse").get("/"), 405)["issue"][0]["code"] == "not-supported"
    as_text = client.post(
        f"{FHIR}/",
        json.dumps(batch),
        content_type="text/plain",
        headers={"Authorization": f"Bearer {token_of(region, 'nurse')}"},
    )
    outcome(as_text, 415)
    too_big = _post(client, region, "nurse", batch | {"padding": "x" * (3 * 1024 * 1024)})
    assert "Split it into smaller Bundles" in outcome(too_big, 413)["issue"][0]["diagnostics"]
    answer = _ok(_post(client, region, "nurse", batch), "batch")
    assert answer["entry"][0]["resource"]["resourceType"] == "CapabilityStatement"


def test_the_capability_statement_offers_transaction_and_batch(client: Client) -> None:
    rest = json.loads(client.get(f"{FHIR}/metadata").content)["rest"][0]
    assert [i["code"] for i in rest["interaction"]] == ["transaction", "batch"]
    assert all(str(bundles.MAX_ENTRIES) in i["documentation"] for i in rest["interaction"])


def test_references_are_replaced_at_any_depth() -> None:
    resource = {
        "resourceType": "CarePlan",
        "goal": [{"reference": GOAL}],
        "activity": [{"detail": {"goal": [{"reference": GOAL}], "description": GOAL}}],
        "note": [{"text": f"about {GOAL}"}],
    }
    done = bundles.replaced(resource, {GOAL: "Goal/7"})
    assert done["goal"] == [{"reference": "Goal/7"}]
    assert done["activity"][0]["detail"]["goal"] == [{"reference": "Goal/7"}]
    assert done["activity"][0]["detail"]["description"] == "Goal/7"
    assert done["note"][0]["text"] == f"about {GOAL}"  # words are left as written
