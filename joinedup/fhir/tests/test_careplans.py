"""CarePlan and Goal over FHIR. Sam (social worker, Arthur's lead professional) reads Arthur
Bell's care plan with its goal, actions and review, its history and an old version; starts a
plan for Margaret Price from a copy of Arthur's (she has none, by design) and sets her a goal
from a copy of Arthur's; changes it with If-Match. Colin (no part in anyone's care) gets 404
and empty searches, each audited once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from fhir.resources.R4B.goal import Goal as FhirGoal

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.careplans.models import CarePlan, Goal, PlanStatus
from joinedup.careplans.services import GoalTerms, set_goal, start_care_plan
from joinedup.conftest import Region
from joinedup.fhir.mapping_careplans import GAS_LEVEL_SYSTEM
from joinedup.fhir.tests.conftest import FHIR, FHIR_JSON, FhirClient, Json, outcome, token_of
from joinedup.sharing.models import BreakGlassReason
from joinedup.sharing.services import start_break_glass

FhirAs = Callable[[str | None], FhirClient]


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _events_after(last: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


def _ok(response: Any, status: int = 200) -> Json:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == FHIR_JSON
    body: Json = json.loads(response.content)
    return body


def _arthurs_plan(region: Region) -> CarePlan:
    return CarePlan.objects.get(person=region.arthur, status=PlanStatus.ACTIVE)


def _send(
    client: Client,
    region: Region,
    method: str,
    path: str,
    body: Json,
    key: str = "social_worker",
    **headers: str,
) -> Any:
    headers["Authorization"] = f"Bearer {token_of(region, key)}"
    send = client.post if method == "POST" else client.put
    return send(FHIR + path, json.dumps(body), content_type=FHIR_JSON, headers=headers)


def _copy_for(resource: Json, person_id: object) -> Json:
    """Another person's resource, made into a new one for `person_id`."""
    copy = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    copy["subject"] = {"reference": f"Patient/{person_id}"}
    if "expressedBy" in copy:
        copy["expressedBy"] = {"reference": f"Patient/{person_id}"}
    return copy


def _levels(goal: Json) -> dict[str, str]:
    return {
        target["detailCodeableConcept"]["coding"][0]["code"]: target["detailCodeableConcept"][
            "text"
        ]
        for target in goal["target"]
        if target["detailCodeableConcept"]["coding"][0]["system"] == GAS_LEVEL_SYSTEM
    }


# -- reading --------------------------------------------------------------------------------


def test_sam_reads_arthurs_plan_with_his_goal_actions_and_review(
    region: Region, fhir_as: FhirAs
) -> None:
    plan = _arthurs_plan(region)
    before = _last_event()
    response = fhir_as("social_worker").get(f"/CarePlan/{plan.pk}")
    body = _ok(response)
    FhirCarePlan.model_validate(body)
    assert response["ETag"] == f'"{plan.pk}-{plan.version}"'
    assert body["meta"]["versionId"] == str(plan.version)
    assert body["status"] == "active"
    assert body["intent"] == "plan"
    assert body["subject"]["reference"] == f"Patient/{region.arthur.pk}"
    assert body["careTeam"][0]["reference"] == f"CareTeam/{region.arthur.pk}"
    assert "Glenn Miller" in " ".join(note["text"] for note in body["note"])
    assert any("Edna Bell (wife)" in note["text"] for note in body["note"])
    [goal] = body["goal"]
    assert goal["display"] == "I like being with the others."
    review, music = body["activity"]
    assert review["detail"]["scheduledTiming"]["repeat"] == {
        "frequency": 1,
        "period": 12,
        "periodUnit": "wk",
    }
    assert music["detail"]["status"] == "not-started"
    assert music["detail"]["description"].startswith("Invite Arthur to the Tuesday music")
    assert music["detail"]["goal"][0]["reference"] == goal["reference"]
    assert music["detail"]["performer"][0]["reference"].startswith("PractitionerRole/")
    assert any("did not agree" in note["text"] for note in body["note"])
    [event] = _events_after(before)
    assert event.person_id == region.arthur.pk
    assert event.outcome == Outcome.ALLOWED


