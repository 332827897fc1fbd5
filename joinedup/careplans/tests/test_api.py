"""/api/v1/people/{id}/care-plan over real HTTP: a running server, httpx, personas' tokens.

Margaret Price's care team builds her plan: Nadia Okafor (community nurse) starts it; Sam
Whitaker (social worker, her lead professional, the council) and Dr Priya Shah (GP) read it;
Aisha Khan (carers centre volunteer) may not be given wound care; Colin Firth (a care home with
no part in her care) finds nothing. `live_server` flushes the database after each test; the
region is built again before the next (joinedup/conftest.py)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from joinedup.accounts.services import create_api_token
from joinedup.audit.models import AuditEvent
from joinedup.careplans.models import Goal
from joinedup.conftest import Region

pytestmark = pytest.mark.django_db(transaction=True)

Json = dict[str, Any]

LEVELS = {
    "level_minus_2": "Cannot get to the shop at all",
    "level_minus_1": "Gets to the corner shop with Sarah",
    "level_0": "Walks to the corner shop on her own once a week",
    "level_plus_1": "Walks to the shop on her own twice a week",
    "level_plus_2": "Walks to the market in town on her own",
}


@pytest.fixture
def http(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=20) as client:
        yield client


@pytest.fixture
def as_(db: Any) -> Callable[[str], dict[str, str]]:
    """as_("nurse"): the Authorization header for a fresh token of that persona."""
    region = Region()

    def headers(key: str) -> dict[str, str]:
        token = create_api_token(
            user=region.user(key), role_profile=region.role_profile(key), name=f"tests: {key}"
        ).token
        return {"Authorization": f"Bearer {token}"}

    return headers


def _plan(region: Region) -> str:
    return f"/people/{region.margaret.pk}/care-plan"


def _last_audit_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _at(location: str) -> str:
    """A Location (a path from the server's root) for the client, whose base is /api/v1."""
    assert location.startswith("/api/v1/")
    return location.removeprefix("/api/v1")


def _problem(response: httpx.Response, status: int) -> Json:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: Json = response.json()
    assert body["status"] == status
    return body


def _goal(words: str = "I want to get to the shops again on my own.", weight: float = 1) -> Json:
    return {
        "in_their_words": words,
        "measurable": "Walks to the corner shop without help",
        **LEVELS,
        "weight": weight,
    }


def _wound_care(assignee: object, due_in_days: int = 3) -> Json:
    return {
        "what": "Change the leg ulcer dressing",
        "action_type": "wound_care",
        "due_on": (timezone.localdate() + timedelta(days=due_in_days)).isoformat(),
        "assignee": str(assignee),
    }


def _start(http: httpx.Client, region: Region, headers: dict[str, str]) -> str:
    """Start Margaret's plan; its ETag."""
    started = http.post(_plan(region), json={}, headers=headers)
    assert started.status_code == 201, started.text
    return started.headers["etag"]


def _post(
    http: httpx.Client, path: str, body: Json, headers: dict[str, str], etag: str, **extra: str
) -> httpx.Response:
    return http.post(path, json=body, headers={**headers, "If-Match": etag, **extra})


# -- building a plan ------------------------------------------------------------------------


def test_the_nurse_starts_margarets_plan_and_adds_a_goal_and_an_action(
    http: httpx.Client, as_: Callable[[str], dict[str, str]]
) -> None:
    region = Region()
    nurse = as_("nurse")
    none_yet = _problem(http.get(_plan(region), headers=nurse), 404)
    assert none_yet["type"].endswith("/no-care-plan")
    assert none_yet["detail"].endswith(f"POST to /api/v1{_plan(region)}.")

    started = http.post(_plan(region), json={"review_every_weeks": 8}, headers=nurse)

    assert started.status_code == 201, started.text
    plan = started.json()
    assert started.headers["etag"] == f'"{plan["id"]}-1"'
    assert started.headers["location"] == f"/api/v1/people/{region.margaret.pk}/care-plan"
    assert plan["person_id"] == str(region.margaret.pk)
    assert plan["owner"]["name"] == "Sam Whitaker"  # her lead professional owns it
    assert "Weavers Row" in plan["what_matters"]  # from her About Me
    assert plan["review_every_weeks"] == 8

    audited = _last_audit_event()
    goal = _post(http, f"{_plan(region)}/goals", _goal(), nurse, started.headers["etag"])
    assert goal.status_code == 201, goal.text
    [event] = AuditEvent.objects.filter(pk__gt=audited)
    assert (event.action, event.channel, event.person_id) == (
        "care_plan.edit",
        "api",
        region.margaret.pk,
    )
    assert event.reason == "Version 2: Goal set"
    assert goal.headers["etag"] == f'"{plan["id"]}-2"'
    goal_id = goal.json()["id"]
    assert goal.headers["location"].endswith(f"/care-plan/goals/{goal_id}")
    assert goal.json()["level_0"] == LEVELS["level_0"]

    action = _post(
        http,
        f"{_plan(region)}/actions",
        {**_wound_care(region.role_profile("nurse").pk), "goal": goal_id},
        nurse,
        goal.headers["etag"],
    )
    assert action.status_code == 201, action.text
    assert action.headers["etag"] == f'"{plan["id"]}-3"'
    assert action.json()["assignee"]["name"] == "Nadia Okafor"
    assert action.json()["status"] == {"code": "planned", "label": "Planned"}
    assert action.json()["goal_id"] == goal_id

    read = http.get(_at(started.headers["location"]), headers=nurse)
    assert read.status_code == 200
    assert read.headers["etag"] == action.headers["etag"]
    assert [g["id"] for g in read.json()["goals"]] == [goal_id]
    assert [a["what"] for a in read.json()["actions"]] == ["Change the leg ulcer dressing"]
    one_goal = http.get(_at(goal.headers["location"]), headers=nurse)
    assert one_goal.status_code == 200
    assert one_goal.json()["in_their_words"] == "I want to get to the shops again on my own."

    again = _problem(http.post(_plan(region), json={}, headers=nurse), 422)
    assert again["detail"] == "This person already has a care plan. Add to it instead."
    history = http.get(f"{_plan(region)}/history", headers=nurse).json()
    assert [v["summary"] for v in history["versions"]][-1] == "Plan started"
    assert history["versions"][0]["number"] == 3
    assert history["versions"][0]["changed_by"] == "Nadia Okafor"


def test_a_plan_built_by_two_organisations_keeps_the_choice_the_dissent_and_the_agreement(
    http: httpx.Client, as_: Callable[[str], dict[str, str]]
) -> None:
    region = Region()
    nurse, social_worker = as_("nurse"), as_("social_worker")
    etag = _start(http, region, nurse)
    council = region.role_profile("social_worker").organisation
    trust = region.role_profile("nurse").organisation

    choice = _post(
        http,
        f"{_plan(region)}/choices",
        {
            "question": "Where to live after her fall",
            "options": [
                {
                    "title": "Stay at home",
                    "involves": "Home care twice a day",
                    "benefits": "Her own home",
                    "risks": "Falls at night",
                },
                {
                    "title": "Respite stay",
                    "involves": "Two weeks at Hollybank",
                    "benefits": "Safe at night",
                    "risks": "Unsettling",
                },
            ],
            "explained_how": "Face to face, with large-print notes and the hearing loop",
            "chosen": 0,
            "reasons": "It's my home and my cat is there.",
            "capacity": "has_capacity",
        },
        social_worker,
        etag,
    )
    assert choice.status_code == 201, choice.text
    assert choice.json()["chosen"] == 0
    assert choice.json()["explained_by"]["organisation"]["id"] == str(council.pk)

    decision = _post(
        http,
        f"{_plan(region)}/decisions",
        {
            "what": "Peggy stays at home with home care twice a day",
            "person_agreed": True,
            "person_view": "I want to stay in my own home.",
            "views": [
                {"kind": "person", "name": "Peggy Price", "view": "agree"},
                {
                    "kind": "professional",
                    "name": "Sam Whitaker",
                    "view": "agree",
                    "role_profile": str(region.role_profile("social_worker").pk),
                },
                {
                    "kind": "professional",
                    "name": "Nadia Okafor",
                    "view": "disagree",
                    "words": "The risk of another fall at night is high.",
                    "organisation": str(trust.pk),
                },
            ],
        },
        social_worker,
        choice.headers["etag"],
    )
    assert decision.status_code == 201, decision.text
    assert decision.json()["dissent"] is True
    assert decision.json()["views"][1]["organisation"]["id"] == str(council.pk)

    agreed = _post(
        http,
        f"{_plan(region)}/agreement",
        {"agrees": False, "not_agreed": "I don't want carers at night."},
        nurse,
        decision.headers["etag"],
    )
    assert agreed.status_code == 201, agreed.text
    assert agreed.json()["plan_version"] == 3
    assert agreed.headers["etag"] == decision.headers["etag"]  # agreeing changes no version

    plan = http.get(_plan(region), headers=as_("gp")).json()
    assert [d["dissent"] for d in plan["decisions"]] == [True]
    assert plan["choices"][0]["options"][0]["title"] == "Stay at home"
    assert plan["latest_agreement"]["not_agreed"] == "I don't want carers at night."
    assert plan["latest_agreement"]["recorded_by"]["name"] == "Nadia Okafor"


def test_an_action_moves_on_and_cancelling_needs_a_reason(
    http: httpx.Client, as_: Callable[[str], dict[str, str]]
) -> None:
    region = Region()
    nurse = as_("nurse")
    etag = _start(http, region, nurse)
    action = _post(
        http, f"{_plan(region)}/actions", _wound_care(region.role_profile("nurse").pk), nurse, etag
    )
    status = f"{_plan(region)}/actions/{action.json()['id']}/status"

    no_reason = _post(http, status, {"status": "cancelled"}, nurse, action.headers["etag"])
    assert _problem(no_reason, 422)["errors"][0]["pointer"] == "#/reason"

    started = _post(http, status, {"status": "in_progress"}, nurse, action.headers["etag"])
    assert started.status_code == 200, started.text
    assert started.json()["status"]["code"] == "in_progress"
    done = _post(http, status, {"status": "done"}, nurse, started.headers["etag"])
    assert done.json()["status"]["code"] == "done"
    again = _post(http, status, {"status": "planned"}, nurse, done.headers["etag"])
    assert "cannot become" in _problem(again, 422)["detail"]
    assert http.get(_plan(region), headers=nurse).headers["etag"] == done.headers["etag"]


# -- concurrency: If-Match ------------------------------------------------------------------


def test_a_racing_edit_gives_one_success_and_one_412_and_keeps_the_first(
    http: httpx.Client, live_server: Any, as_: Callable[[str], dict[str, str]]
) -> None:
    """Nadia and Sam both change the plan they read at the same version. On PostgreSQL the two
    requests really run at once; SQLite's in-memory test database is one connection shared by
    the server's threads, so there they are sent one after the other (the second still stale)."""
    region = Region()
    nurse, social_worker = as_("nurse"), as_("social_worker")
    seen = _start(http, region, nurse)
    edits = {
        "nurse": (nurse, "If her leg gets hot and red, ring the district nurses."),
        "social_worker": (social_worker, "Ring Sarah first, then the council duty team."),
    }
    answers: dict[str, httpx.Response] = {}
    barrier = threading.Barrier(len(edits))

    def edit(key: str) -> None:
        headers, words = edits[key]
        with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=20) as client:
            if together:
                barrier.wait()
            answers[key] = client.patch(
                _plan(region), json={"contingency": words}, headers={**headers, "If-Match": seen}
            )

    together = connection.vendor != "sqlite"
    if together:
        threads = [threading.Thread(target=edit, args=(key,)) for key in edits]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for key in edits:
            edit(key)

    statuses = sorted(response.status_code for response in answers.values())
    assert statuses == [200, 412], {k: r.text for k, r in answers.items()}
    [winner] = [key for key, response in answers.items() if response.status_code == 200]
    [loser] = [key for key, response in answers.items() if response.status_code == 412]
    stale = _problem(answers[loser], 412)
    current = answers[winner].headers["etag"]
    assert answers[loser].headers["etag"] == current
    assert "version 2" in stale["detail"]
    plan = http.get(_plan(region), headers=nurse)
    assert plan.json()["contingency"] == edits[winner][1]
    assert plan.headers["etag"] == current
    history = http.get(f"{_plan(region)}/history", headers=nurse).json()
    assert [v["number"] for v in history["versions"]] == [2, 1]


