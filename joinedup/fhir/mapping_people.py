"""The people in a person's life and the person's choices about sharing, as FHIR R4
RelatedPerson and Consent, and back (docs/fhir.md, "RelatedPerson and Consent").

To FHIR: pure functions of what the selectors returned; nothing is read or audited here.
From FHIR: `relationship_fields_from_fhir` and `consent_fields_from_fhir` turn a resource that
fhir.resources has already accepted into the keyword arguments of
people.services.add_relationship and sharing.services.record_choice, for the FHIR endpoints
and the importer alike. They raise MappingProblem naming the element at fault, and read the
database only to look up the information category and the organisation a choice names
(directory data, not anyone's record)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from joinedup.fhir.mapping import Json, without_empty
from joinedup.fhir.mapping_directory import organisation_ref
from joinedup.fhir.mapping_referrals import role_ref
from joinedup.fhir.selectors import fhir_organisations
from joinedup.people.models import (
    LastingPowerOfAttorney,
    LpaStatus,
    LpaType,
    Relationship,
    RelationshipKind,
)
from joinedup.sharing.models import (
    CapacityAnswer,
    ChoiceKind,
    ConsentDecision,
    ExpressedHow,
    InformationCategory,
    Purpose,
)

JOINEDUP = "https://joinedup.example/fhir"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
V2_CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"

# Our own code systems, for what no HL7 code system says exactly.
RELATED_PERSON_ROLE_SYSTEM = f"{JOINEDUP}/CodeSystem/related-person-role"
PURPOSE_SYSTEM = f"{JOINEDUP}/CodeSystem/sharing-purpose"
CATEGORY_SYSTEM = f"{JOINEDUP}/CodeSystem/information-category"
EXPRESSED_HOW_SYSTEM = f"{JOINEDUP}/CodeSystem/consent-expressed-how"
CAPACITY_SYSTEM = f"{JOINEDUP}/CodeSystem/mental-capacity"

# Our own extensions on Consent: how the choice was made, which R4 has no element for.
EXPRESSED_HOW_URL = f"{JOINEDUP}/StructureDefinition/consent-expressed-how"
IN_THEIR_WORDS_URL = f"{JOINEDUP}/StructureDefinition/consent-in-their-words"
CAPACITY_URL = f"{JOINEDUP}/StructureDefinition/mental-capacity"
WITHDRAWAL_REASON_URL = f"{JOINEDUP}/StructureDefinition/consent-withdrawal-reason"

NEXT_OF_KIN = "next-of-kin"
MAIN_CARER = "main-carer"

Coding = tuple[str, str, str]  # system, code, display

# -- RelatedPerson --------------------------------------------------------------------------

# The kind of relationship in HL7 terms, where one fits (advocates and "other" have none).
KIND_CODES: dict[str, Coding] = {
    RelationshipKind.FAMILY: (ROLE_CODE, "FAMMEMB", "family member"),
    RelationshipKind.CARER: (ROLE_CLASS, "CAREGIVER", "caregiver"),
    RelationshipKind.FRIEND: (ROLE_CODE, "FRND", "unrelated friend"),
    RelationshipKind.ATTORNEY: (ROLE_CODE, "POWATT", "power of attorney"),
    # The nearest HL7 has to a deputy appointed by the Court of Protection.
    RelationshipKind.DEPUTY: (ROLE_CLASS, "GUARD", "guardian"),
}
FLAG_CODES: dict[str, tuple[Coding, str]] = {
    NEXT_OF_KIN: ((ROLE_CLASS, "NOK", "next of kin"), "Next of kin"),
    MAIN_CARER: ((ROLE_CLASS, "CAREGIVER", "caregiver"), "Main carer"),
}
# An attorney under a lasting power of attorney of each type.
LPA_CODES: dict[str, Coding] = {
    LpaType.HEALTH_AND_WELFARE: (ROLE_CODE, "HPOWATT", "healthcare power of attorney"),
    LpaType.PROPERTY_AND_FINANCIAL: (ROLE_CODE, "POWATT", "power of attorney"),
}
ATTORNEY_CODES = frozenset({"POWATT", "HPOWATT", "DPOWATT", "SPOWATT"})

# The person's own words for the relationship, coded when HL7 has the word.
WORD_CODES: dict[str, tuple[str, str]] = {
    "daughter": ("DAU", "natural daughter"),
    "son": ("SON", "natural son"),
    "wife": ("WIFE", "wife"),
    "husband": ("HUSB", "husband"),
    "spouse": ("SPS", "spouse"),
    "partner": ("DOMPART", "domestic partner"),
    "mother": ("MTH", "mother"),
    "father": ("FTH", "father"),
    "sister": ("SIS", "sister"),
    "brother": ("BRO", "brother"),
    "granddaughter": ("GRNDDAU", "granddaughter"),
    "grandson": ("GRNDSON", "grandson"),
    "niece": ("NIECE", "niece"),
    "nephew": ("NEPHEW", "nephew"),
    "aunt": ("AUNT", "aunt"),
    "uncle": ("UNCLE", "uncle"),
    "cousin": ("COUSN", "cousin"),
    "friend": ("FRND", "unrelated friend"),
    "neighbour": ("NBOR", "neighbor"),
}
FRIEND_CODES = frozenset({"FRND", "NBOR"})
FAMILY_CODES = frozenset({code for code, _ in WORD_CODES.values()} | {"FAMMEMB"}) - FRIEND_CODES

# The longest values the domain keeps (people.models.Relationship).
FIELD_LIMITS = {
    "relationship": (60, "RelatedPerson.relationship.text"),
    "title": (20, "RelatedPerson.name.prefix"),
    "given_name": (100, "RelatedPerson.name.given"),
    "family_name": (100, "RelatedPerson.name.family"),
    "phone": (40, "RelatedPerson.telecom"),
    "address": (300, "RelatedPerson.address"),
    "postcode": (8, "RelatedPerson.address.postalCode"),
}
FHIR_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class MappingProblem(ValueError):
    """A resource joinedup cannot take as it is: the element at fault (a FHIRPath), what to do
    about it in plain words, and the FHIR issue type (`code`)."""

    def __init__(self, diagnostics: str, *, expression: str, code: str = "value") -> None:
        super().__init__(diagnostics)
        self.diagnostics = diagnostics
        self.expression = expression
        self.code = code


def _coding(coding: Coding) -> Json:
    system, code, display = coding
    return {"system": system, "code": code, "display": display}


def _reference(resource_type: str, resource_id: object, display: str) -> Json:
    return {"reference": f"{resource_type}/{resource_id}", "display": display}


def related_person_active(relationship: Relationship, today: date | None = None) -> bool:
    day = today or timezone.localdate()
    return relationship.ends_on is None or relationship.ends_on > day


def _kind_concept(relationship: Relationship) -> Json:
    codings = [
        {
            "system": RELATED_PERSON_ROLE_SYSTEM,
            "code": relationship.kind,
            "display": relationship.get_kind_display(),
        }
    ]
    if relationship.kind in KIND_CODES:
        codings.append(_coding(KIND_CODES[relationship.kind]))
    return {"coding": codings, "text": relationship.get_kind_display()}


def _words_concept(words: str) -> Json:
    concept: Json = {"text": words}
    known = WORD_CODES.get(words.strip().lower())
    if known is not None:
        concept["coding"] = [_coding((ROLE_CODE, *known))]
    return concept


def _flag_concept(flag: str) -> Json:
    coding, text = FLAG_CODES[flag]
    ours = {"system": RELATED_PERSON_ROLE_SYSTEM, "code": flag, "display": text}
    return {"coding": [ours, _coding(coding)], "text": text}


def _lower_first(words: str) -> str:
    return words[:1].lower() + words[1:]


def _lpa_concept(lpa: LastingPowerOfAttorney) -> Json:
    kind = lpa.get_lpa_type_display().lower()
    status = _lower_first(lpa.get_status_display())
    verification = _lower_first(lpa.get_verification_display())
    return {
        "coding": [_coding(LPA_CODES[lpa.lpa_type])],
        "text": f"Attorney under a {kind} lasting power of attorney ({status}; {verification})",
    }


def _relationship_concepts(relationship: Relationship) -> list[Json]:
    concepts = [_kind_concept(relationship)]
    if relationship.relationship.strip():
        concepts.append(_words_concept(relationship.relationship.strip()))
    if relationship.is_next_of_kin:
        concepts.append(_flag_concept(NEXT_OF_KIN))
    if relationship.is_main_carer:
        concepts.append(_flag_concept(MAIN_CARER))
    concepts += [
        _lpa_concept(lpa)
        for lpa in relationship.lpas.all()
        if lpa.status != LpaStatus.CANCELLED and lpa.lpa_type in LPA_CODES
    ]
    return concepts


def related_person(relationship: Relationship) -> Json:
    """Someone in the person's life, for a token that may see the person. Attorneys are marked
    by a relationship coded POWATT (and HPOWATT for each health and welfare lasting power of
    attorney in force they act under); the lasting powers themselves are not resources here."""
    resource: Json = {
        "resourceType": "RelatedPerson",
        "id": str(relationship.pk),
        "meta": {"lastUpdated": relationship.updated_at.isoformat()},
        "active": related_person_active(relationship),
        "patient": _reference("Patient", relationship.person_id, relationship.person.full_name),
        "relationship": _relationship_concepts(relationship),
        "name": [
            {
                "prefix": [relationship.title] if relationship.title else [],
                "given": [relationship.given_name],
                "family": relationship.family_name,
            }
        ],
        "telecom": [
            {"system": system, "value": value}
            for system, value in (("phone", relationship.phone), ("email", relationship.email))
            if value
        ],
        "address": [{"text": relationship.address, "postalCode": relationship.postcode}],
        "period": {
            "start": relationship.starts_on.isoformat() if relationship.starts_on else None,
            "end": relationship.ends_on.isoformat() if relationship.ends_on else None,
        },
    }
    cleaned: Json = without_empty(resource)
    return cleaned


# -- RelatedPerson → people.services.add_relationship ---------------------------------------


def reference_id_of(value: Any, resource_type: str, element: str) -> str:
    """The id in a Reference to `resource_type` (`Type/id` or a full URL ending in it)."""
    reference = value.get("reference", "") if isinstance(value, dict) else ""
    parts = str(reference).rstrip("/").split("/")
    if not reference:
        raise MappingProblem(
            f"Give {element} as a reference to a {resource_type}.",
            expression=element,
            code="required",
        )
    if len(parts) < 2 or parts[-2] != resource_type or not parts[-1]:
        raise MappingProblem(
            f"Give {element} as {resource_type}/<id>.", expression=element, code="value"
        )
    return parts[-1]


def related_person_patient_id(resource: Json) -> str:
    """The id of the Patient a RelatedPerson belongs to."""
    return reference_id_of(resource.get("patient"), "Patient", "RelatedPerson.patient")


def _codes(concept: Json) -> list[tuple[str, str]]:
    return [
        (str(coding.get("system", "")), str(coding.get("code", "")))
        for coding in concept.get("coding") or []
        if isinstance(coding, dict)
    ]


def _display(concept: Json) -> str:
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and coding.get("display"):
            return str(coding["display"])
    return ""


class _Roles:
    """What a RelatedPerson's relationship concepts say, read one concept at a time."""

    def __init__(self) -> None:
        self.kind = ""
        self.inferred_kind = ""
        self.words = ""
        self.next_of_kin = False
        self.main_carer = False

    def read(self, concept: Json) -> None:
        codes = _codes(concept)
        ours = [code for system, code in codes if system == RELATED_PERSON_ROLE_SYSTEM]
        if ours:
            for code in ours:
                self._ours(code)
            return
        hl7 = {code for system, code in codes if system in (ROLE_CODE, ROLE_CLASS)}
        if hl7 & ATTORNEY_CODES:
            self._infer(RelationshipKind.ATTORNEY)
        elif "NOK" in hl7 or (V2_CONTACT_ROLE, "N") in codes:
            self.next_of_kin = True
        elif "GUARD" in hl7:
            self._infer(RelationshipKind.DEPUTY)
        elif "CAREGIVER" in hl7:
            self._infer(RelationshipKind.CARER)
        elif hl7 & (FAMILY_CODES | FRIEND_CODES):
            self._infer(RelationshipKind.FRIEND if hl7 & FRIEND_CODES else RelationshipKind.FAMILY)
            self.words = self.words or str(concept.get("text") or _display(concept))
        elif not codes and concept.get("text"):
            self.words = self.words or str(concept["text"])

    def _ours(self, code: str) -> None:
        if code == NEXT_OF_KIN:
            self.next_of_kin = True
        elif code == MAIN_CARER:
            self.main_carer = True
        elif code in RelationshipKind.values:
            self.kind = self.kind or code
        else:
            raise MappingProblem(
                f"{code!r} is not a relationship joinedup knows. Use one of: "
                + ", ".join([*RelationshipKind.values, NEXT_OF_KIN, MAIN_CARER])
                + f" (system {RELATED_PERSON_ROLE_SYSTEM}).",
                expression="RelatedPerson.relationship",
                code="code-invalid",
            )

    def _infer(self, kind: str) -> None:
        self.inferred_kind = self.inferred_kind or kind