def test_arthurs_goal_has_five_levels_and_his_score(region: Region, fhir_as: FhirAs) -> None:
    goal = Goal.objects.get(plan__person=region.arthur)
    before = _last_event()
    body = _ok(fhir_as("social_worker").get(f"/Goal/{goal.pk}"))
    FhirGoal.model_validate(body)
    assert len(_events_after(before)) == 1
    assert body["description"]["text"] == "I like being with the others."
    assert body["lifecycleStatus"] == "active"
    assert _levels(body) == {
        "-2": "Stays in his room all day",
        "-1": "In the lounge once or twice a week",
        "0": "In the lounge most afternoons",
        "+1": "In the lounge most afternoons and joins an activity",
        "+2": "Joins activities every day",
    }
    # Scored 0 (the expected outcome) at the review, from a baseline of -1.
    assert body["achievementStatus"]["coding"][0]["code"] == "achieved"
    assert "I like it down here" in body["note"][0]["text"]
    assert body["target"][0]["measure"]["text"] == "Spends the afternoon in the lounge, settled"


def test_searches_find_arthurs_plan_and_goals_and_margaret_has_none(
    region: Region, fhir_as: FhirAs
) -> None:
    sam = fhir_as("social_worker")
    plan = _arthurs_plan(region)
    before = _last_event()
    found = _ok(sam.get("/CarePlan", {"patient": f"Patient/{region.arthur.pk}"}))
    Bundle.model_validate(found)
    assert len(_events_after(before)) == 1
    assert [e["resource"]["id"] for e in found["entry"]] == [str(plan.pk)]
    assert (
        _ok(sam.get("/CarePlan", {"subject": str(region.arthur.pk), "status": "completed"}))[
            "total"
        ]
        == 0
    )
    assert (
        _ok(sam.get("/CarePlan", {"_id": str(plan.pk), "_lastUpdated": "ge2020-01-01"}))["total"]
        == 1
    )
    assert (
        _ok(sam.get("/CarePlan", {"_id": str(plan.pk), "_lastUpdated": "lt2020-01-01"}))["total"]
        == 0
    )
    margaret = _ok(sam.get("/CarePlan", {"patient": f"Patient/{region.margaret.pk}"}))
    assert margaret["total"] == 0
    goals = _ok(sam.get("/Goal", {"patient": str(region.arthur.pk), "lifecycle-status": "active"}))
    Bundle.model_validate(goals)
    assert [e["resource"]["description"]["text"] for e in goals["entry"]] == [
        "I like being with the others."
    ]


def test_the_outsider_gets_404_and_empty_searches_each_audited(
    region: Region, fhir_as: FhirAs
) -> None:
    plan = _arthurs_plan(region)
    goal = Goal.objects.get(plan__person=region.arthur)
    colin = fhir_as("outsider")
    made_up = "00000000-0000-4000-8000-000000000000"
    before = _last_event()
    refused = colin.get(f"/CarePlan/{plan.pk}")
    outcome(refused, 404)
    assert refused.content == colin.get(f"/CarePlan/{made_up}").content
    outcome(colin.get(f"/CarePlan/{plan.pk}/_history"), 404)
    outcome(colin.get(f"/CarePlan/{plan.pk}/_history/1"), 404)
    outcome(colin.get(f"/Goal/{goal.pk}"), 404)
    assert _ok(colin.get("/CarePlan", {"patient": str(region.arthur.pk)}))["total"] == 0
    assert _ok(colin.get("/Goal", {"patient": str(region.arthur.pk)}))["total"] == 0
    events = _events_after(before)
    assert len(events) == 7
    assert all(event.outcome != Outcome.ALLOWED for event in events)


def test_a_search_needs_a_patient_and_sound_parameters(region: Region, fhir_as: FhirAs) -> None:
    sam = fhir_as("social_worker")
    assert outcome(sam.get("/CarePlan"), 400)["issue"][0]["expression"] == ["patient"]
    bad_status = sam.get("/CarePlan", {"patient": str(region.arthur.pk), "status": "done"})
    assert outcome(bad_status, 400)["issue"][0]["code"] == "code-invalid"
    bad_date = sam.get("/CarePlan", {"patient": str(region.arthur.pk), "_lastUpdated": "ge2026"})
    assert outcome(bad_date, 400)["issue"][0]["expression"] == ["_lastUpdated"]
    assert outcome(sam.get("/Goal"), 400)["issue"][0]["expression"] == ["patient"]


