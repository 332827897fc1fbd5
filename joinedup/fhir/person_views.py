"""/fhir/R4/ RelatedPerson and Consent (docs/fhir.md, "RelatedPerson and Consent").

RelatedPerson: the people in a person's life (people.Relationship), read and searched through
people.selectors, so the access policy decides and each read or search is audited once.

Consent: the person's consents and objections to sharing (sharing.ConsentDecision), read and
searched through sharing.selectors (one audit event each). `POST /Consent` records a new one
through sharing.services.record_choice, which applies the Mental Capacity Act rules and audits;
`If-None-Exist` makes the create conditional. `PUT /Consent/{id}` with status `inactive`
withdraws one through sharing.services.withdraw_choice; If-Match is required. A recorded
choice is otherwise never changed: the person makes a new one."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.fhir import mapping_people
from joinedup.fhir.mapping import Json
from joinedup.fhir.mapping_people import MappingProblem, consent_version
from joinedup.fhir.outcomes import fhir_response, not_found, unauthorised
from joinedup.fhir.resource_views import person_search, reference_id
from joinedup.fhir.validation import InvalidResource, invalid_response
from joinedup.fhir.views import SearchProblem, base_url, fhir_actor, fhir_endpoint
from joinedup.fhir.writes import (
    BadElement,
    Record,
    Refusals,
    answer,
    answering,
    bad_element,
    broken_rule,
    condition_criteria,
    forbidden,
    resource_body,
    several_match,
    update,
)
from joinedup.people.models import Relationship
from joinedup.people.selectors import (
    open_for_change,
    parse_person_id,
    relationship_for,
    relationships_of_person_for,
)
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import ConsentDecision
from joinedup.sharing.selectors import (
    choice_for,
    choice_for_change,
    choices_of_opened,
    choices_of_person_for,
)
from joinedup.sharing.services import record_choice, withdraw_choice

RELATED_PERSON_CRITERIA = ("_id", "patient")
CONSENT_CRITERIA = ("_id", "patient", "status", "_lastUpdated")
# Every Consent.status code; joinedup's choices are only ever active or inactive (withdrawn).
CONSENT_STATUSES = ("draft", "proposed", "active", "rejected", "inactive", "entered-in-error")
DATE_PREFIXES = ("eq", "gt", "ge", "lt", "le")


def _patient_id(name: str, value: str) -> str:
    person_id = reference_id(name, value, "Patient")
    if parse_person_id(person_id) is None:
        raise SearchProblem(name, f"Give {name} as Patient/<id>.")
    return person_id


# -- RelatedPerson --------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def related_person_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """Someone in a person's life: 404 alike for a missing record and one the token may not
    see. One audit event, by people.selectors.relationship_for."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        relationship = relationship_for(actor, resource_id)
    except NotFound:
        return not_found()
    return fhir_response(mapping_people.related_person(relationship))


def _related_people(actor: Actor, criteria: dict[str, str]) -> list[Relationship]:
    if "patient" in criteria:
        person_id = _patient_id("patient", criteria["patient"])
        try:
            _, found = relationships_of_person_for(actor, person_id)
        except NotFound:
            return []
        wanted = criteria.get("_id")
        return [r for r in found if wanted is None or str(r.pk) == wanted]
    if "_id" in criteria:
        with contextlib.suppress(NotFound):
            return [relationship_for(actor, criteria["_id"])]
        return []
    raise SearchProblem("patient", "Search by patient (Patient/<id>) or _id.", code="required")


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def related_person_search(request: HttpRequest) -> HttpResponse:
    """The people in one person's life, by `patient` (and `_id`): empty when the token may not
    see the person. One audit event per search."""
    return person_search(
        request,
        "RelatedPerson",
        RELATED_PERSON_CRITERIA,
        _related_people,
        mapping_people.related_person,
    )


# -- Consent: searching ---------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    """A `_lastUpdated` comparison: the prefix and the span of time the value names."""

    prefix: str
    start: datetime
    end: datetime

    def matches(self, when: datetime) -> bool:
        return {
            "eq": self.start <= when < self.end,
            "gt": when >= self.end,
            "ge": when >= self.start,
            "lt": when < self.start,
            "le": when < self.end,
        }[self.prefix]