def _first(items: Any) -> Json:
    if isinstance(items, list) and items and isinstance(items[0], dict):
        first: Json = items[0]
        return first
    return {}


def _day(value: Any, element: str) -> date | None:
    if not value:
        return None
    text = str(value)
    try:
        if not FHIR_DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text[:10])
    except ValueError:
        raise MappingProblem(
            f"Give {element} as a whole date, YYYY-MM-DD.", expression=element
        ) from None


def _telecom(resource: Json, system: str) -> str:
    for point in resource.get("telecom") or []:
        if isinstance(point, dict) and point.get("system") == system and point.get("value"):
            return str(point["value"]).strip()
    return ""


def _address(resource: Json) -> tuple[str, str]:
    address = _first(resource.get("address"))
    text = str(address.get("text") or "").strip()
    if not text:
        parts = [*(address.get("line") or []), address.get("city"), address.get("district")]
        text = ", ".join(str(part).strip() for part in parts if part)
    return text, str(address.get("postalCode") or "").strip().upper()


def _checked_lengths(fields: dict[str, Any]) -> None:
    for name, (limit, element) in FIELD_LIMITS.items():
        if len(str(fields.get(name) or "")) > limit:
            raise MappingProblem(
                f"{element} is too long: joinedup keeps at most {limit} characters.",
                expression=element,
            )
    if fields["email"]:
        try:
            validate_email(fields["email"])
        except ValidationError:
            raise MappingProblem(
                "The email address is not valid.", expression="RelatedPerson.telecom"
            ) from None


