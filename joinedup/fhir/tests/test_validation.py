"""Checking incoming FHIR resources (fhir/validation.py): the fhir.resources models for the
structure, then joinedup's code bindings, reference target types and NHS number checks, each
problem named by its element. Published HL7 and UK Core examples are the test data for "valid
things pass"; a partner system sending a Task PUT is the scenario for the wiring."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from joinedup.conftest import Region
from joinedup.directory.models import Service
from joinedup.fhir import mapping, mapping_referrals
from joinedup.fhir.tests.conftest import EXAMPLES, FHIR, FHIR_JSON, Json, token_of
from joinedup.fhir.validation import (
    MAX_DEPTH,
    Issue,
    bindings,
    errors_in,
    invalid_response,
    outcome,
    validate,
)
from joinedup.referrals.models import Referral
from joinedup.referrals.services import draft_referral, send_referral

NHS = "https://fhir.nhs.uk/Id/nhs-number"


def _example(name: str) -> Json:
    found = sorted(EXAMPLES.glob(f"*/{name}"))
    if not found:
        pytest.skip(f"the published FHIR examples are not at {EXAMPLES}")
    loaded: Json = json.loads(found[0].read_text(encoding="utf-8"))
    return loaded


def _where(issues: list[Issue]) -> dict[str, Issue]:
    return {issue.expression or "": issue for issue in issues}


def _task(**more: Any) -> Json:
    return {"resourceType": "Task", "status": "requested", "intent": "order", **more}


# -- published examples ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Patient-example.json",
        "Patient-f001.json",
        "Task-example1.json",
        "Task-example2.json",
        "CarePlan-example.json",
        "CarePlan-f001.json",
        "Consent-consent-example-basic.json",
        "Consent-consent-example-Out.json",
        "CareTeam-example.json",
        "Goal-example.json",
        "RelatedPerson-peter.json",
        "ServiceRequest-example.json",
        "Communication-example.json",
        "Bundle-bundle-transaction.json",
        "UKCore-Patient-RichardSmith-Example.json",
        "UKCore-Task-Colonoscopy-Example.json",
        "UKCore-CarePlan-WellnessPlan-Example.json",
        "UKCore-CareTeam-WeightManagementTeam-Example.json",
        "UKCore-Consent-ForInformationAccess-Example.json",
        "UKCore-RelatedPerson-JoySmith-Example.json",
        "UKCore-ServiceRequest-HipReplacement-Example.json",
    ],
)
def test_published_examples_pass(name: str) -> None:
    assert validate(_example(name)) == []


def test_a_published_example_with_a_bad_nhs_number_is_caught() -> None:
    """UK Core's baby example carries 9912003890, whose check digit should be 6, not 0."""
    [issue] = validate(_example("UKCore-Patient-BabyPatient-Example.json"))
    assert issue.expression == "Patient.identifier[0].value"
    assert issue.code == "value"
    assert "9912003890" in issue.diagnostics
    assert "Modulus 11" in issue.diagnostics


def test_a_published_task_outside_the_referral_pattern_is_named() -> None:
    """HL7's Task example 3 is a draft Task about a medication order: its focus is not a
    referral, and that is said. (Draft is a status joinedup uses too: a referral not yet
    sent; the referral services refuse moving one back to draft.)"""
    issues = _where(validate(_example("Task-example3.json"), "Task"))
    assert "Task.status" not in issues
    assert issues["Task.focus.reference"].diagnostics == (
        "Task.focus must refer to a ServiceRequest, not a MedicationRequest."
    )


# -- structure, from the fhir.resources models -----------------------------------------------


def test_a_birth_date_that_is_not_a_date_names_the_element() -> None:
    issues = validate({"resourceType": "Patient", "birthDate": "31/02/1950"}, "Patient")
    [issue] = issues
    assert issue.expression == "Patient.birthDate"
    assert issue.code == "value"
    assert "YYYY-MM-DD" in issue.diagnostics


def test_missing_required_elements_each_get_an_issue() -> None:
    issues = _where(validate({"resourceType": "Task"}))
    assert set(issues) == {"Task.status", "Task.intent"}
    assert {issue.code for issue in issues.values()} == {"required"}