def test_a_change_without_if_match_is_428_and_changes_nothing(
    http: httpx.Client, as_: Callable[[str], dict[str, str]]
) -> None:
    region = Region()
    nurse = as_("nurse")
    etag = _start(http, region, nurse)

    missing = http.patch(_plan(region), json={"whom_to_call": "Sarah"}, headers=nurse)
    body = _problem(missing, 428)
    assert "If-Match" in body["detail"]
    star = http.post(f"{_plan(region)}/goals", json=_goal(), headers={**nurse, "If-Match": "*"})
    _problem(star, 428)
    garbled = http.patch(
        _plan(region), json={"whom_to_call": "Sarah"}, headers={**nurse, "If-Match": "2"}
    )
    assert _problem(garbled, 400)["errors"][0]["name"] == "If-Match"
    other_plan = http.patch(
        _plan(region),
        json={"whom_to_call": "Sarah"},
        headers={**nurse, "If-Match": f'"{uuid.uuid4()}-1"'},
    )
    assert _problem(other_plan, 412)
    after = http.get(_plan(region), headers=nurse)
    assert after.headers["etag"] == etag
    assert after.json()["whom_to_call"] == ""
    assert after.json()["goals"] == []


# -- the delegation check -------------------------------------------------------------------


def test_wound_care_given_to_aisha_is_refused_naming_the_assignee_and_why(
    http: httpx.Client, as_: Callable[[str], dict[str, str]]
) -> None:
    region = Region()
    nurse = as_("nurse")
    etag = _start(http, region, nurse)

    refused = _post(
        http,
        f"{_plan(region)}/actions",
        _wound_care(region.role_profile("voluntary").pk),
        nurse,
        etag,
    )

    body = _problem(refused, 422)
    [error] = body["errors"]
    assert error["pointer"] == "#/assignee"
    assert "Aisha Khan" in error["detail"]
    assert "needs a doctor or nurse with a verified registration" in error["detail"]
    assert body["detail"] == error["detail"]
    assert http.get(_plan(region), headers=nurse).headers["etag"] == etag  # nothing changed