def relationship_fields_from_fhir(resource: Json) -> dict[str, Any]:
    """The keyword arguments of people.services.add_relationship (apart from the person) for a
    RelatedPerson: the inverse of `related_person`. Relationships this server wrote come back
    exactly; other servers' are read from the HL7 codes (table in docs/fhir.md), and a
    relationship with no code joinedup knows is kept as "other" with its words."""
    roles = _Roles()
    for concept in resource.get("relationship") or []:
        if isinstance(concept, dict):
            roles.read(concept)
    name = _first(resource.get("name"))
    given = " ".join(str(part).strip() for part in name.get("given") or [] if part)
    family = str(name.get("family") or "").strip()
    if not given or not family:
        raise MappingProblem(
            "Give the person's given and family names.",
            expression="RelatedPerson.name",
            code="required",
        )
    period = resource.get("period") or {}
    address, postcode = _address(resource)
    fields: dict[str, Any] = {
        "kind": roles.kind or roles.inferred_kind or RelationshipKind.OTHER,
        "relationship": roles.words.strip(),
        "title": " ".join(str(part) for part in name.get("prefix") or [] if part).strip(),
        "given_name": given,
        "family_name": family,
        "phone": _telecom(resource, "phone"),
        "email": _telecom(resource, "email"),
        "address": address,
        "postcode": postcode,
        "is_next_of_kin": roles.next_of_kin,
        "is_main_carer": roles.main_carer,
        "starts_on": _day(period.get("start"), "RelatedPerson.period.start"),
        "ends_on": _day(period.get("end"), "RelatedPerson.period.end"),
    }
    _checked_lengths(fields)
    if fields["starts_on"] and fields["ends_on"] and fields["ends_on"] < fields["starts_on"]:
        raise MappingProblem(
            "The relationship cannot end before it starts.", expression="RelatedPerson.period"
        )
    return fields


