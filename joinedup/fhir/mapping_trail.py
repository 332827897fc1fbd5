"""The trail of a person's care as FHIR R4 resources: AuditEvent (one line of the person's
access log), Provenance (who changed their care team or a referral, and when) and
Communication (a handover between professionals, in SBAR form). docs/fhir.md holds the
mapping tables and why each domain history was chosen.

Pure functions of what the selectors returned: nothing here reads the database on purpose or
audits. No internal id of a user or of another person is ever written out: staff appear by
their role profile (PractitionerRole), which is directory data."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ObjectDoesNotExist

from joinedup.accounts.models import RoleProfile, User
from joinedup.audit.models import AuditEvent, AuditSeal, Outcome
from joinedup.audit.selectors import action_words, basis_words
from joinedup.careplans.models import CarePlanVersion
from joinedup.careteams.models import CareTeamChange, ChangeKind
from joinedup.fhir.mapping import Json, without_empty
from joinedup.fhir.mapping_directory import organisation_ref
from joinedup.fhir.mapping_referrals import role_ref
from joinedup.handovers.models import Handover
from joinedup.people.models import Person
from joinedup.referrals.models import ReferralStatusChange
from joinedup.sharing.models import Purpose

AUDIT_EVENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/audit-event-type"
DICOM_SYSTEM = "http://dicom.nema.org/resources/ontology/DCM"
RESTFUL_INTERACTION_SYSTEM = "http://hl7.org/fhir/restful-interaction"
ACT_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
SOURCE_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/security-source-type"
ENTITY_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/object-role"
DATA_OPERATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PROVENANCE_AGENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
COMMUNICATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/communication-category"

# Our own code systems and extension, for what no published one says.
AUDIT_ACTION_SYSTEM = "https://joinedup.example/fhir/CodeSystem/audit-action"
ACCESS_BASIS_SYSTEM = "https://joinedup.example/fhir/CodeSystem/access-basis"
INFORMATION_CATEGORY_SYSTEM = "https://joinedup.example/fhir/CodeSystem/information-category"
AUDIT_SEAL_EXTENSION = "https://joinedup.example/fhir/StructureDefinition/audit-chain-seal"

# Provenance ids: which domain history a change comes from, then its row's number.
REFERRAL_STEP_PREFIX = "referral-step-"
CARE_TEAM_CHANGE_PREFIX = "care-team-change-"
CARE_PLAN_VERSION_PREFIX = "care-plan-version-"

# -- AuditEvent -----------------------------------------------------------------------------

# The last part of an audited action's code, as the FHIR interaction it is nearest to.
READS = frozenset({"view", "lookup"})
SEARCHES = frozenset({"search", "list", "caseload", "reviews_due", "my_actions", "list_received"})
CREATES = frozenset(
    {"add", "register", "make", "draft", "start", "give", "record", "send", "agreement"}
)
OTHERS = frozenset({"export", "escalate"})

INTERACTION_ACTION = {"read": "R", "search-type": "R", "create": "C", "update": "U"}

# Why the information was used, as the HL7 purpose of use nearest to it; the text always
# carries our own words. Safeguarding has no close HL7 code, so it is text alone.
PURPOSE_CODES: dict[str, tuple[str, str]] = {
    Purpose.DIRECT_CARE: ("TREAT", "treatment"),
    Purpose.PLANNING: ("HOPERAT", "healthcare operations"),
    Purpose.RESEARCH: ("HRESCH", "healthcare research"),
}
PURPOSE_WORDS = dict(Purpose.choices)

CHANNEL_WORDS = {
    "web": "joinedup web pages",
    "api": "joinedup JSON API",
    "fhir": "joinedup FHIR interface",
    "system": "joinedup scheduled job",
}

# What was touched, for the records the FHIR interface serves, and in words for the others.
SERVED_TARGETS = {"Referral": "ServiceRequest", "Handover": "Communication"}
TARGET_WORDS = {
    "Person": "The person's record",
    "AboutMe": "About Me",
    "Relationship": "Family, carers or attorneys",
    "CareTeamMember": "The care team",
    "CareTeamChange": "The care team's history",
    "CarePlan": "The care plan",
    "RecordEntry": "An entry in the record",
    "ConsentDecision": "A consent or objection",
    "Disclosure": "A decision to share without consent",
    "BreakGlass": "An emergency access",
    "Referral": "A referral",
    "Handover": "A handover",
    "AuditEvent": "The access log",
}


def interaction(action: str) -> str | None:
    """The FHIR RESTful interaction nearest an audited action, or None for one that is none
    of them (an export, an escalation)."""
    verb = action.rsplit(".", 1)[-1]
    if verb in READS:
        return "read"
    if verb in SEARCHES or verb.startswith("list"):
        return "search-type"
    if verb in OTHERS:
        return None
    return "create" if verb in CREATES else "update"


def _event_type(event: AuditEvent) -> Json:
    if event.action.startswith("access_log."):
        return {"system": DICOM_SYSTEM, "code": "110101", "display": "Audit Log Used"}
    if event.channel in ("fhir", "api"):
        return {"system": AUDIT_EVENT_TYPE_SYSTEM, "code": "rest", "display": "RESTful Operation"}
    return {"system": DICOM_SYSTEM, "code": "110110", "display": "Patient Record"}


def _subtypes(event: AuditEvent) -> list[Json]:
    ours = {
        "system": AUDIT_ACTION_SYSTEM,
        "code": event.action,
        "display": action_words(event.action),
    }
    kind = interaction(event.action)
    if kind is None:
        return [ours]
    return [{"system": RESTFUL_INTERACTION_SYSTEM, "code": kind}, ours]


def _user_name(user: User | None, label: str) -> str:
    if user is None:
        return label
    return user.get_full_name() or user.username


def _staff_ref(profile: RoleProfile) -> Json:
    reference = role_ref(profile)
    reference["display"] = f"{reference['display']}, {profile.organisation.name}"
    return reference


def _agents(event: AuditEvent) -> list[Json]:
    basis = (
        [
            {
                "coding": [
                    {
                        "system": ACCESS_BASIS_SYSTEM,
                        "code": event.basis,
                        "display": basis_words(event.basis),
                    }
                ],
                "text": basis_words(event.basis),
            }
        ]
        if event.basis
        else []
    )
    profile = event.role_profile
    if profile is not None:
        staff: Json = {
            "who": _staff_ref(profile),
            "name": _user_name(event.user, event.actor_label),
            "role": [{"text": profile.get_job_role_display()}],
            "requestor": True,
            "purposeOfUse": basis,
        }
        return [staff]
    system: Json = {
        "type": {"coding": [{"system": DICOM_SYSTEM, "code": "110150", "display": "Application"}]},
        "who": {"display": event.actor_label},
        "name": event.actor_label,
        "requestor": True,
        "purposeOfUse": basis,
    }
    if event.organisation is None:
        return [system]
    # An organisation's own system acts for that organisation.
    return [
        system,
        {"who": organisation_ref(event.organisation), "requestor": False},
    ]


def _purpose(event: AuditEvent) -> list[Json]:
    words = PURPOSE_WORDS.get(event.purpose, event.purpose)
    concept: Json = {"text": words}
    if event.purpose in PURPOSE_CODES:
        code, display = PURPOSE_CODES[event.purpose]
        concept["coding"] = [{"system": ACT_REASON_SYSTEM, "code": code, "display": display}]
    return [concept]


def _patient_entity(person: Person, categories: Sequence[str]) -> Json:
    return {
        "what": {"reference": f"Patient/{person.pk}", "display": person.full_name},
        "type": {"system": ENTITY_TYPE_SYSTEM, "code": "1", "display": "Person"},
        "role": {"system": OBJECT_ROLE_SYSTEM, "code": "1", "display": "Patient"},
        "securityLabel": [
            {"system": INFORMATION_CATEGORY_SYSTEM, "code": category} for category in categories
        ],
    }


def _touched_entity(event: AuditEvent) -> Json | None:
    """The record the event was about, beyond the person: a reference when the FHIR interface
    serves it, otherwise its kind in words (never another record's internal id)."""
    if event.target_type == "Person":
        return None
    served = SERVED_TARGETS.get(event.target_type)
    what: Json = (
        {"reference": f"{served}/{event.target_id}"}
        if served and event.target_id and event.outcome == Outcome.ALLOWED
        else {}
    )
    what["display"] = TARGET_WORDS.get(event.target_type, event.target_type)
    return {
        "what": what,
        "type": {"system": ENTITY_TYPE_SYSTEM, "code": "2", "display": "System Object"},
        "role": {"system": OBJECT_ROLE_SYSTEM, "code": "4", "display": "Domain Resource"},
    }


def _seal(event: AuditEvent) -> list[Json]:
    """The event's place in the tamper-evident hash chain, once it has been sealed."""
    try:
        seal: AuditSeal = event.seal
    except ObjectDoesNotExist:
        return []
    return [
        {
            "url": AUDIT_SEAL_EXTENSION,
            "extension": [
                {"url": "position", "valueInteger": seal.position},
                {"url": "digest", "valueString": seal.digest},
            ],
        }
    ]


def audit_event(event: AuditEvent) -> Json:
    """One line of a person's access log (the event must be about a person)."""
    kind = interaction(event.action)
    allowed = event.outcome == Outcome.ALLOWED
    assert event.person is not None  # noqa: S101 - the access log holds only such events
    resource: Json = {
        "resourceType": "AuditEvent",
        "id": str(event.pk),
        "meta": {"lastUpdated": event.occurred_at.isoformat()},
        "extension": _seal(event),
        "type": _event_type(event),
        "subtype": _subtypes(event),
        "action": INTERACTION_ACTION[kind] if kind else "E",
        "recorded": event.occurred_at.isoformat(),
        # 4 is a minor failure: the request was refused, nothing went wrong.
        "outcome": "0" if allowed else "4",
        "outcomeDesc": event.reason or ("Allowed" if allowed else "Refused"),
        "purposeOfEvent": _purpose(event),
        "agent": _agents(event),
        "source": {
            "site": CHANNEL_WORDS.get(event.channel, event.channel),
            "observer": {"display": "joinedup"},
            "type": [{"system": SOURCE_TYPE_SYSTEM, "code": "4", "display": "Application Server"}],
        },
        "entity": [
            _patient_entity(event.person, event.categories),
            _touched_entity(event),
        ],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


# -- Provenance -----------------------------------------------------------------------------


def _activity(created: bool, words: str) -> Json:
    code, display = ("CREATE", "create") if created else ("UPDATE", "revise")
    return {
        "coding": [{"system": DATA_OPERATION_SYSTEM, "code": code, "display": display}],
        "text": words,
    }


def _author(who: Json, on_behalf_of: Json | None = None) -> Json:
    return {
        "type": {
            "coding": [{"system": PROVENANCE_AGENT_SYSTEM, "code": "author", "display": "Author"}]
        },
        "who": who,
        "onBehalfOf": on_behalf_of,
    }


def referral_step_provenance(step: ReferralStatusChange, *, first: bool) -> Json:
    """One step of a referral's workflow: who moved the Task to that status, when and why.
    The first step of a referral created it; every later one revised it."""
    referral = step.referral
    profile = step.by_role
    if profile is not None:
        agent = _author(role_ref(profile), organisation_ref(profile.organisation))
    elif step.by is not None:
        agent = _author({"display": _user_name(step.by, "")})
    else:
        agent = _author({"display": "joinedup (an automatic step)"})
    resource: Json = {
        "resourceType": "Provenance",
        "id": f"{REFERRAL_STEP_PREFIX}{step.pk}",
        "target": [
            {
                "reference": f"Task/{referral.pk}",
                "display": f"Referral to {referral.service.name}",
            }
        ],
        "occurredDateTime": step.at.isoformat(),
        "recorded": step.at.isoformat(),
        "activity": _activity(first, f"Referral status: {step.get_status_display()}"),
        "reason": [{"text": step.reason}] if step.reason else [],
        "agent": [agent],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def _member_words(change: CareTeamChange) -> str:
    member = change.member
    if member.role_profile is not None:
        who = f"{member.role_profile.practitioner.display_name}, {member.role_profile}"
    else:
        who = member.display_name
    return f"{change.get_kind_display()}: {who} ({change.get_role_display()})"


def care_team_change_provenance(change: CareTeamChange) -> Json:
    """One change to a person's care team (CareTeam/{person id}): someone joined, their role
    changed, or they left. Who made it is named as the audit named them; the change does not
    record their role profile, so it is a display, not a reference."""
    maker = change.made_by or _user_name(change.created_by, "joinedup")
    resource: Json = {
        "resourceType": "Provenance",
        "id": f"{CARE_TEAM_CHANGE_PREFIX}{change.pk}",
        "target": [{"reference": f"CareTeam/{change.person_id}", "display": "Care team"}],
        "occurredDateTime": change.created_at.isoformat(),
        "recorded": change.created_at.isoformat(),
        "activity": _activity(change.kind == ChangeKind.ADDED, _member_words(change)),
        "reason": [{"text": change.reason}] if change.reason else [],
        "agent": [_author({"display": maker})],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def care_plan_version_provenance(version: CarePlanVersion) -> Json:
    """One version of a care plan: who made it and when. The target is that version of the
    CarePlan (`CarePlan/{id}/_history/{number}`); the first version created the plan. What
    changed is left to the plan's own history, which shows each reader only the items their
    organisation may see, so the version's summary is not repeated here."""
    profile = version.created_by_role
    if profile is not None:
        agent = _author(role_ref(profile), organisation_ref(profile.organisation))
    else:
        agent = _author({"display": _user_name(version.created_by, "joinedup")})
    resource: Json = {
        "resourceType": "Provenance",
        "id": f"{CARE_PLAN_VERSION_PREFIX}{version.pk}",
        "target": [
            {
                "reference": f"CarePlan/{version.plan_id}/_history/{version.number}",
                "display": f"Care plan, version {version.number}",
            }
        ],
        "occurredDateTime": version.created_at.isoformat(),
        "recorded": version.created_at.isoformat(),
        "activity": _activity(
            version.number == 1,
            "Started the care plan" if version.number == 1 else "Changed the care plan",
        ),
        "agent": [agent],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


# -- Communication --------------------------------------------------------------------------

SBAR_PARTS = ("Situation", "Background", "Assessment", "Recommendation")


def _patient_ref(person: Person) -> Json:
    return {"reference": f"Patient/{person.pk}", "display": person.full_name}


def _recipients(handover: Handover) -> list[Json]:
    recipients = []
    if handover.to_role is not None:
        recipients.append(role_ref(handover.to_role))
    elif handover.to_team is not None:
        recipients.append({"display": f"{handover.to_team.name} (team)"})
    acknowledged_by = handover.acknowledged_by
    if acknowledged_by is not None and acknowledged_by.pk != handover.to_role_id:
        recipients.append(role_ref(acknowledged_by))
    return recipients


def _read_back(handover: Handover) -> list[Json]:
    if handover.acknowledged_at is None or not handover.read_back:
        return []
    note: Json = {
        "text": f"Read-back: {handover.read_back}",
        "time": handover.acknowledged_at.isoformat(),
    }
    if handover.acknowledged_by is not None:
        note["authorReference"] = role_ref(handover.acknowledged_by)
    return [note]


def communication(handover: Handover) -> Json:
    """A handover as a Communication: sent by the giver, received (acknowledged with a
    read-back) by the receiver. One person is its subject; a caseload handover names each
    person under `about` instead, as a Communication has one subject at most."""
    people = list(handover.people.all())
    parts = (handover.situation, handover.background, handover.assessment, handover.recommendation)
    resource: Json = {
        "resourceType": "Communication",
        "id": str(handover.pk),
        "meta": {"lastUpdated": handover.updated_at.isoformat()},
        "status": "in-progress" if handover.acknowledged_at is None else "completed",
        "category": [
            {
                "coding": [
                    {
                        "system": COMMUNICATION_CATEGORY_SYSTEM,
                        "code": "notification",
                        "display": "Notification",
                    }
                ],
                "text": "Handover (SBAR)",
            }
        ],
        "subject": _patient_ref(people[0]) if len(people) == 1 else None,
        "about": [_patient_ref(person) for person in people] if len(people) > 1 else [],
        "topic": {"text": f"Handover: {handover.reason}" if handover.reason else "Handover"},
        "sent": handover.created_at.isoformat(),
        "received": handover.acknowledged_at.isoformat() if handover.acknowledged_at else None,
        "sender": role_ref(handover.from_role),
        "recipient": _recipients(handover),
        "payload": [
            {"contentString": f"{label}: {text}"}
            for label, text in zip(SBAR_PARTS, parts, strict=True)
        ],
        "note": _read_back(handover),
    }
    cleaned: Json = without_empty(resource)
    return cleaned