def _moment(raw: str) -> Moment:
    prefix = raw[:2] if raw[:2] in DATE_PREFIXES else "eq"
    value = raw[2:] if raw[:2] in DATE_PREFIXES else raw
    try:
        if len(value) == len("YYYY-MM-DD"):
            day = datetime.fromisoformat(value).date()
            start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
            return Moment(prefix, start, start + timedelta(days=1))
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if when.tzinfo is None:
            raise ValueError(value)
        return Moment(prefix, when.astimezone(UTC), when.astimezone(UTC) + timedelta(seconds=1))
    except ValueError:
        raise SearchProblem(
            "_lastUpdated",
            "Give _lastUpdated as a date (YYYY-MM-DD) or a date and time with its time zone, "
            "optionally after eq, gt, ge, lt or le: for example ge2026-01-01.",
        ) from None


def _status_filter(value: str) -> str:
    if value not in CONSENT_STATUSES:
        raise SearchProblem(
            "status", "Give status as one of: " + ", ".join(CONSENT_STATUSES), code="code-invalid"
        )
    return value


def _narrowed(found: list[ConsentDecision], criteria: dict[str, str]) -> list[ConsentDecision]:
    if "_id" in criteria:
        found = [c for c in found if str(c.pk) == criteria["_id"]]
    if "status" in criteria:
        status = _status_filter(criteria["status"])
        found = [c for c in found if ("active" if c.in_force else "inactive") == status]
    if "_lastUpdated" in criteria:
        moment = _moment(criteria["_lastUpdated"])
        found = [c for c in found if moment.matches(c.updated_at)]
    return found


def _consents(actor: Actor, criteria: dict[str, str]) -> list[ConsentDecision]:
    if "status" in criteria:
        _status_filter(criteria["status"])
    if "_lastUpdated" in criteria:
        _moment(criteria["_lastUpdated"])
    found: list[ConsentDecision] = []
    if "patient" in criteria:
        person_id = _patient_id("patient", criteria["patient"])
        with contextlib.suppress(NotFound):
            _, found = choices_of_person_for(actor, person_id)
    elif "_id" in criteria:
        with contextlib.suppress(NotFound):
            found = [choice_for(actor, criteria["_id"])]
    else:
        raise SearchProblem("patient", "Search by patient (Patient/<id>) or _id.", code="required")
    return _narrowed(found, criteria)


@fhir_endpoint
def _consent_search(request: HttpRequest) -> HttpResponse:
    return person_search(request, "Consent", CONSENT_CRITERIA, _consents, mapping_people.consent)


def _record(choice: ConsentDecision) -> Record:
    return Record("consent or objection", "Consent", choice.pk, consent_version(choice))


def _with_etag(
    choice: ConsentDecision, *, status: int = 200, location: str | None = None
) -> HttpResponse:
    return answer(
        mapping_people.consent(choice), status=status, etag=_record(choice).etag, location=location
    )


@fhir_endpoint
def _consent_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        choice = choice_for(actor, resource_id)
    except NotFound:
        return not_found()
    return _with_etag(choice)


# -- Consent: writing -----------------------------------------------------------------------


def _bad_mapping(problem: MappingProblem) -> BadElement:
    status = 422 if problem.code == "business-rule" else 400
    return BadElement(problem.diagnostics, problem.expression, code=problem.code, status=status)


# -- Consent: creating ----------------------------------------------------------------------


def _conditions(request: HttpRequest, person_id: str) -> dict[str, str] | None:
    """The If-None-Exist criteria (a Consent search), or None without the header. They are
    always about the Consent's own patient."""
    raw = request.headers.get("If-None-Exist")
    if raw is None:
        return None
    criteria = condition_criteria(raw, "Consent", CONSENT_CRITERIA)
    if "patient" in criteria:
        try:
            named = _patient_id("patient", criteria["patient"])
        except SearchProblem as problem:
            raise BadElement(problem.diagnostics, "If-None-Exist", status=400) from None
        if named != person_id:
            raise BadElement(
                "If-None-Exist must be about the Consent's own patient.",
                "If-None-Exist",
                status=400,
            )
    try:
        if "status" in criteria:
            _status_filter(criteria["status"])
        if "_lastUpdated" in criteria:
            _moment(criteria["_lastUpdated"])
    except SearchProblem as problem:
        raise BadElement(problem.diagnostics, "If-None-Exist", status=400) from None
    return criteria