related_person_fields = relationship_fields_from_fhir


# -- Consent --------------------------------------------------------------------------------

# R4 requires a policy or policyRule: the HL7 consent directive each kind of choice is.
POLICY_RULES: dict[str, Coding] = {
    ChoiceKind.CONSENT: (ACT_CODE, "OPTIN", "opt-in"),
    ChoiceKind.OBJECTION: (ACT_CODE, "OPTOUT", "opt-out"),
}
PROVISION_TYPE: dict[str, str] = {ChoiceKind.CONSENT: "permit", ChoiceKind.OBJECTION: "deny"}
KIND_OF_PROVISION = {theirs: ours for ours, theirs in PROVISION_TYPE.items()}
# Purposes of use: HL7's where one says the same thing, our own for the others.
PURPOSE_CODES: dict[str, Coding] = {
    Purpose.DIRECT_CARE: (ACT_REASON, "TREAT", "treatment"),
    Purpose.RESEARCH: (ACT_REASON, "HRESCH", "healthcare research"),
    Purpose.SAFEGUARDING: (PURPOSE_SYSTEM, Purpose.SAFEGUARDING, "Safeguarding"),
    Purpose.PLANNING: (PURPOSE_SYSTEM, Purpose.PLANNING, "Planning and commissioning"),
}
PURPOSE_OF_CODE = {(system, code): ours for ours, (system, code, _) in PURPOSE_CODES.items()}
RECIPIENT: Coding = (PARTICIPATION_TYPE, "IRCP", "information recipient")
SCOPE: Json = {
    "coding": [_coding((CONSENT_SCOPE, "patient-privacy", "Privacy Consent"))],
    "text": "Sharing of the person's information",
}
CATEGORY: list[Json] = [
    {"coding": [_coding((LOINC, "59284-0", "Patient Consent"))]},
    {
        "coding": [_coding((ACT_CODE, "IDSCL", "information disclosure"))],
        "text": "A consent or objection to sharing information",
    },
]
# How the person expressed the choice, when the Consent does not say in our extension.
EXPRESSED_BY_PERFORMER = {
    "RelatedPerson": ExpressedHow.ATTORNEY,
    "Practitioner": ExpressedHow.BEST_INTERESTS,
    "PractitionerRole": ExpressedHow.BEST_INTERESTS,
}
CAPACITY_PARTS = {
    "assessment": "capacity_assessment",
    "bestInterestsDecision": "best_interests_decision",
    "consulted": "best_interests_consulted",
}


