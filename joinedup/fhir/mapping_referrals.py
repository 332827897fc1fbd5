"""Referrals as FHIR R4 resources, in the SDOH Clinical Care referral pattern: a ServiceRequest
(what was asked for) and a Task whose focus is that ServiceRequest (where the work has got to).
Both have the referral's id. docs/fhir.md holds the mapping tables and the status mapping.

Pure functions of what referrals.selectors returned: nothing here reads the database on
purpose or audits."""

from __future__ import annotations

from joinedup.accounts.models import RoleProfile
from joinedup.fhir.mapping import Json, without_empty
from joinedup.fhir.mapping_directory import organisation_ref
from joinedup.referrals.models import Referral, ReferralStatus

S = ReferralStatus

# Our own code system for the reasons a service gives for not accepting a referral.
REJECTION_REASON_SYSTEM = "https://joinedup.example/fhir/CodeSystem/referral-rejection-reason"

# ServiceRequest.status: what the request itself is. Everything the receiver is still working
# on is "active"; a referral that ended without being done (not accepted, could not be done,
# cancelled) is "revoked", and the Task says which.
SERVICE_REQUEST_STATUS: dict[str, str] = {
    S.DRAFT: "draft",
    S.REQUESTED: "active",
    S.ACCEPTED: "active",
    S.IN_PROGRESS: "active",
    S.ON_HOLD: "active",
    S.COMPLETED: "completed",
    S.CANCELLED: "revoked",
    S.REJECTED: "revoked",
    S.FAILED: "revoked",
}

# Task.status: the SDOH subset, one for one with the referral's own states.
TASK_STATUS: dict[str, str] = {
    S.DRAFT: "draft",
    S.REQUESTED: "requested",
    S.ACCEPTED: "accepted",
    S.REJECTED: "rejected",
    S.IN_PROGRESS: "in-progress",
    S.ON_HOLD: "on-hold",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
    S.FAILED: "failed",
}
REFERRAL_STATUS_OF_TASK = {task: ours for ours, task in TASK_STATUS.items()}


def statuses_for_service_request(fhir_status: str) -> list[str]:
    """The referral states a ServiceRequest status search matches."""
    return [ours for ours, theirs in SERVICE_REQUEST_STATUS.items() if theirs == fhir_status]


def _ref(resource_type: str, resource_id: object, display: str) -> Json:
    return {"reference": f"{resource_type}/{resource_id}", "display": display}


def role_ref(profile: RoleProfile) -> Json:
    return _ref(
        "PractitionerRole",
        profile.pk,
        f"{profile.practitioner.display_name}, {profile.get_job_role_display()}",
    )


def _meta(referral: Referral) -> Json:
    return {"versionId": str(referral.version), "lastUpdated": referral.updated_at.isoformat()}


def service_request(referral: Referral) -> Json:
    """What the referrer asked for. The items sent with it are copies, not records of their
    own, so supportingInfo names each as a display-only reference (label: text)."""
    notes = []
    if referral.questions:
        notes.append({"text": f"Questions to answer: {referral.questions}"})
    if referral.what_matters:
        notes.append({"text": f"What matters to the person: {referral.what_matters}"})
    performers = [
        _ref("HealthcareService", referral.service_id, referral.service.name),
        organisation_ref(referral.receiving_organisation),
    ]
    if referral.recipient is not None:
        performers.append(role_ref(referral.recipient))
    resource: Json = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": _meta(referral),
        "status": SERVICE_REQUEST_STATUS[referral.status],
        "intent": "order",
        "category": [{"text": referral.get_kind_display()}],
        "priority": referral.urgency,
        "code": {"text": referral.service.name},
        "subject": _ref("Patient", referral.person_id, referral.person.full_name),
        "authoredOn": referral.requested_at.isoformat() if referral.requested_at else None,
        "requester": role_ref(referral.requester),
        "performer": performers,
        "reasonCode": [{"text": referral.reason}],
        "supportingInfo": [
            {"display": f"{item.label}: {item.text}"} for item in referral.items.all()
        ],
        "note": notes,
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def _status_reason(referral: Referral) -> Json | None:
    """Why the referral is in its state, from the latest step that set it, if a reason was
    given (not accepted, on hold, could not be done, cancelled)."""
    steps = [change for change in referral.changes.all() if change.status == referral.status]
    if not steps:
        return None
    step = steps[-1]
    if not (step.reason_code or step.reason):
        return None
    reason: Json = {"text": step.reason}
    if step.reason_code and referral.status == S.REJECTED:
        reason["coding"] = [{"system": REJECTION_REASON_SYSTEM, "code": step.reason_code}]
    return reason


def task(referral: Referral) -> Json:
    """Where the referral has got to. The owner is the practitioner who took it on, once
    accepted, otherwise the receiving organisation."""
    owner = (
        role_ref(referral.assigned_to)
        if referral.assigned_to is not None
        else organisation_ref(referral.receiving_organisation)
    )
    outputs = []
    if referral.status == S.COMPLETED and referral.outcome_summary:
        outputs.append({"type": {"text": "Outcome"}, "valueString": referral.outcome_summary})
    if referral.status == S.REJECTED and referral.suggested_service is not None:
        outputs.append(
            {
                "type": {"text": "Suggested service"},
                "valueReference": _ref(
                    "HealthcareService",
                    referral.suggested_service.pk,
                    referral.suggested_service.name,
                ),
            }
        )
    resource: Json = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "meta": _meta(referral),
        "status": TASK_STATUS[referral.status],
        "statusReason": _status_reason(referral),
        "businessStatus": {"text": referral.get_status_display()},
        "intent": "order",
        "priority": referral.urgency,
        "code": {
            "coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]
        },
        "focus": _ref("ServiceRequest", referral.pk, referral.service.name),
        "for": _ref("Patient", referral.person_id, referral.person.full_name),
        "authoredOn": referral.requested_at.isoformat() if referral.requested_at else None,
        "lastModified": referral.updated_at.isoformat(),
        "requester": role_ref(referral.requester),
        "owner": owner,
        "output": outputs,
    }
    cleaned: Json = without_empty(resource)
    return cleaned
