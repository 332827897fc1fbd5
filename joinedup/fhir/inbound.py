"""FHIR R4 resources into joinedup's domain: the inverse of mapping*.py, for imports.

Pure functions of one resource that has already passed fhir/validation.py: they pick out the
fields the domain keeps, in the domain's own vocabulary, and say in plain words what they had
to leave out (a warning per thing left out). What a resource refers to is returned as
`Ref`s for the importer to resolve; nothing here reads the database. A resource that cannot
become a domain record raises Unusable with the element at fault."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from joinedup.accounts.roles import JobRole
from joinedup.careteams.models import CareTeamRole
from joinedup.core.identifiers import InvalidIdentifier, normalise_postcode
from joinedup.directory.models import CapacityStatus, OrganisationType, Profession, Regulator
from joinedup.fhir.mapping import GENDER, INTERPRETER_REQUIRED, NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM
from joinedup.fhir.mapping_directory import (
    JOB_ROLE_SYSTEM,
    PROFESSION_SYSTEM,
    REGULATOR_OF_SYSTEM,
)
from joinedup.fhir.mapping_referrals import REFERRAL_STATUS_OF_TASK
from joinedup.people.models import Sex
from joinedup.referrals.models import ReferralKind, Urgency

Json = dict[str, Any]

SEX_OF_GENDER = {fhir: ours for ours, fhir in GENDER.items()}
_ORGANISATION_TYPE_OF_LABEL = {str(label).lower(): code for code, label in OrganisationType.choices}
_JOB_ROLE_OF_LABEL = {str(label).lower(): code for code, label in JobRole.choices}
_PROFESSION_OF_LABEL = {str(label).lower(): code for code, label in Profession.choices}
_CAPACITY_OF_LABEL = {str(label).lower(): code for code, label in CapacityStatus.choices}
_KIND_OF_LABEL = {str(label).lower(): code for code, label in ReferralKind.choices}
_CARE_TEAM_ROLE_OF_LABEL = {str(label).lower(): code for code, label in CareTeamRole.choices}
# HL7's practitioner-role codes (http://terminology.hl7.org/CodeSystem/practitioner-role) that
# are one of our job roles; the others (researcher, teacher, ict) are not care roles here.
_JOB_ROLE_OF_HL7_CODE = {
    "doctor": JobRole.HOSPITAL_DOCTOR,
    "nurse": JobRole.COMMUNITY_NURSE,
    "pharmacist": JobRole.PHARMACIST,
}
HL7_PRACTITIONER_ROLE = "http://terminology.hl7.org/CodeSystem/practitioner-role"
# The profession a registration with each regulator most often means, when nothing else says.
_PROFESSION_OF_REGULATOR = {
    Regulator.GMC: Profession.DOCTOR,
    Regulator.NMC: Profession.NURSE,
    Regulator.SWE: Profession.SOCIAL_WORKER,
    Regulator.GPHC: Profession.PHARMACIST,
}
# The job role a profession most often holds, for a PractitionerRole that names none we know.
_JOB_ROLE_OF_PROFESSION = {
    Profession.DOCTOR: JobRole.HOSPITAL_DOCTOR,
    Profession.NURSE: JobRole.COMMUNITY_NURSE,
    Profession.SOCIAL_WORKER: JobRole.SOCIAL_WORKER,
    Profession.OCCUPATIONAL_THERAPIST: JobRole.OCCUPATIONAL_THERAPIST,
    Profession.PHYSIOTHERAPIST: JobRole.PHYSIOTHERAPIST,
    Profession.PHARMACIST: JobRole.PHARMACIST,
    Profession.CARE_WORKER: JobRole.CARE_WORKER,
}
_TARGETS = re.compile(r"within (\d+) working days, urgent ones within (\d+) hours")
_NOTE_PREFIXES = {
    "Questions to answer: ": "questions",
    "What matters to the person: ": "what_matters",
}


class Unusable(Exception):
    """The resource is valid FHIR but cannot become a joinedup record: why, and where."""

    def __init__(self, diagnostics: str, expression: str) -> None:
        super().__init__(diagnostics)
        self.diagnostics = diagnostics
        self.expression = expression


@dataclass(frozen=True)
class Ref:
    """What a reference points at, in the forms the importer can look up: the resource's own
    address (`Type/id` or a bundle's `urn:uuid:`), or a business identifier."""

    resource_type: str
    keys: tuple[str, ...]
    display: str = ""


@dataclass
class Mapped:
    """A resource as domain fields, the references still to resolve, and what was left out."""

    fields: dict[str, Any]
    refs: dict[str, Ref | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


# -- addresses of resources ----------------------------------------------------------------


def own_keys(resource: Json, full_url: str | None) -> list[str]:
    """Every key the resource can be found by: `Type/id`, its bundle full URL, and
    `Type?identifier=system|value` for each identifier."""
    resource_type = str(resource.get("resourceType", ""))
    keys = []
    if resource.get("id"):
        keys.append(f"{resource_type}/{resource['id']}")
    if full_url:
        keys.append(_url_key(full_url, resource_type))
    for identifier in _list(resource.get("identifier")):
        if isinstance(identifier, dict) and identifier.get("value"):
            keys.append(
                identifier_key(resource_type, identifier.get("system"), identifier["value"])
            )
    return list(dict.fromkeys(keys))


def identifier_key(resource_type: str, system: object, value: object) -> str:
    return f"{resource_type}?identifier={system or ''}|{value}"


def _url_key(url: str, resource_type: str) -> str:
    if url.startswith("urn:"):
        return url
    parts = url.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == resource_type:
        return f"{resource_type}/{parts[-1]}"
    return url


def reference(value: object, *allowed: str) -> Ref | None:
    """The Ref a FHIR Reference makes, or None for one with nothing to follow (a display
    only). `allowed` types: a reference to another type raises Unusable."""
    if not isinstance(value, dict):
        return None
    literal = str(value.get("reference") or "")
    display = str(value.get("display") or "")
    keys: list[str] = []
    resource_type = str(value.get("type") or "")
    if literal.startswith("urn:"):
        keys.append(literal)
    elif "?" in literal:
        resource_type, _, query = literal.partition("?")
        resource_type = resource_type.rsplit("/", 1)[-1]
        for part in query.split("&"):
            name, _, token = part.partition("=")
            if name == "identifier" and token:
                system, bar, code = token.rpartition("|")
                keys.append(identifier_key(resource_type, system if bar else "", code))
    elif literal:
        parts = literal.rstrip("/").split("/")
        if len(parts) >= 4 and parts[-2] == "_history":
            parts = parts[:-2]
        if len(parts) >= 2:
            resource_type = parts[-2]
            keys.append(f"{resource_type}/{parts[-1]}")
    identifier = value.get("identifier")
    if isinstance(identifier, dict) and identifier.get("value") and resource_type:
        keys.append(identifier_key(resource_type, identifier.get("system"), identifier["value"]))
    if not keys:
        return None
    if (
        allowed
        and resource_type
        and not literal.startswith("urn:")
        and resource_type not in allowed
    ):
        raise Unusable(
            f"This refers to a {resource_type}; joinedup needs a {' or '.join(allowed)} here.",
            "reference",
        )
    return Ref(resource_type=resource_type, keys=tuple(keys), display=display)


def uuid_id(resource: Json) -> str | None:
    """The resource's id when it is a UUID (joinedup's own ids are), so that a record moved
    from one joinedup to another keeps its address."""
    value = str(resource.get("id") or "")
    return (
        value
        if re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", value)
        else None
    )


# -- small readers ---------------------------------------------------------------------------


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: object) -> Json:
    return value if isinstance(value, dict) else {}


def _text(value: object, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _concept_text(concept: object) -> str:
    """A CodeableConcept's words: its text, else its first coding's display, else its code."""
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in _list(concept.get("coding")):
        if isinstance(coding, dict) and (coding.get("display") or coding.get("code")):
            return str(coding.get("display") or coding.get("code"))
    return ""


def _code_in(concept: object, system: str) -> str:
    if not isinstance(concept, dict):
        return ""
    for coding in _list(concept.get("coding")):
        if isinstance(coding, dict) and coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def _date(value: object) -> date | None:
    """A FHIR date or dateTime as a date; a partial date (year, year-month) is not one."""
    text = str(value or "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", text):
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    return None


def _datetime(value: object) -> datetime | None:
    text = str(value or "")
    if "T" not in text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _telecom(resource: Json) -> tuple[str, str, str]:
    phone = email = website = ""
    for point in _list(resource.get("telecom")):
        if not isinstance(point, dict):
            continue
        system, value = point.get("system"), _text(point.get("value"), 200)
        if system == "phone" and not phone:
            phone = value[:40]
        elif system == "email" and not email and "@" in value:
            email = value[:254]
        elif system == "url" and not website:
            website = value[:200]
    return phone, email, website


def _best_name(names: object) -> Json:
    """The official name, else the usual one, else the first."""
    found = [name for name in _list(names) if isinstance(name, dict)]
    for use in ("official", "usual", None):
        for name in found:
            if use is None or name.get("use") == use:
                return name
    return {}


def _name_parts(name: Json, resource_type: str) -> tuple[str, list[str], str, str]:
    """Given names, family name and title from a HumanName (its text when it has no parts)."""
    given = [str(part).strip() for part in _list(name.get("given")) if str(part).strip()]
    family = _text(name.get("family"), 100)
    if not (given and family) and name.get("text"):
        words = str(name["text"]).split()
        if len(words) >= 2:
            given, family = given or words[:-1], family or words[-1]
    title = " ".join(str(part) for part in _list(name.get("prefix")))[:20]
    if not given:
        raise Unusable(f"The {resource_type} has no given name.", f"{resource_type}.name.given")
    if not family:
        raise Unusable(f"The {resource_type} has no family name.", f"{resource_type}.name.family")
    return given[0][:100], given[1:], family, title


def _postcode(value: object, warnings: list[str], where: str) -> str:
    raw = _text(value, 20)
    if not raw:
        return ""
    try:
        return normalise_postcode(raw)
    except InvalidIdentifier:
        warnings.append(f"{where}: {raw!r} is not a UK postcode, so it was left out.")
        return ""


# -- the directory ---------------------------------------------------------------------------


def organisation(resource: Json) -> Mapped:
    warnings: list[str] = []
    name = _text(resource.get("name"), 200)
    if not name:
        raise Unusable("The Organization has no name.", "Organization.name")
    ods = ""
    for identifier in _list(resource.get("identifier")):
        if isinstance(identifier, dict) and identifier.get("system") == ODS_CODE_SYSTEM:
            ods = _text(identifier.get("value"), 20).upper()
    org_type: str = OrganisationType.OTHER
    for concept in _list(resource.get("type")):
        org_type = _ORGANISATION_TYPE_OF_LABEL.get(_concept_text(concept).lower(), org_type)
    phone, email, website = _telecom(resource)
    address_text, postcode = "", ""
    for address in _list(resource.get("address"))[:1]:
        if isinstance(address, dict):
            lines = [*map(str, _list(address.get("line"))), str(address.get("city") or "")]
            address_text = _text(address.get("text") or ", ".join(x for x in lines if x), 300)
            postcode = _postcode(address.get("postalCode"), warnings, "Organization.address")
    return Mapped(
        fields={
            "name": name,
            "org_type": org_type,
            "ods_code": ods or None,
            "address": address_text,
            "postcode": postcode,
            "phone": phone,
            "email": email,
            "website": website if website.startswith(("http://", "https://")) else "",
        },
        warnings=warnings,
    )


def practitioner(resource: Json) -> Mapped:
    given, others, family, title = _name_parts(_best_name(resource.get("name")), "Practitioner")
    regulator, number = Regulator.NONE, ""
    for identifier in _list(resource.get("identifier")):
        if isinstance(identifier, dict) and identifier.get("system") in REGULATOR_OF_SYSTEM:
            regulator = Regulator(REGULATOR_OF_SYSTEM[str(identifier["system"])])
            number = _text(identifier.get("value"), 20)
            break
    profession = ""
    for qualification in _list(resource.get("qualification")):
        if isinstance(qualification, dict):
            concept = qualification.get("code")
            profession = _code_in(concept, PROFESSION_SYSTEM) or _PROFESSION_OF_LABEL.get(
                _concept_text(concept).lower(), ""
            )
            if profession:
                break
    phone, email, _ = _telecom(resource)
    return Mapped(
        fields={
            "title": title,
            "given_name": " ".join([given, *others])[:100],
            "family_name": family,
            "regulator": regulator,
            "registration_number": number if regulator != Regulator.NONE else "",
            "profession": profession or _PROFESSION_OF_REGULATOR.get(regulator, Profession.OTHER),
            "phone": phone,
            "email": email,
        }
    )


def practitioner_role(resource: Json) -> Mapped:
    job_role = ""
    for concept in _list(resource.get("code")):
        job_role = (
            _code_in(concept, JOB_ROLE_SYSTEM)
            or _JOB_ROLE_OF_LABEL.get(_concept_text(concept).lower(), "")
            or _JOB_ROLE_OF_HL7_CODE.get(_code_in(concept, HL7_PRACTITIONER_ROLE), "")
        )
        if job_role:
            break
    period = _dict(resource.get("period"))
    mapped = Mapped(
        fields={
            "job_role": job_role,
            "starts_on": _date(period.get("start")),
            "ends_on": _date(period.get("end")),
        },
        refs={
            "practitioner": reference(resource.get("practitioner"), "Practitioner"),
            "organisation": reference(resource.get("organization"), "Organization"),
        },
    )
    if mapped.refs["practitioner"] is None:
        raise Unusable(
            "The PractitionerRole names no practitioner.", "PractitionerRole.practitioner"
        )
    if mapped.refs["organisation"] is None:
        raise Unusable(
            "The PractitionerRole names no organisation.", "PractitionerRole.organization"
        )
    return mapped


def job_role_for(profession: str) -> str:
    return str(_JOB_ROLE_OF_PROFESSION.get(Profession(profession), JobRole.ADMINISTRATOR))


def healthcare_service(resource: Json) -> Mapped:
    name = _text(resource.get("name"), 200)
    if not name:
        raise Unusable("The HealthcareService has no name.", "HealthcareService.name")
    accepts, capacity = True, CapacityStatus.choices[0][0]
    for concept in _list(resource.get("characteristic")):
        words = _concept_text(concept).lower()
        if words == "does not take referrals":
            accepts = False
        capacity = _CAPACITY_OF_LABEL.get(words, capacity)
    targets = _TARGETS.search(str(resource.get("availabilityExceptions") or ""))
    phone, email, _ = _telecom(resource)
    eligibility = [
        _text(item.get("comment"), 2000)
        for item in _list(resource.get("eligibility"))
        if isinstance(item, dict)
    ]
    referral_route = [_concept_text(concept) for concept in _list(resource.get("referralMethod"))]
    fields: dict[str, Any] = {
        "name": name,
        "description": _text(resource.get("comment") or resource.get("extraDetails"), 4000) or name,
        "eligibility": "\n".join(text for text in eligibility if text),
        "accepts_referrals": accepts,
        "referral_route": "\n".join(text for text in referral_route if text),
        "capacity_status": capacity,
        "phone": phone,
        "email": email,
    }
    if targets:
        fields["response_target_routine_days"] = int(targets.group(1))
        fields["response_target_urgent_hours"] = int(targets.group(2))
    mapped = Mapped(
        fields=fields,
        refs={"organisation": reference(resource.get("providedBy"), "Organization")},
    )
    if mapped.refs["organisation"] is None:
        raise Unusable(
            "The HealthcareService names no organisation providing it.",
            "HealthcareService.providedBy",
        )
    return mapped


# -- people ----------------------------------------------------------------------------------


def patient(resource: Json) -> Mapped:
    """A Patient as people.services fields. The NHS number, names, birth date, sex, first
    address, phone and e-mail, language and interpreter; the GP practice as a reference."""
    warnings: list[str] = []
    given, others, family, title = _name_parts(_best_name(resource.get("name")), "Patient")
    born = _date(resource.get("birthDate"))
    if born is None:
        raise Unusable(
            "The Patient has no full date of birth: joinedup needs one to tell people apart.",
            "Patient.birthDate",
        )
    nhs_number = ""
    for identifier in _list(resource.get("identifier")):
        if isinstance(identifier, dict) and identifier.get("system") == NHS_NUMBER_SYSTEM:
            nhs_number = _text(identifier.get("value"), 20)
    preferred = ""
    for name in _list(resource.get("name")):
        if (
            isinstance(name, dict)
            and name.get("use") == "usual"
            and name is not _best_name(resource.get("name"))
        ):
            preferred = _text(" ".join(map(str, _list(name.get("given")))), 100)
    phone, email, _ = _telecom(resource)
    fields: dict[str, Any] = {
        "nhs_number": nhs_number,
        "title": title,
        "given_name": given,
        "other_given_names": " ".join(others)[:200],
        "family_name": family,
        "preferred_name": preferred,
        "date_of_birth": born,
        "sex": SEX_OF_GENDER.get(str(resource.get("gender") or ""), Sex.NOT_KNOWN),
        "phone": phone,
        "email": email,
        "date_of_death": _date(resource.get("deceasedDateTime")),
        "interpreter_needed": any(
            isinstance(extension, dict)
            and extension.get("url") == INTERPRETER_REQUIRED
            and extension.get("valueBoolean") is True
            for extension in _list(resource.get("extension"))
        ),
    }
    fields.update(_home_address(resource, warnings))
    language = _language(resource)
    if language:
        fields["preferred_language"] = language
    if resource.get("deceasedBoolean") is True and fields["date_of_death"] is None:
        warnings.append("Patient.deceasedBoolean: died on a day not given, so left out.")
    refs: dict[str, Ref | None] = {}
    for practice in _list(resource.get("generalPractitioner")):
        found = reference(practice)
        if found is not None and found.resource_type == "Organization":
            refs["gp_practice"] = found
            break
    return Mapped(fields=fields, refs=refs, warnings=warnings)


def _home_address(resource: Json, warnings: list[str]) -> dict[str, str]:
    addresses = [a for a in _list(resource.get("address")) if isinstance(a, dict)]
    home = next((a for a in addresses if a.get("use") == "home"), addresses[0] if addresses else {})
    if not home:
        return {}
    lines = [str(line).strip() for line in _list(home.get("line")) if str(line).strip()]
    return {
        "address_line_1": (lines[0] if lines else "")[:200],
        "address_line_2": ", ".join(lines[1:])[:200],
        "town": _text(home.get("city"), 100),
        "postcode": _postcode(home.get("postalCode"), warnings, "Patient.address"),
    }


def _language(resource: Json) -> str:
    chosen = None
    for item in _list(resource.get("communication")):
        if isinstance(item, dict) and (chosen is None or item.get("preferred") is True):
            chosen = item
    if chosen is None:
        return ""
    return _text(_concept_text(chosen.get("language")), 60)


# -- care teams --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One participant of a CareTeam: whom (a PractitionerRole, an Organization or a
    RelatedPerson), their role in the team, and when."""

    ref: Ref
    role: str
    starts_on: date | None
    ends_on: date | None
    responsibilities: str
    on_behalf_of: Ref | None = None


def care_team(resource: Json) -> Mapped:
    subject = reference(resource.get("subject"), "Patient")
    if subject is None:
        raise Unusable("The CareTeam names no patient.", "CareTeam.subject")
    members, warnings = [], []
    for index, participant in enumerate(_list(resource.get("participant"))):
        if not isinstance(participant, dict):
            continue
        whom = reference(participant.get("member"))
        where = f"CareTeam.participant[{index}]"
        if whom is None:
            warnings.append(f"{where}: names no one joinedup can look up, so was left out.")
            continue
        if whom.resource_type not in {
            "PractitionerRole",
            "Practitioner",
            "Organization",
            "RelatedPerson",
        }:
            warnings.append(
                f"{where}: a {whom.resource_type or 'member'} is not a kind of care team member "
                "joinedup imports, so was left out."
            )
            continue
        roles = [_concept_text(concept) for concept in _list(participant.get("role"))]
        role = next(
            (
                _CARE_TEAM_ROLE_OF_LABEL[r.lower()]
                for r in roles
                if r.lower() in _CARE_TEAM_ROLE_OF_LABEL
            ),
            CareTeamRole.MEMBER,
        )
        period = _dict(participant.get("period"))
        members.append(
            Member(
                ref=whom,
                role=role,
                starts_on=_date(period.get("start")),
                ends_on=_date(period.get("end")),
                on_behalf_of=reference(participant.get("onBehalfOf")),
                responsibilities=", ".join(
                    r for r in roles if r.lower() not in _CARE_TEAM_ROLE_OF_LABEL
                )[:500],
            )
        )
    managing = [reference(org) for org in _list(resource.get("managingOrganization"))]
    return Mapped(
        fields={},
        refs={"person": subject},
        warnings=warnings,
        extra={"members": members, "managing": [ref for ref in managing if ref is not None]},
    )


# -- referrals ---------------------------------------------------------------------------------


def service_request(resource: Json) -> Mapped:
    """A ServiceRequest as a referral: to a HealthcareService joinedup knows, from a
    PractitionerRole, for a Patient."""
    subject = reference(resource.get("subject"), "Patient")
    requester = reference(resource.get("requester"))
    service = None
    for performer in _list(resource.get("performer")):
        found = reference(performer)
        if found is not None and found.resource_type == "HealthcareService":
            service = found
            break
    if subject is None:
        raise Unusable("The ServiceRequest names no patient.", "ServiceRequest.subject")
    if service is None:
        raise Unusable(
            "The ServiceRequest names no HealthcareService to send it to: joinedup keeps "
            "referrals to services in its directory.",
            "ServiceRequest.performer",
        )
    if requester is None or requester.resource_type != "PractitionerRole":
        raise Unusable(
            "The ServiceRequest's requester must be a PractitionerRole (who referred, where).",
            "ServiceRequest.requester",
        )
    notes: dict[str, str] = {"questions": "", "what_matters": ""}
    for note in _list(resource.get("note")):
        text = str(note.get("text") or "") if isinstance(note, dict) else ""
        for prefix, name in _NOTE_PREFIXES.items():
            if text.startswith(prefix):
                notes[name] = text.removeprefix(prefix)[:4000]
    reason = "; ".join(_concept_text(concept) for concept in _list(resource.get("reasonCode")))
    items = []
    for info in _list(resource.get("supportingInfo")):
        display = str(info.get("display") or "") if isinstance(info, dict) else ""
        label, colon, text = display.partition(": ")
        if display:
            items.append((label[:200], text) if colon else ("Sent with the referral", display))
    kind = next(
        (
            _KIND_OF_LABEL[_concept_text(c).lower()]
            for c in _list(resource.get("category"))
            if _concept_text(c).lower() in _KIND_OF_LABEL
        ),
        ReferralKind.REFERRAL,
    )
    priority = str(resource.get("priority") or "")
    status = str(resource.get("status") or "")
    return Mapped(
        fields={
            "kind": kind,
            "reason": reason or _concept_text(resource.get("code")) or "Imported referral",
            "urgency": priority if priority in Urgency.values else Urgency.ROUTINE,
            "requested_at": _datetime(resource.get("authoredOn")),
            "status": {"draft": "draft", "completed": "completed", "revoked": "cancelled"}.get(
                status, "requested"
            ),
            **notes,
        },
        refs={"person": subject, "requester": requester, "service": service},
        extra={"items": items},
    )


def task(resource: Json) -> Mapped:
    """A referral Task: where the referral has got to. Its focus is the ServiceRequest."""
    focus = reference(resource.get("focus"), "ServiceRequest")
    if focus is None:
        raise Unusable("The Task's focus must be the ServiceRequest it is about.", "Task.focus")
    status = REFERRAL_STATUS_OF_TASK.get(str(resource.get("status") or ""))
    if status is None:
        raise Unusable(
            f"joinedup has no referral state for a {resource.get('status')!r} Task.", "Task.status"
        )
    owner = reference(resource.get("owner"))
    outcome = ""
    for output in _list(resource.get("output")):
        if isinstance(output, dict) and output.get("valueString"):
            outcome = str(output["valueString"])
    reason = resource.get("statusReason")
    return Mapped(
        fields={
            "status": status,
            "outcome_summary": outcome,
            "reason": _concept_text(reason),
        },
        refs={
            "referral": focus,
            "assigned_to": owner if owner and owner.resource_type == "PractitionerRole" else None,
        },
    )