# -- idempotency keys -----------------------------------------------------------------------


def test_retrying_a_goal_with_its_idempotency_key_gives_the_same_goal_once(
    http: httpx.Client, live_server: Any, as_: Callable[[str], dict[str, str]]
) -> None:
    region = Region()
    nurse = as_("nurse")
    etag = _start(http, region, nurse)
    goals = f"{_plan(region)}/goals"
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = _post(http, goals, _goal(), nurse, etag, **key)
    audited = _last_audit_event()
    retry = _post(http, goals, _goal(), nurse, etag, **key)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["etag"] == first.headers["etag"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert not AuditEvent.objects.filter(pk__gt=audited).exists()  # no work, nothing to audit
    assert Goal.objects.filter(plan__person=region.margaret).count() == 1
    plan = http.get(_plan(region), headers=nurse)
    assert [goal["id"] for goal in plan.json()["goals"]] == [first.json()["id"]]
    assert plan.headers["etag"] == first.headers["etag"]  # the retry changed nothing

    reused = _post(http, goals, _goal("I want to see my friends at church."), nurse, etag, **key)
    body = _problem(reused, 422)
    assert body["detail"].startswith("This Idempotency-Key was used with a different request")
    assert body["errors"][0]["name"] == "Idempotency-Key"
    assert len(http.get(_plan(region), headers=nurse).json()["goals"]) == 1

    if connection.vendor != "sqlite":  # see the racing-edit test: a real race needs PostgreSQL
        racing_key = {"Idempotency-Key": str(uuid.uuid4())}
        body_now = _goal("I want to walk to the park.")
        answers: list[httpx.Response] = []
        barrier = threading.Barrier(2)

        def send() -> None:
            with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=20) as client:
                barrier.wait()
                answers.append(
                    _post(client, goals, body_now, nurse, plan.headers["etag"], **racing_key)
                )

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json() == answers[1].json()
        assert len(http.get(_plan(region), headers=nurse).json()["goals"]) == 2


