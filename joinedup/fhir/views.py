"""/fhir/R4/: the CapabilityStatement, and Patient read and search (the first slice of the FHIR
interface, docs/fhir.md).

Bearer tokens are the same as /api/v1/'s; each acts as its user in one role profile, on the
"fhir" channel. People are read only through people.selectors, so the access policy and the
audit apply unchanged. Every answer is application/fhir+json; every error an OperationOutcome."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from joinedup.accounts.services import authenticate_api_token
from joinedup.api.auth import MAX_TOKEN_LENGTH, actor_for_token, note_token_use
from joinedup.core.errors import NotFound
from joinedup.core.identifiers import InvalidIdentifier, normalise_nhs_number
from joinedup.core.routes import Access, Audit, route
from joinedup.fhir import mapping
from joinedup.fhir.capability import capability_statement
from joinedup.fhir.outcomes import (
    fhir_response,
    invalid_parameter,
    method_not_allowed,
    not_acceptable,
    not_found,
    server_error,
    unauthorised,
)
from joinedup.people.models import Person
from joinedup.people.selectors import get_person_for, search_people
from joinedup.sharing.actors import Actor

View = Callable[..., HttpResponse]

DEFAULT_COUNT = 20
MAX_COUNT = 100
JSON_FORMATS = frozenset(
    {"json", "application/json", "application/fhir+json", "application/json+fhir"}
)
ACCEPTABLE = JSON_FORMATS | {"*/*", "application/*"}
CRITERIA = ("_id", "identifier", "family", "birthdate")
CONTROLS = ("_count", "_offset", "_format")
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


# -- every endpoint -------------------------------------------------------------------------


def fhir_endpoint(view: View) -> View:
    """GET only, JSON only, and an OperationOutcome for anything that goes wrong."""

    @functools.wraps(view)
    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET":
            return method_not_allowed(request, "GET")
        refused = _unacceptable_format(request)
        if refused is not None:
            return refused
        try:
            return view(request, *args, **kwargs)
        except Exception:
            return server_error(request)

    return csrf_exempt(answer)


def _unacceptable_format(request: HttpRequest) -> HttpResponse | None:
    asked = request.GET.get("_format")
    if asked is not None and asked.strip().lower() not in JSON_FORMATS:
        return not_acceptable(asked)
    accept = request.headers.get("Accept", "").strip()
    if not accept:
        return None
    media_types = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if media_types & ACCEPTABLE:
        return None
    return not_acceptable(accept)


def fhir_actor(request: HttpRequest) -> Actor | None:
    """The actor for the request's bearer token (the same tokens and checks as /api/v1/), or
    None without a live token. Sessions count for nothing here."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    record = authenticate_api_token(token)
    if record is None:
        return None
    note_token_use(record)
    return actor_for_token(record, channel="fhir")


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")


def _patient_url(request: HttpRequest, person: Person) -> str:
    return f"{base_url(request)}/Patient/{person.pk}"


# -- metadata -------------------------------------------------------------------------------


@route(access=Access.PUBLIC, audit=Audit.NONE)
@fhir_endpoint
def metadata(request: HttpRequest) -> HttpResponse:
    """What this server supports. Open to anyone, as FHIR expects; holds no one's data."""
    return fhir_response(capability_statement(base_url(request)))


# -- Patient --------------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def patient_read(request: HttpRequest, patient_id: str) -> HttpResponse:
    """One Patient: 404 alike for a missing record and one the token may not see. Audited as
    one read of the person's core record (by get_person_for)."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        person = get_person_for(actor, patient_id)
    except NotFound:
        return not_found()
    return fhir_response(mapping.patient(person))


class SearchProblem(Exception):
    def __init__(self, name: str, diagnostics: str, *, code: str = "value") -> None:
        super().__init__(diagnostics)
        self.name = name
        self.diagnostics = diagnostics
        self.code = code


@dataclass(frozen=True)
class PatientSearch:
    count: int
    offset: int
    person_id: str | None = None
    nhs_number: str | None = None
    family: str | None = None
    birthdate: date | None = None

    def criteria(self) -> list[tuple[str, str]]:
        """The parameters as understood, for the self and next links."""
        pairs: list[tuple[str, str | None]] = [
            ("_id", self.person_id),
            (
                "identifier",
                f"{mapping.NHS_NUMBER_SYSTEM}|{self.nhs_number}" if self.nhs_number else None,
            ),
            ("family", self.family),
            ("birthdate", self.birthdate.isoformat() if self.birthdate else None),
        ]
        return [(name, value) for name, value in pairs if value is not None]


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def patient_search(request: HttpRequest) -> HttpResponse:
    """Patients the token may see, by _id, NHS number, or family name and date of birth, as a
    searchset Bundle. Audited as one search (or, by _id, one read) per page asked for."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        search = parse_patient_search(request)
    except SearchProblem as problem:
        return invalid_parameter(problem.name, problem.diagnostics, code=problem.code)
    found = _matches(actor, search)
    page = found[search.offset : search.offset + search.count]
    after = search.offset + search.count
    return fhir_response(
        mapping.searchset(
            entries=[(_patient_url(request, p), mapping.patient(p)) for p in page],
            total=len(found),
            self_url=_search_url(request, search, search.offset),
            next_url=_search_url(request, search, after) if after < len(found) else None,
            previous_url=_search_url(request, search, max(search.offset - search.count, 0))
            if search.offset
            else None,
        )
    )