def test_a_string_where_an_object_belongs_is_named_with_its_index() -> None:
    issues = validate(_task(input=[{"type": "weight", "valueString": "60 kg"}]))
    [issue] = issues
    assert issue.expression == "Task.input[0].type"
    assert issue.code == "structure"
    assert issue.diagnostics == "Task.input[0].type must be an object ({…}), not text."


def test_an_unknown_element_is_named() -> None:
    [issue] = validate({"resourceType": "Patient", "gendre": "female"})
    assert issue.expression == "Patient.gendre"
    assert "no element" in issue.diagnostics


def test_two_choices_of_one_element_are_refused() -> None:
    [issue] = validate(
        {"resourceType": "Patient", "deceasedBoolean": True, "deceasedDateTime": "2024-01-01"}
    )
    assert issue.expression == "Patient"
    assert "deceasedBoolean, deceasedDateTime" in issue.diagnostics


# -- the resource type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "expected", "code", "words"),
    [
        ({"status": "requested"}, "Task", "required", 'Give resourceType: "Task".'),
        ({"resourceType": "Carrot"}, None, "not-supported", "no FHIR resource called 'Carrot'"),
        ({"resourceType": "HumanName"}, None, "not-supported", "no FHIR resource called"),
        ({"resourceType": "Patient"}, "Task", "invalid", "takes a Task resource, but this is a"),
        ({"resourceType": 7}, None, "structure", "resourceType must be text"),
    ],
)
def test_the_resource_type_is_checked(
    resource: Json, expected: str | None, code: str, words: str
) -> None:
    [issue] = validate(resource, expected)
    assert issue.code == code
    assert words in issue.diagnostics
    assert issue.expression == (f"{expected}.resourceType" if expected else "resourceType")


# -- code bindings --------------------------------------------------------------------------


def test_a_task_status_outside_the_referral_pattern_is_refused() -> None:
    [issue] = validate(_task(status="ready"))
    assert issue.expression == "Task.status"
    assert issue.code == "code-invalid"
    assert issue.diagnostics.startswith("'ready' is not a code Task.status may hold.")
    assert "on-hold" in issue.diagnostics


@pytest.mark.parametrize(
    ("resource", "expression"),
    [
        ({"resourceType": "Patient", "gender": "F"}, "Patient.gender"),
        (
            {"resourceType": "RelatedPerson", "patient": {"display": "M"}, "gender": "woman"},
            "RelatedPerson.gender",
        ),
        (
            {
                "resourceType": "CarePlan",
                "status": "open",
                "intent": "plan",
                "subject": {"display": "M"},
            },
            "CarePlan.status",
        ),
        (
            {
                "resourceType": "CarePlan",
                "status": "active",
                "intent": "wish",
                "subject": {"display": "M"},
            },
            "CarePlan.intent",
        ),
        (
            {
                "resourceType": "Goal",
                "lifecycleStatus": "done",
                "description": {"text": "Walk"},
                "subject": {"display": "M"},
            },
            "Goal.lifecycleStatus",
        ),
        ({"resourceType": "CareTeam", "status": "current"}, "CareTeam.status"),
        ({"resourceType": "Communication", "status": "sent"}, "Communication.status"),
        (
            {
                "resourceType": "ServiceRequest",
                "status": "sent",
                "intent": "order",
                "subject": {"display": "M"},
            },
            "ServiceRequest.status",
        ),
        ({"resourceType": "Task", "status": "requested", "intent": "request"}, "Task.intent"),
    ],
)
def test_each_bound_element_refuses_codes_outside_its_value_set(
    resource: Json, expression: str
) -> None:
    [issue] = validate(resource)
    assert (issue.expression, issue.code) == (expression, "code-invalid")


def test_nested_consent_provisions_follow_the_same_binding() -> None:
    consent = _example("Consent-consent-example-basic.json")
    consent["provision"] = {"type": "permit", "provision": [{"type": "allow"}]}
    [issue] = validate(consent)
    assert issue.expression == "Consent.provision.provision[0].type"
    assert "deny, permit" in issue.diagnostics