# -- who may see and do what ----------------------------------------------------------------


def test_the_outsider_gets_the_same_404_from_every_endpoint(
    http: httpx.Client, as_: Callable[[str], dict[str, str]]
) -> None:
    region = Region()
    nurse, outsider = as_("nurse"), as_("outsider")
    etag = _start(http, region, nurse)
    goal = _post(http, f"{_plan(region)}/goals", _goal(), nurse, etag)
    action = _post(
        http,
        f"{_plan(region)}/actions",
        _wound_care(region.role_profile("nurse").pk),
        nurse,
        goal.headers["etag"],
    )
    etag = action.headers["etag"]
    plan, action_id, goal_id = _plan(region), action.json()["id"], goal.json()["id"]
    today = timezone.localdate()
    attempts: list[tuple[str, str, Json | None]] = [
        ("GET", plan, None),
        ("GET", f"{plan}/history", None),
        ("GET", f"{plan}/goals/{goal_id}", None),
        ("GET", f"{plan}/actions/{action_id}", None),
        ("GET", f"{plan}/needs/{uuid.uuid4()}", None),
        ("GET", f"{plan}/choices/{uuid.uuid4()}", None),
        ("GET", f"{plan}/decisions/{uuid.uuid4()}", None),
        ("GET", f"{plan}/reviews/{uuid.uuid4()}", None),
        ("POST", plan, {}),
        ("PATCH", plan, {"contingency": "Anything"}),
        ("POST", f"{plan}/needs", {"kind": "need", "description": "Anything"}),
        ("POST", f"{plan}/goals", _goal()),
        ("POST", f"{plan}/actions", _wound_care(region.role_profile("outsider").pk)),
        ("POST", f"{plan}/actions/{action_id}/status", {"status": "done"}),
        (
            "POST",
            f"{plan}/choices",
            {
                "question": "Anything",
                "options": [],
                "explained_how": "Anyhow",
                "capacity": "has_capacity",
            },
        ),
        (
            "POST",
            f"{plan}/decisions",
            {
                "what": "Anything",
                "person_agreed": None,
                "views": [{"kind": "person", "name": "Peggy", "view": "agree"}],
            },
        ),
        ("POST", f"{plan}/agreement", {"agrees": True}),
        (
            "POST",
            f"{plan}/reviews",
            {
                "held_on": today.isoformat(),
                "attendance": "Anyone",
                "next_review_on": (today + timedelta(weeks=6)).isoformat(),
            },
        ),
    ]
    nowhere = http.get(f"/people/{uuid.uuid4()}/care-plan", headers=outsider)
    _problem(nowhere, 404)

    for method, path, body in attempts:
        answer = http.request(
            method, path, json=body, headers={**outsider, "If-Match": etag, "Idempotency-Key": "k"}
        )
        _problem(answer, 404)
        assert answer.content == nowhere.content, (method, path)
    assert http.get(plan, headers=nurse).headers["etag"] == etag


