"""FHIR bulk export: the region, or one organisation's scope, as NDJSON files, one per resource
type (`joinedup export-fhir`). docs/fhir.md ("Bulk export") says what is in scope.

Streams: every query runs with `.iterator(chunk_size=...)`, whose prefetches run once per
chunk, so memory stays flat and the number of queries grows with the number of chunks, never
with the number of rows. Reuses the mapping functions of mapping*.py unchanged.

The export discloses person data, so it is audited as the named system actor "fhir export":
one event per exported person, written a chunk at a time by record_events_in_bulk (the same
fields audit.services.record_event would set), and one summary event for the whole export."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from joinedup.audit.services import record_event, record_events_in_bulk
from joinedup.careteams.models import CareTeamMember, in_force_on
from joinedup.directory.models import Organisation
from joinedup.fhir import mapping, mapping_directory, mapping_people, mapping_referrals
from joinedup.fhir.mapping import Json
from joinedup.fhir.selectors import (
    fhir_organisations,
    fhir_practitioners,
    fhir_role_profiles,
    fhir_services,
)
from joinedup.people.models import Person, Relationship
from joinedup.records.models import CORE_RECORD_CATEGORY
from joinedup.referrals.models import Referral, ReferralItem, ReferralStatusChange
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import ConsentDecision

EXPORT_ACTOR = Actor.system("fhir export")
EXPORT_PERSON_ACTION = "person.export"
EXPORT_ACTION = "fhir.export"
CHUNK_SIZE = 2000

RESOURCE_TYPES = (
    "Patient",
    "RelatedPerson",
    "CareTeam",
    "Consent",
    "ServiceRequest",
    "Task",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "HealthcareService",
)

# The order current_care_team (careteams.selectors) lists a care team in: lead first.
_ROLE_ORDER = {"lead_professional": 0, "key_worker": 1, "member": 2}

T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass
class TypeCount:
    resource_type: str
    written: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0


@dataclass
class ExportResult:
    out_dir: Path
    organisation: Organisation | None
    counts: dict[str, TypeCount] = field(default_factory=dict)
    people: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(count.written for count in self.counts.values())


# -- what is in scope ----------------------------------------------------------------------


def people_in_scope(organisation: Organisation | None) -> QuerySet[Person]:
    """Everyone in the region; with an organisation, the people in its care: a current
    care-team member from it, it as their GP practice, or a referral it sent or received (so
    every exported ServiceRequest's subject is exported too)."""
    people = Person.objects.all()
    if organisation is not None:
        in_team = CareTeamMember.objects.filter(
            in_force_on(timezone.localdate()), person=OuterRef("pk"), organisation=organisation
        )
        referred = Referral.objects.filter(person=OuterRef("pk")).filter(
            Q(requester_organisation=organisation) | Q(receiving_organisation=organisation)
        )
        people = people.filter(Q(gp_practice=organisation) | Exists(in_team) | Exists(referred))
    current_members = (
        CareTeamMember.objects.filter(in_force_on(timezone.localdate()))
        .select_related(
            "role_profile__practitioner",
            "role_profile__organisation",
            "relationship",
            "organisation",
        )
        .order_by("role", "starts_on")
    )
    return (
        people.select_related("gp_practice")
        .prefetch_related(
            Prefetch("care_team_members", queryset=current_members, to_attr="current_members")
        )
        .order_by("pk")
    )


def referrals_in_scope(organisation: Organisation | None) -> QuerySet[Referral]:
    """Every referral; with an organisation, those it sent or received."""
    referrals = Referral.objects.all()
    if organisation is not None:
        referrals = referrals.filter(
            Q(requester_organisation=organisation) | Q(receiving_organisation=organisation)
        )
    return (
        referrals.select_related(
            "person",
            "service",
            "receiving_organisation",
            "requester__practitioner",
            "recipient__practitioner",
            "assigned_to__practitioner",
            "suggested_service",
        )
        .prefetch_related(
            Prefetch("items", queryset=ReferralItem.objects.order_by("position", "id")),
            Prefetch("changes", queryset=ReferralStatusChange.objects.order_by("at", "id")),
        )
        .order_by("pk")
    )


# -- writing -------------------------------------------------------------------------------


def _line(resource: Json) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n"


def _chunks(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _members_of(person: Person) -> list[CareTeamMember]:
    members: list[CareTeamMember] = getattr(person, "current_members", [])
    return sorted(members, key=lambda member: _ROLE_ORDER.get(member.role, 3))


def export_fhir(
    out_dir: Path,
    *,
    organisation: Organisation | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[TypeCount], None] | None = None,
    types: Collection[str] = RESOURCE_TYPES,
    actor: Actor = EXPORT_ACTOR,
) -> ExportResult:
    """Write <out_dir>/<ResourceType>.ndjson for each of `types` (all of RESOURCE_TYPES unless
    told) and audit the disclosure as `actor`: only people whose Patient or CareTeam is
    written count as exported. `progress` is told each type's count once it is written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ExportResult(out_dir=out_dir, organisation=organisation)
    wanted = [name for name in RESOURCE_TYPES if name in types]
    counts = {name: TypeCount(name) for name in wanted}
    result.counts = counts
    reason = f"Exported for FHIR bulk export to {out_dir.name}"
    started = time.perf_counter()
    files: dict[str, IO[str]] = {
        name: (out_dir / f"{name}.ndjson").open("w", encoding="utf-8") for name in wanted
    }
    try:
        if {"Patient", "RelatedPerson", "CareTeam", "Consent"} & set(files):
            _people(files, counts, result, organisation, chunk_size, progress, actor, reason)
        if "ServiceRequest" in files or "Task" in files:
            _referrals(files, counts, organisation, chunk_size, progress)
        # The directory, in full whatever the scope: it is not person data.
        _directory(files, counts, chunk_size, progress)
    finally:
        for handle in files.values():
            handle.close()
    result.seconds = time.perf_counter() - started
    scope = f"organisation {organisation.ods_code}" if organisation else "the whole region"
    summary = ", ".join(f"{count.written} {name}" for name, count in counts.items())
    record_event(
        actor=actor,
        action=EXPORT_ACTION,
        target_type="Export",
        target_id=out_dir.name[:64],
        reason=f"{reason} ({scope}): {summary}",
        categories=(CORE_RECORD_CATEGORY,),
    )
    return result


def _people(
    files: dict[str, IO[str]],
    counts: dict[str, TypeCount],
    result: ExportResult,
    organisation: Organisation | None,
    chunk_size: int,
    progress: Callable[[TypeCount], None] | None,
    actor: Actor,
    reason: str,
) -> None:
    """The Patient, the people in their life, their current care team and their consents and
    objections (withdrawn ones too, as history), one pass over the people; audited a chunk at a
    time. Two queries per chunk for the relationships and choices."""
    begun = time.perf_counter()
    patients, care_teams = files.get("Patient"), files.get("CareTeam")
    related, consents = files.get("RelatedPerson"), files.get("Consent")
    people = people_in_scope(organisation).iterator(chunk_size=chunk_size)
    written = {"RelatedPerson": 0, "Consent": 0}
    for chunk in _chunks(people, chunk_size):
        if patients is not None:
            patients.writelines(_line(mapping.patient(person)) for person in chunk)
        if related is not None:
            relationships = [_line(mapping_people.related_person(r)) for r in _relationships(chunk)]
            related.writelines(relationships)
            written["RelatedPerson"] += len(relationships)
        if care_teams is not None:
            care_teams.writelines(
                _line(mapping_directory.care_team(person, _members_of(person))) for person in chunk
            )
        if consents is not None:
            choices = [_line(mapping_people.consent(choice)) for choice in _choices(chunk)]
            consents.writelines(choices)
            written["Consent"] += len(choices)
        result.people += record_events_in_bulk(
            actor=actor,
            action=EXPORT_PERSON_ACTION,
            target_type="Person",
            people=chunk,
            reason=reason,
            categories=(CORE_RECORD_CATEGORY,),
        )
    _finish(counts, ("Patient", "CareTeam"), result.people, begun, progress)
    for name, count in written.items():
        _finish(counts, (name,), count, begun, progress)


def _relationships(people: Sequence[Person]) -> QuerySet[Relationship]:
    return (
        Relationship.objects.filter(person__in=people)
        .select_related("person")
        .prefetch_related("lpas")
        .order_by("person_id", "pk")
    )


def _choices(people: Sequence[Person]) -> QuerySet[ConsentDecision]:
    return (
        ConsentDecision.objects.filter(person__in=people)
        .select_related("person", "organisation", "category", "recorded_by_role__practitioner")
        .order_by("person_id", "recorded_at", "pk")
    )


def _referrals(
    files: dict[str, IO[str]],
    counts: dict[str, TypeCount],
    organisation: Organisation | None,
    chunk_size: int,
    progress: Callable[[TypeCount], None] | None,
) -> None:
    """ServiceRequest and Task, one pass."""
    begun = time.perf_counter()
    requests, tasks = files.get("ServiceRequest"), files.get("Task")
    written = 0
    for referral in referrals_in_scope(organisation).iterator(chunk_size=chunk_size):
        if requests is not None:
            requests.write(_line(mapping_referrals.service_request(referral)))
        if tasks is not None:
            tasks.write(_line(mapping_referrals.task(referral)))
        written += 1
    _finish(counts, ("ServiceRequest", "Task"), written, begun, progress)


def _write(out: IO[str], rows: QuerySet[M], to_fhir: Callable[[M], Json], chunk_size: int) -> int:
    written = 0
    for row in rows.iterator(chunk_size=chunk_size):
        out.write(_line(to_fhir(row)))
        written += 1
    return written


def _directory(
    files: dict[str, IO[str]],
    counts: dict[str, TypeCount],
    chunk_size: int,
    progress: Callable[[TypeCount], None] | None,
) -> None:
    """The directory in full, one type at a time: those of its types being exported."""
    sources: tuple[tuple[str, Callable[[], QuerySet[Any]], Callable[[Any], Json]], ...] = (
        ("Organization", fhir_organisations, mapping_directory.organization),
        ("Practitioner", fhir_practitioners, mapping_directory.practitioner),
        ("PractitionerRole", fhir_role_profiles, mapping_directory.practitioner_role),
        ("HealthcareService", fhir_services, mapping_directory.healthcare_service),
    )
    for name, rows, to_fhir in sources:
        if name in files:
            begun = time.perf_counter()
            written = _write(files[name], rows(), to_fhir, chunk_size)
            _finish(counts, (name,), written, begun, progress)


def _finish(
    counts: dict[str, TypeCount],
    names: Sequence[str],
    written: int,
    begun: float,
    progress: Callable[[TypeCount], None] | None,
) -> None:
    seconds = time.perf_counter() - begun
    for name in names:
        if name not in counts:  # not asked for
            continue
        counts[name].written = written
        counts[name].seconds = seconds
        if progress is not None:
            progress(counts[name])


def organisation_by_ods_code(ods_code: str) -> Organisation | None:
    """The organisation with this ODS code (any case), or None."""
    return fhir_organisations(ods_code=ods_code).first() if ods_code.strip() else None