def test_every_code_joinedup_serves_for_a_task_is_in_the_binding() -> None:
    """Every Task status joinedup writes for a referral is accepted back (an export must
    import), draft included: a referral not yet sent. The referral services, not the binding,
    refuse moving a sent referral back to draft."""
    served = set(mapping_referrals.TASK_STATUS.values())
    assert served <= bindings().codes["Task.status"]
    assert "received" in bindings().codes["Task.status"]


# -- reference target types -----------------------------------------------------------------


def test_a_task_focus_pointing_at_a_patient_is_refused() -> None:
    [issue] = validate(_task(focus={"reference": "Patient/123"}))
    assert issue.expression == "Task.focus.reference"
    assert issue.code == "value"
    assert issue.diagnostics == "Task.focus must refer to a ServiceRequest, not a Patient."


@pytest.mark.parametrize(
    "reference",
    [
        "ServiceRequest/5c9bb5a0-2b5c-4f0e-9f5e-8b6c3c1e2a11",
        "https://partner.example.nhs.uk/fhir/R4/ServiceRequest/abc-123",
        "ServiceRequest/abc/_history/3",
    ],
)
def test_relative_and_absolute_references_are_read_by_their_type(reference: str) -> None:
    assert validate(_task(focus={"reference": reference})) == []


def test_an_owner_may_be_any_of_its_types_but_not_a_patient() -> None:
    for kind in ("Organization", "Practitioner", "PractitionerRole", "HealthcareService"):
        assert validate(_task(owner={"reference": f"{kind}/1"})) == []
    [issue] = validate(_task(owner={"reference": "Patient/1"}))
    assert issue.diagnostics == (
        "Task.owner must refer to an Organization, Practitioner, PractitionerRole or "
        "HealthcareService, not a Patient."
    )


def test_urn_uuid_references_only_inside_a_bundle() -> None:
    task = _task(focus={"reference": "urn:uuid:5c9bb5a0-2b5c-4f0e-9f5e-8b6c3c1e2a11"})
    [issue] = validate(task)
    assert issue.expression == "Task.focus.reference"
    assert "only means something inside a Bundle" in issue.diagnostics
    assert validate(task, in_bundle=True) == []
    broken = _task(focus={"reference": "urn:uuid:not-a-uuid"})
    assert "not a valid urn:uuid" in validate(broken, in_bundle=True)[0].diagnostics


def test_bundle_entries_are_checked_as_their_own_resources() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:5c9bb5a0-2b5c-4f0e-9f5e-8b6c3c1e2a11",
                "resource": {"resourceType": "Patient", "gender": "female"},
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": _task(
                    **{"for": {"reference": "urn:uuid:5c9bb5a0-2b5c-4f0e-9f5e-8b6c3c1e2a11"}},
                    focus={"reference": "Patient?identifier=9434765919"},
                ),
                "request": {"method": "POST", "url": "Task"},
            },
        ],
    }
    [issue] = validate(bundle)
    assert issue.expression == "Bundle.entry[1].resource.focus.reference"
    assert issue.diagnostics == (
        "Bundle.entry[1].resource.focus must refer to a ServiceRequest, not a Patient."
    )


def test_references_that_cannot_be_followed_are_refused() -> None:
    issues = _where(
        validate(
            _task(
                focus={"reference": "the lipid panel"},
                owner={"reference": "Clinic/4"},
                requester={"reference": "#nobody"},
            )
        )
    )
    assert "write Type/id" in issues["Task.focus.reference"].diagnostics
    assert issues["Task.owner.reference"].diagnostics == (
        "Task.owner refers to 'Clinic', but there is no FHIR resource called that."
    )
    assert "no contained resource" in issues["Task.requester.reference"].diagnostics


def test_a_contained_reference_is_checked_by_what_it_contains() -> None:
    task = _task(
        contained=[{"resourceType": "Patient", "id": "p"}],
        focus={"reference": "#p"},
        **{"for": {"reference": "#p"}},
    )
    [issue] = validate(task)
    assert issue.expression == "Task.focus.reference"