def test_a_review_gives_the_t_score_worked_by_hand(
    http: httpx.Client, as_: Callable[[str], dict[str, str]]
) -> None:
    region = Region()
    nurse, social_worker = as_("nurse"), as_("social_worker")
    etag = _start(http, region, nurse)
    walking = _post(http, f"{_plan(region)}/goals", _goal(weight=3), nurse, etag)
    shopping = _post(
        http,
        f"{_plan(region)}/goals",
        _goal("I want to do my own shopping.", weight=1),
        nurse,
        walking.headers["etag"],
    )
    today = timezone.localdate()

    review = _post(
        http,
        f"{_plan(region)}/reviews",
        {
            "held_on": today.isoformat(),
            "attendance": "Peggy, Sarah, Nadia Okafor, Sam Whitaker",
            "next_review_on": (today + timedelta(weeks=12)).isoformat(),
            "scores": [
                {
                    "goal": walking.json()["id"],
                    "level": -2,
                    "person_view": "My leg is still too sore.",
                },
                {"goal": shopping.json()["id"], "level": 0},
            ],
        },
        social_worker,
        shopping.headers["etag"],
    )

    # weights 3 and 1, levels −2 and 0: T = 50 + 10·(−6)/√(0.7·10 + 0.3·16) = 32.53
    assert review.status_code == 201, review.text
    assert review.json()["t_score"] == 32.53
    assert review.json()["recorded_by"]["name"] == "Sam Whitaker"
    plan = http.get(_plan(region), headers=nurse).json()
    assert plan["t_scores"] == [{"held_on": today.isoformat(), "t_score": 32.53}]
    assert plan["next_review_on"] == (today + timedelta(weeks=12)).isoformat()
    [scored] = [goal for goal in plan["goals"] if goal["id"] == walking.json()["id"]]
    assert scored["scores"][0]["level"] == -2
    assert sorted(s["level"] for s in plan["reviews"][0]["scores"]) == [-2, 0]

    unknown = _post(
        http,
        f"{_plan(region)}/reviews",
        {
            "held_on": today.isoformat(),
            "attendance": "Peggy",
            "next_review_on": (today + timedelta(weeks=1)).isoformat(),
            "scores": [{"goal": str(uuid.uuid4()), "level": 1}],
        },
        nurse,
        review.headers["etag"],
    )
    assert _problem(unknown, 422)["errors"][0]["pointer"] == "#/scores/0/goal"