def consent_version(choice: ConsentDecision) -> int:
    """A recorded choice changes once at most, when it is withdrawn: version 1 while in force,
    2 after (ConsentDecision keeps no version number of its own)."""
    return 1 if choice.in_force else 2


def _performer(choice: ConsentDecision) -> Json:
    if choice.expressed_how == ExpressedHow.ATTORNEY:
        # joinedup records that the attorney decided, not which attorney: no reference.
        return {
            "type": "RelatedPerson",
            "display": "Their attorney under a health and welfare lasting power of attorney",
        }
    if choice.expressed_how == ExpressedHow.BEST_INTERESTS:
        if choice.recorded_by_role is not None:
            return role_ref(choice.recorded_by_role)
        return {"type": "Practitioner", "display": "A best-interests decision made for them"}
    return _reference("Patient", choice.person_id, choice.person.full_name)


def _value_coding(system: str, code: str, display: str) -> Json:
    return {"system": system, "code": code, "display": display}


def _consent_extensions(choice: ConsentDecision) -> list[Json]:
    capacity = [
        {
            "url": "capacity",
            "valueCoding": _value_coding(
                CAPACITY_SYSTEM, choice.capacity, choice.get_capacity_display()
            ),
        },
        *(
            {"url": part, "valueString": getattr(choice, field)}
            for part, field in CAPACITY_PARTS.items()
            if getattr(choice, field)
        ),
    ]
    extensions: list[Json] = [
        {
            "url": EXPRESSED_HOW_URL,
            "valueCoding": _value_coding(
                EXPRESSED_HOW_SYSTEM, choice.expressed_how, choice.get_expressed_how_display()
            ),
        },
        {"url": CAPACITY_URL, "extension": capacity},
    ]
    # An extension must hold a value: the words and the reason only when there are some.
    for url, words in (
        (IN_THEIR_WORDS_URL, choice.in_their_words),
        (WITHDRAWAL_REASON_URL, choice.withdrawal_reason),
    ):
        if words:
            extensions.append({"url": url, "valueString": words})
    return extensions