def test_a_declared_reference_type_is_checked_too() -> None:
    [issue] = validate(_task(focus={"type": "Patient", "identifier": {"value": "x"}}))
    assert issue.expression == "Task.focus.type"


# -- NHS numbers ----------------------------------------------------------------------------


def test_a_wrong_check_digit_is_named_at_the_identifier_value() -> None:
    def patient(nhs_number: str) -> Json:
        return {"resourceType": "Patient", "identifier": [{"system": NHS, "value": nhs_number}]}

    [issue] = validate(patient("9434765918"), "Patient")
    assert issue.expression == "Patient.identifier[0].value"
    assert issue.code == "value"
    assert "'9434765918' is not a valid NHS number" in issue.diagnostics
    assert validate(patient("9434765919"), "Patient") == []


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("943 476 5919", "10 digits with no spaces"),
        ("943476591", "10 digits with no spaces"),
        ("1111111111", "one digit 10 times"),
    ],
)
def test_nhs_numbers_are_written_as_ten_digits(value: str, words: str) -> None:
    [issue] = validate({"resourceType": "Patient", "identifier": [{"system": NHS, "value": value}]})
    assert words in issue.diagnostics


def test_nhs_numbers_in_references_are_checked_too() -> None:
    task = _task(**{"for": {"identifier": {"system": NHS, "value": "9990001112"}}})
    [issue] = validate(task)
    assert issue.expression == "Task.for.identifier.value"


def test_other_identifier_systems_are_left_alone() -> None:
    patient = {"resourceType": "Patient", "identifier": [{"system": "urn:x", "value": "1"}]}
    assert validate(patient) == []


# -- junk -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("junk", "words"),
    [
        ([{"resourceType": "Task"}], "not a list"),
        ("Task", "not text"),
        (42, "not a number"),
        (None, "not null"),
    ],
)
def test_junk_gets_one_plain_issue(junk: object, words: str) -> None:
    [issue] = validate(junk, "Task")
    assert issue.code == "structure"
    assert words in issue.diagnostics
    assert issue.expression == "Task"


def test_nesting_beyond_any_real_resource_is_refused_without_recursing() -> None:
    extension: Json = {"url": "https://example.org/x", "valueString": "bottom"}
    for _ in range(5000):
        extension = {"url": "https://example.org/x", "extension": [extension]}
    [issue] = validate(_task(extension=[extension]))
    assert f"more than {MAX_DEPTH} levels" in issue.diagnostics


def test_a_contained_resource_of_no_known_type_is_named() -> None:
    issues = validate(_task(contained=[{"resourceType": "Gizmo", "id": "g"}]))
    [issue] = issues
    assert issue.expression == "Task.contained[0].resourceType"
    assert "no FHIR resource called 'Gizmo'" in issue.diagnostics


def test_a_resource_broken_everywhere_gets_a_summary_not_a_flood() -> None:
    patient = {"resourceType": "Patient", "identifier": [{"system": NHS, "value": "1"}] * 200}
    issues = validate(patient)
    assert len(issues) == 50
    assert issues[-1].diagnostics == "There are 151 more problems, not listed here."


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["Patient/1", "#x", "urn:uuid:1", NHS, "requested", "Task"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "resourceType",
                    "status",
                    "intent",
                    "focus",
                    "for",
                    "owner",
                    "reference",
                    "identifier",
                    "system",
                    "value",
                    "contained",
                    "entry",
                    "resource",
                    "input",
                    "type",
                    "gender",
                    "birthDate",
                    "extension",
                    "url",
                    "provision",
                    "id",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=JSON_VALUES,
    resource_type=st.sampled_from(["Task", "Patient", "Consent", "Bundle", "Nope", ""]),
)
def test_validate_never_raises_and_always_answers_valid_outcomes(
    body: object, resource_type: str
) -> None:
    if isinstance(body, dict) and resource_type:
        body = {**body, "resourceType": resource_type}
    issues = validate(body, "Task")
    if issues:
        OperationOutcome.model_validate(outcome(issues))
        assert all(issue.diagnostics for issue in issues)


# -- the OperationOutcome and the answer -----------------------------------------------------