@dataclass(frozen=True)
class NewConsent:
    person_id: str
    fields: dict[str, Any]
    conditions: dict[str, str] | None


def _new_consent(request: HttpRequest) -> NewConsent:
    body = resource_body(request, "Consent", None)
    try:
        person_id = mapping_people.consent_patient_id(body)
        if mapping_people.consent_status(body) != "active":
            raise MappingProblem(
                "Record a consent or objection as active. To withdraw one, PUT it with status "
                "inactive.",
                expression="Consent.status",
                code="business-rule",
            )
        fields = mapping_people.consent_fields_from_fhir(body)
    except MappingProblem as problem:
        raise _bad_mapping(problem) from None
    if parse_person_id(person_id) is None:
        raise BadElement("Give Consent.patient as Patient/<id>.", "Consent.patient", status=400)
    return NewConsent(person_id, fields, _conditions(request, person_id))


def _consent_create(request: HttpRequest) -> HttpResponse:
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        new = _new_consent(request)
    except BadElement as bad:
        return bad_element(bad)
    except InvalidResource as invalid:
        return invalid_response(invalid.issues)
    try:
        opened = open_for_change(actor, new.person_id)
    except NotFound:
        return not_found()
    if new.conditions is not None:
        matches = _narrowed(choices_of_opened(opened), new.conditions)
        if matches:
            # Shown, not created: the access is audited as one read of the record.
            opened.shown()
            if len(matches) > 1:
                return several_match(
                    len(matches),
                    "of this person's consents and objections",
                    code="multiple-matches",
                )
            return _with_etag(matches[0])
    try:
        choice = record_choice(actor=actor, person=opened.person, **new.fields)
    except NotAllowed as error:
        opened.shown()
        return forbidden(error)
    except DomainRuleBroken as error:
        opened.shown()
        return broken_rule(error, mapping_people.CONSENT_ELEMENT)
    return _with_etag(choice, status=201, location=f"{base_url(request)}/Consent/{choice.pk}")


# -- Consent: withdrawing -------------------------------------------------------------------


def _withdrawn(actor: Actor, choice: ConsentDecision, body: Json, version: int) -> HttpResponse:
    """Withdraw the choice (`version` is its current one: If-Match named it)."""
    status = mapping_people.consent_status(body)
    if status not in CONSENT_STATUSES:
        raise BadElement(
            "Give status as one of: " + ", ".join(CONSENT_STATUSES) + ".",
            "Consent.status",
            code="code-invalid",
            status=400,
        )
    if status != "inactive":
        raise BadElement(
            "A recorded consent or objection is never changed, only withdrawn: send it with "
            "status inactive and the reason. To record a different choice, POST a new Consent.",
            "Consent.status",
            code="business-rule",
        )
    reason = mapping_people.withdrawal_reason_from_fhir(body)
    changed = withdraw_choice(actor=actor, choice=choice, reason=reason)
    return _with_etag(choice_for_change(actor, changed.pk))


def _consent_update(request: HttpRequest, resource_id: str) -> HttpResponse:
    return update(
        request,
        "Consent",
        resource_id,
        find=choice_for_change,
        record=_record,
        change=_withdrawn,
        how=Refusals(elements=mapping_people.CONSENT_ELEMENT),
    )


# -- Consent: the addresses -----------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@csrf_exempt
def consents(request: HttpRequest) -> HttpResponse:
    """GET: a person's consents and objections, by `patient` or `_id`, with `status` and
    `_lastUpdated` (one audit event per search). POST: record a new one through
    sharing.services.record_choice (which audits), conditional on If-None-Exist if sent."""
    return answering(
        request,
        "GET, POST",
        {"GET": lambda: _consent_search(request), "POST": lambda: _consent_create(request)},
    )


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@csrf_exempt
def consent(request: HttpRequest, resource_id: str) -> HttpResponse:
    """GET: one consent or objection (one audit event). PUT with status inactive: withdraw it
    through sharing.services.withdraw_choice (which audits); If-Match required."""
    return answering(
        request,
        "GET, PUT",
        {
            "GET": lambda: _consent_read(request, resource_id),
            "PUT": lambda: _consent_update(request, resource_id),
        },
    )