def _matches(actor: Actor, search: PatientSearch) -> list[Person]:
    if search.person_id is not None:
        try:
            return [get_person_for(actor, search.person_id)]
        except NotFound:
            return []
    if search.nhs_number is not None:
        return search_people(actor, nhs_number=search.nhs_number)
    return search_people(actor, family_name=search.family, date_of_birth=search.birthdate)


def _search_url(request: HttpRequest, search: PatientSearch, offset: int) -> str:
    pairs = [*search.criteria(), ("_count", str(search.count))]
    if offset:
        pairs.append(("_offset", str(offset)))
    return f"{base_url(request)}/Patient?{urlencode(pairs)}"


# -- reading the search parameters ----------------------------------------------------------


def parse_patient_search(request: HttpRequest) -> PatientSearch:
    """The search asked for, or SearchProblem naming the parameter at fault. Parameters this
    server does not know are ignored, as FHIR allows, unless the client sent
    `Prefer: handling=strict`."""
    given, _ = search_parameters(request, CRITERIA)
    count, offset = page_asked(given)
    return PatientSearch(count=count, offset=offset, **_criteria(given))


def search_parameters(
    request: HttpRequest, known: Sequence[str], *, ranges: Sequence[str] = ()
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The parameters among `known` and CONTROLS, each given once (name → value, stripped),
    and those among `ranges` (dates), each given at most twice: a lower and an upper bound.
    Others are ignored unless the client sent `Prefer: handling=strict`; SearchProblem for a
    parameter given too often."""
    given: dict[str, str] = {}
    bounds: list[tuple[str, str]] = []
    for name, values in request.GET.lists():
        if name in ranges:
            if len(values) > 2:
                raise SearchProblem(name, f"Give {name} at most twice: from and until.")
            bounds += [(name, value.strip()) for value in values]
            continue
        if name not in known and name not in CONTROLS:
            if wants_strict_handling(request):
                raise SearchProblem(
                    name,
                    f"This server does not support the parameter {name} here.",
                    code="not-supported",
                )
            continue
        if len(values) != 1:
            raise SearchProblem(name, f"Give {name} once.", code="not-supported")
        given[name] = values[0].strip()
    return given, bounds


def page_asked(given: dict[str, str]) -> tuple[int, int]:
    """`_count` (at most MAX_COUNT) and `_offset`, from the parameters given."""
    count = min(whole_number(given, "_count", DEFAULT_COUNT, least=1), MAX_COUNT)
    return count, whole_number(given, "_offset", 0, least=0)


def wants_strict_handling(request: HttpRequest) -> bool:
    preferences = request.headers.get("Prefer", "").replace(";", ",").split(",")
    return any(p.strip().replace(" ", "").lower() == "handling=strict" for p in preferences)


def whole_number(given: dict[str, str], name: str, default: int, *, least: int) -> int:
    if name not in given:
        return default
    raw = given[name]
    if not raw.isdigit() or not raw.isascii() or int(raw) < least:
        raise SearchProblem(name, f"Give {name} as a whole number, {least} or more.")
    return int(raw)


def _criteria(given: dict[str, str]) -> dict[str, Any]:
    named = [name for name in CRITERIA if name in given]
    if "_id" in given:
        if len(named) > 1:
            raise SearchProblem(named[1], "Search by _id alone.", code="not-supported")
        if not FHIR_ID.match(given["_id"]):
            raise SearchProblem("_id", "Give _id as a Patient's id.")
        return {"person_id": given["_id"]}
    if "identifier" in given:
        if len(named) > 1:
            raise SearchProblem(
                named[1],
                "Search by NHS number, or by family and birthdate, not both.",
                code="not-supported",
            )
        return {"nhs_number": _nhs_number(given["identifier"])}
    if not named:
        raise SearchProblem(
            "identifier",
            "Search by identifier (the NHS number), or by family and birthdate, or by _id.",
            code="required",
        )
    for name in ("family", "birthdate"):
        if not given.get(name):
            raise SearchProblem(name, "Search by family and birthdate together.", code="required")
    return {"family": given["family"], "birthdate": _birthdate(given["birthdate"])}


def _nhs_number(token: str) -> str:
    system, bar, value = token.rpartition("|")
    if bar and system not in ("", mapping.NHS_NUMBER_SYSTEM):
        raise SearchProblem(
            "identifier",
            f"Only NHS numbers can be searched: use the system {mapping.NHS_NUMBER_SYSTEM}.",
            code="not-supported",
        )
    try:
        return normalise_nhs_number(value)
    except InvalidIdentifier as error:
        raise SearchProblem("identifier", str(error)) from error


def _birthdate(raw: str) -> date:
    value = raw.removeprefix("eq")
    try:
        if len(value) != len("YYYY-MM-DD"):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise SearchProblem(
            "birthdate",
            "Give birthdate as a whole date, YYYY-MM-DD. Ranges and partial dates are not "
            "supported yet.",
        ) from None


# -- anything else --------------------------------------------------------------------------


@route(access=Access.PUBLIC, audit=Audit.NONE)
@csrf_exempt
def no_such_endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any address under /fhir/R4/ this server does not answer: a 404 OperationOutcome."""
    return not_found()