def test_all_issues_go_into_one_operation_outcome() -> None:
    issues = validate(
        {"resourceType": "Task", "status": "ready", "focus": {"reference": "Patient/1"}}
    )
    body = outcome(issues)
    OperationOutcome.model_validate(body)
    assert [issue["expression"] for issue in body["issue"]] == [
        ["Task.intent"],
        ["Task.status"],
        ["Task.focus.reference"],
    ]
    response = invalid_response(issues)
    assert response.status_code == 400
    assert response["Content-Type"] == FHIR_JSON
    assert json.loads(response.content) == body


def test_business_rules_alone_answer_422() -> None:
    rule = Issue("error", "business-rule", "A rejection needs a reason.", "Task.statusReason")
    assert invalid_response([rule]).status_code == 422
    assert errors_in([Issue("warning", "value", "Odd.", None), rule]) == [rule]


# -- what joinedup itself serves ------------------------------------------------------------


def test_what_joinedup_serves_passes_its_own_checks(region: Region) -> None:
    assert validate(mapping.patient(region.margaret), "Patient") == []
    referral = _referral_to_sam(region)
    assert validate(mapping_referrals.task(referral), "Task") == []
    assert validate(mapping_referrals.service_request(referral), "ServiceRequest") == []


# -- the Task PUT ---------------------------------------------------------------------------


def _put(client: Client, region: Region, referral: Referral, body: object) -> Any:
    return client.put(
        f"{FHIR}/Task/{referral.pk}",
        json.dumps(body),
        content_type=FHIR_JSON,
        headers={
            "Authorization": f"Bearer {token_of(region, 'social_worker')}",
            "If-Match": f'"{referral.pk}-{referral.version}"',
        },
    )


def test_a_partner_sending_a_bad_task_hears_every_problem(region: Region, client: Client) -> None:
    referral = _referral_to_sam(region)
    body = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "status": "acepted",
        "intent": "order",
        "focus": {"reference": f"Patient/{region.margaret.pk}"},
        "for": {"identifier": {"system": NHS, "value": "9990001112"}},
        "lastModified": "yesterday",
    }
    response = _put(client, region, referral, body)
    assert response.status_code == 400
    answer = json.loads(response.content)
    OperationOutcome.model_validate(answer)
    named = {issue["expression"][0]: issue for issue in answer["issue"]}
    assert set(named) == {
        "Task.lastModified",
        "Task.status",
        "Task.focus.reference",
        "Task.for.identifier.value",
    }
    assert named["Task.status"]["code"] == "code-invalid"
    referral.refresh_from_db()
    assert referral.status == "requested"


@pytest.mark.parametrize(
    "junk", [[], "Task", {"resourceType": "Tsak"}, {"resourceType": "Task", "status": 5}]
)
def test_junk_task_bodies_get_an_outcome_not_a_server_error(
    region: Region, client: Client, junk: object
) -> None:
    referral = _referral_to_sam(region)
    response = _put(client, region, referral, junk)
    assert response.status_code == 400
    answer = json.loads(response.content)
    OperationOutcome.model_validate(answer)
    assert answer["issue"][0]["expression"][0].startswith("Task")


def test_a_body_nested_beyond_reason_gets_an_outcome(region: Region, client: Client) -> None:
    referral = _referral_to_sam(region)
    response = client.put(
        f"{FHIR}/Task/{referral.pk}",
        "[" * 50_000 + "]" * 50_000,
        content_type=FHIR_JSON,
        headers={
            "Authorization": f"Bearer {token_of(region, 'social_worker')}",
            "If-Match": f'"{referral.pk}-{referral.version}"',
        },
    )
    assert response.status_code == 400
    [issue] = json.loads(response.content)["issue"]
    assert issue["code"] == "structure"


def _referral_to_sam(region: Region) -> Referral:
    draft = draft_referral(
        actor=region.actor("nurse"),
        person=region.margaret,
        service=Service.objects.get(name="Adult social care assessment"),
        reason="Struggling with washing and dressing since her fall.",
        what_matters="Staying in her own home.",
        questions="Is she eligible for home care?",
        items=[],
    )
    return send_referral(actor=region.actor("nurse"), referral=draft)