def test_aisha_sees_only_the_goals_her_organisation_may_see(
    region: Region, fhir_as: FhirAs
) -> None:
    """A mental health goal is not shared with the voluntary sector: Aisha's CarePlan, Goal
    search, Goal read and history leave it out, as the pages do; Nadia sees both."""
    nurse = region.actor("nurse")
    plan = start_care_plan(actor=nurse, person=region.margaret)
    levels = {-2: "Cannot", -1: "With Sarah", 0: "Once a week", 1: "Twice a week", 2: "Market"}
    shops = set_goal(
        actor=nurse,
        plan=plan,
        expected_version=None,
        terms=GoalTerms("I want to get to the shops again.", "Walks to the shop", levels),
    )
    mood = set_goal(
        actor=nurse,
        plan=plan,
        expected_version=None,
        terms=GoalTerms(
            "I want to feel less low.", "Sleeps well", levels, category="mental_health"
        ),
    )
    aisha, nadia = fhir_as("voluntary"), fhir_as("nurse")
    for path in (f"/CarePlan/{plan.pk}", f"/CarePlan/{plan.pk}/_history/{plan.version}"):
        assert [g["reference"] for g in _ok(aisha.get(path))["goal"]] == [f"Goal/{shops.pk}"]
        assert len(_ok(nadia.get(path))["goal"]) == 2
    earlier = _ok(aisha.get(f"/CarePlan/{plan.pk}/_history/{plan.version - 1}"))
    assert [g["reference"] for g in earlier["goal"]] == [f"Goal/{shops.pk}"]
    found = _ok(aisha.get("/Goal", {"patient": str(region.margaret.pk)}))
    assert [e["resource"]["id"] for e in found["entry"]] == [str(shops.pk)]
    outcome(aisha.get(f"/Goal/{mood.pk}"), 404)
    assert _ok(nadia.get(f"/Goal/{mood.pk}"))["category"][0]["coding"][0]["code"] == (
        "mental_health"
    )


# -- versions -------------------------------------------------------------------------------


def test_history_lists_every_version_and_vread_gives_an_old_one(
    region: Region, fhir_as: FhirAs
) -> None:
    plan = _arthurs_plan(region)
    sam = fhir_as("social_worker")
    before = _last_event()
    history = _ok(sam.get(f"/CarePlan/{plan.pk}/_history"))
    assert len(_events_after(before)) == 1
    Bundle.model_validate(history)
    assert history["type"] == "history"
    numbers = [entry["resource"]["meta"]["versionId"] for entry in history["entry"]]
    assert numbers == [str(n) for n in range(plan.version, 0, -1)]
    assert history["entry"][-1]["request"]["method"] == "POST"
    current = _ok(sam.get(f"/CarePlan/{plan.pk}"))
    assert history["entry"][0]["resource"] == current
    # Version 1: the plan just started, before the crisis plan, goals and actions.
    first = _ok(sam.get(f"/CarePlan/{plan.pk}/_history/1"))
    FhirCarePlan.model_validate(first)
    assert first["meta"]["versionId"] == "1"
    assert "goal" not in first
    assert not any("Glenn Miller" in note["text"] for note in first.get("note", []))
    # Version 2 added the crisis plan.
    second = _ok(sam.get(f"/CarePlan/{plan.pk}/_history/2"))
    assert any("Glenn Miller" in note["text"] for note in second["note"])
    outcome(sam.get(f"/CarePlan/{plan.pk}/_history/{plan.version + 1}"), 404)


# -- creating and changing ------------------------------------------------------------------