def test_a_mental_health_need_reaches_the_gp_but_not_the_social_worker(
    http: httpx.Client, as_: Callable[[str], dict[str, str]]
) -> None:
    region = Region()
    nurse = as_("nurse")
    etag = _start(http, region, nurse)
    low_mood = _post(
        http,
        f"{_plan(region)}/needs",
        {
            "kind": "need",
            "description": "Low mood since her fall; needs company",
            "category": "mental_health",
        },
        nurse,
        etag,
    )
    assert low_mood.status_code == 201, low_mood.text
    sarah = _post(
        http,
        f"{_plan(region)}/needs",
        {"kind": "strength", "description": "Sarah visits every day"},
        nurse,
        low_mood.headers["etag"],
    )
    assert sarah.status_code == 201

    def needs(key: str) -> set[str]:
        answer = http.get(_plan(region), headers=as_(key))
        assert answer.status_code == 200
        return {need["description"] for need in answer.json()["needs"]}

    assert needs("gp") == {"Low mood since her fall; needs company", "Sarah visits every day"}
    assert needs("social_worker") == {"Sarah visits every day"}
    social_worker = as_("social_worker")
    hidden = http.get(_at(low_mood.headers["location"]), headers=social_worker)
    _problem(hidden, 404)
    history = http.get(f"{_plan(region)}/history", headers=social_worker).json()
    assert sum(version["hidden_changes"] for version in history["versions"]) == 1
    assert not any("Low mood" in c for v in history["versions"] for c in v["changes"])


# -- the OpenAPI document -------------------------------------------------------------------

OPERATIONS = {
    ("get", ""): "200",
    ("post", ""): "201",
    ("patch", ""): "200",
    ("get", "/history"): "200",
    ("post", "/needs"): "201",
    ("post", "/goals"): "201",
    ("post", "/actions"): "201",
    ("post", "/actions/{action_id}/status"): "200",
    ("post", "/choices"): "201",
    ("post", "/decisions"): "201",
    ("post", "/agreement"): "201",
    ("post", "/reviews"): "201",
    ("get", "/needs/{need_id}"): "200",
    ("get", "/goals/{goal_id}"): "200",
    ("get", "/actions/{action_id}"): "200",
    ("get", "/choices/{choice_id}"): "200",
    ("get", "/decisions/{decision_id}"): "200",
    ("get", "/reviews/{review_id}"): "200",
}


def test_the_openapi_document_describes_every_care_plan_operation(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    paths = document["paths"]
    schemas = document["components"]["schemas"]
    base = "/api/v1/people/{person_id}/care-plan"
    listed = {
        (method, path.removeprefix(base))
        for path, item in paths.items()
        if path.startswith(base)
        for method in item
    }
    assert listed == set(OPERATIONS)

    for (method, suffix), success in OPERATIONS.items():
        operation = paths[base + suffix][method]
        assert operation["tags"] == ["care plans"]
        assert operation["x-joinedup-access"] == "person_policy"
        assert operation["x-joinedup-audit"] == ("read" if method == "get" else "write")
        assert operation["summary"] and operation["description"]
        reference = operation["responses"][success]["content"]["application/json"]["schema"]
        assert reference["$ref"].removeprefix("#/components/schemas/") in schemas
        assert "application/problem+json" in operation["responses"]["404"]["content"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        if method == "get":
            assert "requestBody" not in operation and not headers
            continue
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].removeprefix("#/components/schemas/") in schemas
        assert ("Idempotency-Key" in headers) == (method == "post")
        if (method, suffix) != ("post", ""):
            assert "If-Match" in headers
            assert {"412", "428"} <= operation["responses"].keys()
            assert "Every change to an existing plan needs `If-Match`" in operation["description"]
    goal_in = schemas["GoalIn"]["properties"]
    assert "Much less than expected" in goal_in["level_minus_2"]["description"]
    assert '"<plan id>-<version>"' in paths[base]["get"]["description"]