def _provision(choice: ConsentDecision) -> Json:
    provision: Json = {
        "type": PROVISION_TYPE[choice.kind],
        "period": {
            "start": choice.recorded_at.isoformat(),
            "end": choice.withdrawn_at.isoformat() if choice.withdrawn_at else None,
        },
        "purpose": [_coding(PURPOSE_CODES[choice.purpose])],
    }
    if choice.organisation is not None:
        provision["actor"] = [
            {
                "role": {"coding": [_coding(RECIPIENT)]},
                "reference": organisation_ref(choice.organisation),
            }
        ]
    if choice.category is not None:
        provision["securityLabel"] = [
            _coding((CATEGORY_SYSTEM, choice.category.code, choice.category.name))
        ]
    return provision


def consent(choice: ConsentDecision) -> Json:
    """The person's consent (provision permit) or objection (deny) to sharing, for a token
    that may see the person: active while in force, inactive once withdrawn."""
    recorder = choice.recorded_by_role
    resource: Json = {
        "resourceType": "Consent",
        "id": str(choice.pk),
        "meta": {
            "versionId": str(consent_version(choice)),
            "lastUpdated": choice.updated_at.isoformat(),
        },
        "extension": _consent_extensions(choice),
        "status": "active" if choice.in_force else "inactive",
        "scope": SCOPE,
        "category": CATEGORY,
        "patient": _reference("Patient", choice.person_id, choice.person.full_name),
        "dateTime": choice.recorded_at.isoformat(),
        "performer": [_performer(choice)],
        "organization": [organisation_ref(recorder.organisation)] if recorder else [],
        "policyRule": {
            "coding": [_coding(POLICY_RULES[choice.kind])],
            "text": choice.get_kind_display(),
        },
        "provision": _provision(choice),
    }
    cleaned: Json = without_empty(resource)
    return cleaned


# -- Consent → sharing.services.record_choice -----------------------------------------------


def consent_patient_id(resource: Json) -> str:
    """The id of the Patient whose choice a Consent records."""
    return reference_id_of(resource.get("patient"), "Patient", "Consent.patient")


def _extension(resource: Json, url: str) -> Json:
    for extension in resource.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == url:
            found: Json = extension
            return found
    return {}