def test_margarets_plan_and_goal_made_from_copies_of_arthurs_round_trip(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    sam = fhir_as("social_worker")
    arthurs = _ok(sam.get(f"/CarePlan/{_arthurs_plan(region).pk}"))
    before = _last_event()
    created = _send(client, region, "POST", "/CarePlan", _copy_for(arthurs, region.margaret.pk))
    body = _ok(created, 201)
    FhirCarePlan.model_validate(body)
    plan = CarePlan.objects.get(person=region.margaret, status=PlanStatus.ACTIVE)
    assert created["Location"].endswith(f"/CarePlan/{plan.pk}/_history/{plan.version}")
    assert created["ETag"] == f'"{plan.pk}-{plan.version}"'
    assert {e.action for e in _events_after(before)} == {"care_plan.start", "care_plan.edit"}
    # What the plan's sections say came through; goals and actions are not copied by a create.
    assert body["description"] == arthurs["description"]
    assert [n["text"] for n in body["note"][:2]] == [n["text"] for n in arthurs["note"][:2]]
    assert (
        body["activity"][0]["detail"]["scheduledTiming"]
        == (arthurs["activity"][0]["detail"]["scheduledTiming"])
    )
    assert "goal" not in body
    assert plan.contingency.startswith("If Arthur is distressed")

    arthurs_goal = _ok(sam.get(f"/Goal/{Goal.objects.get(plan__person=region.arthur).pk}"))
    copy = _copy_for(arthurs_goal, region.margaret.pk)
    copy.pop("achievementStatus")
    copy.pop("note")
    made = _send(client, region, "POST", "/Goal", copy)
    goal = _ok(made, 201)
    FhirGoal.model_validate(goal)
    assert made["Location"].endswith(f"/Goal/{goal['id']}")
    assert goal["description"] == arthurs_goal["description"]
    assert goal["target"] == arthurs_goal["target"]
    assert goal["extension"] == arthurs_goal["extension"]
    assert goal["category"] == arthurs_goal["category"]
    assert goal["achievementStatus"]["coding"][0]["code"] == "in-progress"
    margarets = _ok(sam.get("/CarePlan", {"patient": str(region.margaret.pk)}))
    assert margarets["entry"][0]["resource"]["goal"][0]["reference"] == f"Goal/{goal['id']}"


def test_if_none_exist_creates_once_and_refuses_ambiguity(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    margaret = region.margaret.pk
    body = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": f"Patient/{margaret}"},
        "description": "Staying in my own home.",
    }
    condition = f"patient=Patient/{margaret}&status=active"
    first = _send(client, region, "POST", "/CarePlan", body, **{"If-None-Exist": condition})
    created = _ok(first, 201)
    again = _send(client, region, "POST", "/CarePlan", body, **{"If-None-Exist": condition})
    assert _ok(again)["id"] == created["id"]
    assert CarePlan.objects.filter(person_id=margaret).count() == 1
    # Without the condition, a second active plan is refused in words.
    refused = outcome(_send(client, region, "POST", "/CarePlan", body), 422)
    assert "already has a care plan" in refused["issue"][0]["diagnostics"]
    # Close it and start another: the condition without a status now matches two.
    CarePlan.objects.filter(pk=created["id"]).update(status=PlanStatus.CLOSED)
    _ok(_send(client, region, "POST", "/CarePlan", body), 201)
    ambiguous = _send(
        client, region, "POST", "/CarePlan", body, **{"If-None-Exist": f"patient={margaret}"}
    )
    assert outcome(ambiguous, 412)["issue"][0]["code"] == "duplicate"
    assert CarePlan.objects.filter(person_id=margaret).count() == 2
    closed = _ok(fhir_as("social_worker").get("/CarePlan", {"patient": str(margaret)}))
    assert [e["resource"]["status"] for e in closed["entry"]] == ["active", "completed"]


def test_put_changes_the_sections_with_if_match(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    plan = _arthurs_plan(region)
    sam = fhir_as("social_worker")
    current = _ok(sam.get(f"/CarePlan/{plan.pk}"))
    current["description"] = "Music, company, and Edna's visits."
    missing = _send(client, region, "PUT", f"/CarePlan/{plan.pk}", current)
    assert outcome(missing, 428)["issue"][0]["expression"] == ["If-Match"]
    stale = _send(client, region, "PUT", f"/CarePlan/{plan.pk}", current, **{"If-Match": 'W/"1"'})
    assert outcome(stale, 412)["issue"][0]["code"] == "conflict"
    assert stale["ETag"] == f'"{plan.pk}-{plan.version}"'
    changed = _send(
        client,
        region,
        "PUT",
        f"/CarePlan/{plan.pk}",
        current,
        **{"If-Match": f'W/"{plan.version}"'},
    )
    body = _ok(changed)
    assert body["description"] == "Music, company, and Edna's visits."
    assert body["meta"]["versionId"] == str(plan.version + 1)
    plan.refresh_from_db()
    assert plan.what_matters == "Music, company, and Edna's visits."
    assert plan.contingency.startswith("If Arthur is distressed")
    # The version read before is now stale: the same request again is refused.
    again = _send(
        client,
        region,
        "PUT",
        f"/CarePlan/{plan.pk}",
        current,
        **{"If-Match": f'W/"{plan.version - 1}"'},
    )
    outcome(again, 412)


def test_writes_the_role_or_relationship_does_not_allow(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    plan = _arthurs_plan(region)
    current = _ok(fhir_as("social_worker").get(f"/CarePlan/{plan.pk}"))
    tag = {"If-Match": f'W/"{plan.version}"'}
    outsider = _send(client, region, "PUT", f"/CarePlan/{plan.pk}", current, "outsider", **tag)
    outcome(outsider, 404)
    copy = _copy_for(current, region.arthur.pk)
    colin = _send(client, region, "POST", "/CarePlan", copy, "outsider")
    assert outcome(colin, 422)["issue"][0]["expression"] == ["CarePlan.subject"]
    plan.refresh_from_db()
    assert plan.what_matters == current["description"]


@pytest.mark.parametrize(
    ("change", "status", "expression"),
    [
        ({"period": {"start": "last Tuesday"}}, 400, "CarePlan.period.start"),
        ({"status": "finished"}, 400, "CarePlan.status"),
        ({"intent": "order"}, 422, "CarePlan.intent"),
        ({"status": "revoked"}, 422, "CarePlan.status"),
        ({"subject": {"reference": "Practitioner/x"}}, 400, "CarePlan.subject.reference"),
        (
            {"subject": {"reference": f"Patient/{'0' * 8}-0000-4000-8000-{'0' * 12}"}},
            422,
            "CarePlan.subject",
        ),
        (
            {
                "activity": [
                    {
                        "detail": {
                            "code": {
                                "coding": [
                                    {
                                        "system": "https://joinedup.example/fhir/CodeSystem/"
                                        "care-plan-activity",
                                        "code": "review",
                                    }
                                ]
                            },
                            "status": "scheduled",
                            "scheduledTiming": {"repeat": {"period": 3, "periodUnit": "mo"}},
                        }
                    }
                ]
            },
            422,
            "CarePlan.activity.detail.scheduledTiming.repeat",
        ),
    ],
)
def test_a_bad_care_plan_is_refused_naming_the_element(
    region: Region, fhir_as: FhirAs, client: Client, change: Json, status: int, expression: str
) -> None:
    plan = _arthurs_plan(region)
    current = _ok(fhir_as("social_worker").get(f"/CarePlan/{plan.pk}"))
    tag = {"If-Match": f'W/"{plan.version}"'}
    refused = _send(client, region, "PUT", f"/CarePlan/{plan.pk}", {**current, **change}, **tag)
    assert outcome(refused, status)["issue"][0]["expression"] == [expression]
    plan.refresh_from_db()
    assert plan.version == int(current["meta"]["versionId"])


def test_a_goal_without_all_five_levels_is_refused(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    goal = Goal.objects.get(plan__person=region.arthur)
    body = _ok(fhir_as("social_worker").get(f"/Goal/{goal.pk}"))
    copy = _copy_for(body, region.arthur.pk)
    copy["target"] = copy["target"][:4]
    refused = outcome(_send(client, region, "POST", "/Goal", copy), 422)
    assert refused["issue"][0]["expression"] == ["Goal.target"]
    assert "all five levels" in refused["issue"][0]["diagnostics"]
    stale = _send(
        client, region, "POST", "/Goal", _copy_for(body, region.arthur.pk), **{"If-Match": 'W/"1"'}
    )
    outcome(stale, 412)
    no_plan = _copy_for(body, region.margaret.pk)
    assert outcome(_send(client, region, "POST", "/Goal", no_plan), 422)["issue"][0][
        "expression"
    ] == ["Goal.subject"]
    assert Goal.objects.filter(plan__person=region.arthur).count() == 1


def test_emergency_access_reads_the_plan_but_cannot_change_it(
    region: Region, fhir_as: FhirAs, client: Client
) -> None:
    """Colin, under break-glass, may read Margaret's plan but not change it: 403 in words, and
    the plan stays as it was. Goals are not changed over FHIR at all (405)."""
    plan = start_care_plan(actor=region.actor("nurse"), person=region.margaret)
    colin = region.actor("outsider")
    assert colin.user is not None
    start_break_glass(
        actor=colin,
        person_id=region.margaret.pk,
        reason_code=BreakGlassReason.EMERGENCY_CARE,
        reason="Admitted overnight, unconscious; need to know what matters to her.",
        confirmed=True,
        second_factor_code=pyotp.TOTP(colin.user.totp_secret).now(),
    )
    current = _ok(fhir_as("outsider").get(f"/CarePlan/{plan.pk}"))
    current["description"] = "Changed by someone who may not."
    tag = {"If-Match": f'W/"{plan.version}"'}
    refused = _send(client, region, "PUT", f"/CarePlan/{plan.pk}", current, "outsider", **tag)
    assert outcome(refused, 403)["issue"][0]["code"] == "forbidden"
    plan.refresh_from_db()
    assert plan.version == 1
    assert plan.what_matters != "Changed by someone who may not."
    goal = Goal.objects.get(plan__person=region.arthur)
    body = _ok(fhir_as("social_worker").get(f"/Goal/{goal.pk}"))
    put = _send(client, region, "PUT", f"/Goal/{goal.pk}", body)
    assert outcome(put, 405)["issue"][0]["code"] == "not-supported"
    assert put["Allow"] == "GET"