def _extension_path(url: str) -> str:
    return f"Consent.extension('{url}')"


def _coded(value: Any, system: str, choices: list[str], element: str, what: str) -> str:
    code = str(value.get("code", "")) if isinstance(value, dict) else ""
    if not isinstance(value, dict) or value.get("system") != system or code not in choices:
        raise MappingProblem(
            f"Give {what} as one of: {', '.join(choices)} (system {system}).",
            expression=element,
            code="code-invalid",
        )
    return code


def _expressed_how(resource: Json) -> str:
    extension = _extension(resource, EXPRESSED_HOW_URL)
    if extension:
        return _coded(
            extension.get("valueCoding"),
            EXPRESSED_HOW_SYSTEM,
            list(ExpressedHow.values),
            _extension_path(EXPRESSED_HOW_URL),
            "how the person expressed their choice",
        )
    performer = _first(resource.get("performer"))
    kind = performer.get("type") or str(performer.get("reference", "")).split("/")[0]
    if kind in EXPRESSED_BY_PERFORMER:
        return EXPRESSED_BY_PERFORMER[kind]
    raise MappingProblem(
        "Say how the person expressed their choice (spoken, written, through an interpreter, "
        f"…) in the extension {EXPRESSED_HOW_URL}, or give the attorney (RelatedPerson) or the "
        "practitioner who made a best-interests decision as the performer.",
        expression=_extension_path(EXPRESSED_HOW_URL),
        code="required",
    )


def _capacity(resource: Json) -> dict[str, str]:
    extension = _extension(resource, CAPACITY_URL)
    parts = {
        str(part.get("url")): part
        for part in extension.get("extension") or []
        if isinstance(part, dict)
    }
    fields = {"capacity": str(CapacityAnswer.ASSUMED)}
    if "capacity" in parts:
        fields["capacity"] = _coded(
            parts["capacity"].get("valueCoding"),
            CAPACITY_SYSTEM,
            list(CapacityAnswer.values),
            _extension_path(CAPACITY_URL),
            "the person's capacity for this decision",
        )
    for part, field in CAPACITY_PARTS.items():
        fields[field] = str(parts.get(part, {}).get("valueString") or "")
    return fields


def _only_one(items: Any, element: str, what: str) -> Json | None:
    if not items:
        return None
    if len(items) > 1:
        raise MappingProblem(
            f"joinedup records one {what} per consent or objection: send one Consent for each.",
            expression=element,
            code="not-supported",
        )
    return _first(items)


def _purpose(provision: Json) -> str:
    coding = _only_one(provision.get("purpose"), "Consent.provision.purpose", "purpose")
    if coding is None:
        return str(Purpose.DIRECT_CARE)
    purpose = PURPOSE_OF_CODE.get((str(coding.get("system")), str(coding.get("code"))))
    if purpose is None and coding.get("system") == PURPOSE_SYSTEM:
        purpose = next((p for p in Purpose.values if p == coding.get("code")), None)
    if purpose is None:
        raise MappingProblem(
            "Give the purpose as one of: "
            + "; ".join(f"{system}|{code}" for system, code, _ in PURPOSE_CODES.values())
            + ".",
            expression="Consent.provision.purpose",
            code="code-invalid",
        )
    return purpose


def _category(provision: Json) -> str | None:
    label = _only_one(
        provision.get("securityLabel"), "Consent.provision.securityLabel", "information category"
    )
    if label is None:
        return None
    code = str(label.get("code", ""))
    if label.get("system") != CATEGORY_SYSTEM or not (
        InformationCategory.objects.filter(pk=code).exists()
    ):
        known = InformationCategory.objects.order_by("code").values_list("code", flat=True)
        raise MappingProblem(
            f"Give the information category as one of: {', '.join(known)} (system "
            f"{CATEGORY_SYSTEM}). Leave securityLabel out for every category.",
            expression="Consent.provision.securityLabel",
            code="code-invalid",
        )
    return code


def _organisation(provision: Json) -> Any:
    actor = _only_one(provision.get("actor"), "Consent.provision.actor", "organisation")
    if actor is None:
        return None
    roles = _codes(actor.get("role") or {})
    if (RECIPIENT[0], RECIPIENT[1]) not in roles:
        raise MappingProblem(
            f"Give the actor's role as {RECIPIENT[0]}|{RECIPIENT[1]} (information recipient): "
            "the organisation the choice is about.",
            expression="Consent.provision.actor.role",
            code="code-invalid",
        )
    reference = actor.get("reference") or {}
    identifier = reference.get("identifier") or {}
    if not reference.get("reference") and identifier.get("value"):
        found = fhir_organisations(ods_code=str(identifier["value"]).strip().upper())
    else:
        organisation_id = reference_id_of(
            reference, "Organization", "Consent.provision.actor.reference"
        )
        found = fhir_organisations(organisation_id=organisation_id)
    organisation = found.first()
    if organisation is None:
        raise MappingProblem(
            "There is no such organisation in the directory.",
            expression="Consent.provision.actor.reference",
            code="business-rule",
        )
    return organisation


UNSUPPORTED_PROVISION = {
    "provision": "nested provisions (exceptions)",
    "data": "choices about particular records",
    "class": "choices about kinds of resource",
    "code": "choices about particular codes",
    "dataPeriod": "choices about records from a period",
}


def consent_status(resource: Json) -> str:
    return str(resource.get("status", ""))


def consent_fields_from_fhir(resource: Json) -> dict[str, Any]:
    """The keyword arguments of sharing.services.record_choice (apart from the actor and the
    person) for a Consent: the inverse of `consent`. A Consent this server wrote comes back
    exactly. joinedup records one rule per choice (kind, one category or all, one organisation
    or any, one purpose), so nested provisions and rules about particular records are refused
    rather than recorded as something the person did not say."""
    provision = resource.get("provision")
    if not isinstance(provision, dict) or not provision.get("type"):
        raise MappingProblem(
            "Say whether the person consents (provision.type permit) or objects (deny).",
            expression="Consent.provision.type",
            code="required",
        )
    kind = KIND_OF_PROVISION.get(str(provision["type"]))
    if kind is None:
        raise MappingProblem(
            "Give provision.type as permit (consent) or deny (objection).",
            expression="Consent.provision.type",
            code="code-invalid",
        )
    for element, what in UNSUPPORTED_PROVISION.items():
        if provision.get(element):
            raise MappingProblem(
                f"joinedup does not record {what}: a consent or objection covers an "
                "information category (or all), an organisation (or any) and a purpose.",
                expression=f"Consent.provision.{element}",
                code="not-supported",
            )
    words = _extension(resource, IN_THEIR_WORDS_URL).get("valueString") or ""
    return {
        "kind": kind,
        "expressed_how": _expressed_how(resource),
        "category": _category(provision),
        "organisation": _organisation(provision),
        "purpose": _purpose(provision),
        "in_their_words": str(words),
        **_capacity(resource),
    }


def withdrawal_reason_from_fhir(resource: Json) -> str:
    """Why the choice is withdrawn, from our extension (empty when not given)."""
    return str(_extension(resource, WITHDRAWAL_REASON_URL).get("valueString") or "").strip()


# Where in a Consent each argument of the sharing services comes from, for their errors.
CONSENT_ELEMENT = {
    "kind": "Consent.provision.type",
    "purpose": "Consent.provision.purpose",
    "category": "Consent.provision.securityLabel",
    "expressed_how": _extension_path(EXPRESSED_HOW_URL),
    "capacity": _extension_path(CAPACITY_URL),
    "capacity_assessment": _extension_path(CAPACITY_URL),
    "best_interests_decision": _extension_path(CAPACITY_URL),
    "reason": _extension_path(WITHDRAWAL_REASON_URL),
}
