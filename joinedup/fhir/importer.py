"""`joinedup import-fhir`: FHIR R4 bundles and NDJSON files from other systems into joinedup.

Reads files a batch at a time (a JSON file is one resource or one Bundle; an NDJSON file is
read line by line), checks every resource with fhir/validation.py, maps what joinedup keeps with
fhir/inbound.py (and mapping_people.py), and writes through the domain services, so the policy
and the audit apply as they do to the pages. Resource types joinedup does not keep are counted
and named, never silently dropped; a bad entry is reported with its file and entry (or line)
number and the element at fault, and the good ones around it still load.

Idempotent: every key a resource can be referred to by is remembered in ImportedRecord (and
people are matched by NHS number, organisations by ODS code, practitioners by registration),
so a re-run finds the records it made instead of making new ones, and references between files
resolve whatever order they arrive in, as long as what is referred to comes first: the files of
a directory, and the entries of a Bundle, are taken in dependency order (organisations before
people before care teams before referrals).

Who acts: with an organisation, its system client (people imported are in its care); without,
the region loader (Actor.region_loader), for moving a whole region from another system."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event
from joinedup.careteams.services import ImportedMember, import_care_team, import_care_teams
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.directory.models import Organisation, OrganisationType, Practitioner, Service
from joinedup.directory.services import (
    Saved,
    import_organisation,
    import_practitioner,
    import_role_profile,
    import_service,
)
from joinedup.fhir import inbound
from joinedup.fhir.inbound import Mapped, Ref, Unusable
from joinedup.fhir.mapping import NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM
from joinedup.fhir.mapping_directory import REGISTRATION_SYSTEMS
from joinedup.fhir.mapping_people import (
    MappingProblem,
    consent_fields_from_fhir,
    relationship_fields_from_fhir,
    withdrawal_reason_from_fhir,
)
from joinedup.fhir.models import ImportedRecord
from joinedup.fhir.validation import errors_in, is_resource_type, validate
from joinedup.people.models import Person, Relationship
from joinedup.people.services import (
    NewPerson,
    add_relationship,
    add_relationships,
    check_person_fields,
    register_existing_person,
    register_people,
    update_person_details,
)
from joinedup.referrals.models import Referral
from joinedup.referrals.services import (
    ImportedReferral,
    import_referral,
    import_referral_progress,
)
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, decide
from joinedup.sharing.services import record_choice, withdraw_choice

Json = dict[str, Any]
logger = logging.getLogger("joinedup.fhir.import")

IMPORT_ACTION = "fhir.import"
BATCH_SIZE = 500
# Keys kept in memory between batches (a cache of ImportedRecord and the natural keys).
MAX_KNOWN = 100_000
REASON = "Imported from another system (FHIR)"

# The order resources load in: whatever is referred to before what refers to it.
IMPORT_ORDER = (
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "HealthcareService",
    "Patient",
    "RelatedPerson",
    "CareTeam",
    "Consent",
    "ServiceRequest",
    "Task",
)
_RANK = {name: rank for rank, name in enumerate(IMPORT_ORDER)}

# Types joinedup serves but makes itself, so does not take from elsewhere, and why.
KEPT_OUR_OWN_WAY = {
    "AuditEvent": "joinedup keeps its own audit trail",
    "Provenance": "joinedup records its own history of changes",
    "Communication": "handovers are given and read back in joinedup",
    "CarePlan": "care plans are agreed with the person in joinedup",
    "Goal": "goals are set with the person in a joinedup care plan",
    "Bundle": "a Bundle inside a Bundle is not imported",
}


# -- what happened -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    where: str
    expression: str
    diagnostics: str


@dataclass
class ImportReport:
    """Counts by resource type and outcome, every problem with where it was, and warnings."""

    files: int = 0
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, resource_type: str, outcome: str, n: int = 1) -> None:
        self.outcomes.setdefault(resource_type, Counter())[outcome] += n

    @property
    def loaded(self) -> int:
        """Resources that are now in joinedup: new, updated or already there."""
        return sum(sum(counts.values()) for counts in self.outcomes.values())

    @property
    def per_second(self) -> float:
        handled = self.loaded + len(self.errors) + sum(self.skipped.values())
        return handled / self.seconds if self.seconds > 0 else 0.0


# -- reading files -----------------------------------------------------------------------------


@dataclass
class Entry:
    where: str
    resource: Any
    full_url: str | None = None
    in_bundle: bool = False
    size: int = 0


class UnreadableFile(Exception):
    pass


def files_in(paths: Sequence[Path]) -> list[Path]:
    """Every file to read: the paths given, and the files under each directory, NDJSON first
    in dependency order (by the resource type in the name), then JSON."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        else:
            found.append(path)

    def order(path: Path) -> tuple[int, int, str]:
        if path.suffix == ".ndjson":
            stem = path.name.split(".")[0]
            return (0, _RANK.get(stem, len(IMPORT_ORDER)), str(path))
        return (1, 0, str(path))

    return sorted(found, key=order)


def entries_of_json(path: Path) -> list[Entry]:
    """The resources of one JSON file: the resource itself, or a Bundle's entries (a Bundle
    within a Bundle, as a message or document holds, is opened too)."""
    try:
        with path.open("rb") as handle:
            content = json.load(handle)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise UnreadableFile(f"This is not JSON: {error}.") from None
    if not isinstance(content, dict):
        raise UnreadableFile("This JSON is not a FHIR resource (an object with a resourceType).")
    return list(_unpack(content, str(path), in_bundle=False, full_url=None))


def _unpack(
    resource: Json, where: str, *, in_bundle: bool, full_url: str | None
) -> Iterator[Entry]:
    if resource.get("resourceType") != "Bundle":
        yield Entry(where, resource, full_url, in_bundle)
        return
    for index, item in enumerate(resource.get("entry") or []):
        place = f"{where} entry {index + 1}"
        if not isinstance(item, dict):
            yield Entry(place, item, None, True)
            continue
        inner = item.get("resource")
        request = item["request"] if isinstance(item.get("request"), dict) else {}
        if inner is None:
            method = str(request.get("method") or "")
            what = "a deletion" if method == "DELETE" else "no resource"
            yield Entry(
                place, {"_problem": f"This entry holds {what}: nothing to import."}, None, True
            )
            continue
        if isinstance(inner, dict) and inner.get("resourceType") == "Bundle":
            yield from _unpack(inner, place, in_bundle=True, full_url=item.get("fullUrl"))
            continue
        yield Entry(place, inner, item.get("fullUrl"), True)


def entries_of_ndjson(path: Path) -> Iterator[Entry]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line:
                continue
            where = f"{path} line {number}"
            try:
                yield Entry(where, json.loads(line), size=len(raw))
            except (UnicodeDecodeError, ValueError, RecursionError) as error:
                yield Entry(where, {"_problem": f"This line is not JSON: {error}."}, size=len(raw))


# -- finding what references point at ---------------------------------------------------------------


class Resolver:
    """Keys (`Type/id`, `urn:uuid:…`, `Type?identifier=system|value`) → joinedup records. Keys
    made in this run are in memory; earlier runs' are in ImportedRecord; failing those, natural
    keys (our own UUIDs, NHS numbers, ODS codes, registrations) find records made in joinedup."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[str, uuid.UUID]] = {}
        self.pending: list[ImportedRecord] = []

    def remember(self, keys: Iterable[str], resource_type: str, target: uuid.UUID) -> None:
        for key in keys:
            if self.known.get(key) != (resource_type, target):
                self.known[key] = (resource_type, target)
                self.pending.append(
                    ImportedRecord(key=key[:400], resource_type=resource_type, target_id=target)
                )

    def flush(self) -> None:
        """Write the keys learnt since the last flush (a key already stored keeps its record).
        Once written, the keys in memory are only a cache: past MAX_KNOWN they are dropped, and
        prefetch reads them back as later batches need them, so memory stays flat however
        large the import."""
        if self.pending:
            ImportedRecord.objects.bulk_create(self.pending, batch_size=1000, ignore_conflicts=True)
            self.pending = []
        if len(self.known) > MAX_KNOWN:
            self.known.clear()

    def prefetch(self, keys: Iterable[str]) -> None:
        wanted = [key[:400] for key in set(keys) if key not in self.known]
        for start in range(0, len(wanted), 900):
            rows = ImportedRecord.objects.filter(key__in=wanted[start : start + 900])
            for row in rows.values_list("key", "resource_type", "target_id"):
                self.known[row[0]] = (row[1], row[2])
        self._natural([key for key in wanted if key not in self.known])

    def find(self, ref: Ref | None, resource_type: str) -> uuid.UUID | None:
        if ref is None:
            return None
        for key in ref.keys:
            found = self.known.get(key)
            if found is not None and found[0] == resource_type:
                return found[1]
        return None

    def _natural(self, keys: list[str]) -> None:
        by_id: dict[str, set[uuid.UUID]] = {}
        for key in keys:
            resource_type, slash, rest = key.partition("/")
            if slash and "?" not in resource_type:
                try:
                    by_id.setdefault(resource_type, set()).add(uuid.UUID(rest))
                except ValueError:
                    continue
        for resource_type, ids in by_id.items():
            model = NATURAL_MODELS.get(resource_type)
            if model is not None:
                for pk in model.objects.filter(pk__in=ids).values_list("pk", flat=True):
                    self.known[f"{resource_type}/{pk}"] = (resource_type, pk)
        by_identifier: dict[tuple[str, str], set[str]] = {}
        for key in keys:
            resource_type, _, token = key.partition("?identifier=")
            if token:
                system, _, value = token.rpartition("|")
                by_identifier.setdefault((resource_type, system), set()).add(value)
        for (resource_type, system), values in by_identifier.items():
            for value, pk in _by_identifier(resource_type, system, values):
                key = inbound.identifier_key(resource_type, system, value)
                self.known[key] = (resource_type, pk)


NATURAL_MODELS: dict[str, Any] = {
    "Organization": Organisation,
    "Practitioner": Practitioner,
    "PractitionerRole": RoleProfile,
    "HealthcareService": Service,
    "Patient": Person,
    "CareTeam": Person,
    "RelatedPerson": Relationship,
    "ServiceRequest": Referral,
    "Task": Referral,
}


def _by_identifier(
    resource_type: str, system: str, values: set[str]
) -> list[tuple[str, uuid.UUID]]:
    """Records made in joinedup with these business identifiers: (value, key) pairs, in one
    query per kind of identifier."""
    if resource_type == "Organization" and system == ODS_CODE_SYSTEM:
        codes = {value.upper(): value for value in values}
        found = Organisation.objects.filter(ods_code__in=codes).values_list("ods_code", "pk")
        return [(codes[str(code)], pk) for code, pk in found]
    if resource_type == "Patient" and system == NHS_NUMBER_SYSTEM:
        return list(Person.objects.filter(nhs_number__in=values).values_list("nhs_number", "pk"))
    if resource_type == "Practitioner":
        regulator = next((r for r, s in REGISTRATION_SYSTEMS.items() if s == system), None)
        if regulator is not None:
            practitioners = Practitioner.objects.filter(
                regulator=regulator, registration_number__in=values
            )
            return list(practitioners.values_list("registration_number", "pk"))
    return []


# -- the import ----------------------------------------------------------------------------------


@dataclass
class Item:
    """One entry on its way in: where it came from, the resource, and what it maps to."""

    entry: Entry
    resource: Json
    mapped: Mapped | None = None
    keys: list[str] = field(default_factory=list)


Progress = Callable[[int], None]


class Importer:
    def __init__(self, actor: Actor, *, batch_size: int = BATCH_SIZE) -> None:
        self.actor = actor
        self.batch_size = batch_size
        self.report = ImportReport()
        self.resolver = Resolver()
        self._org_types: dict[uuid.UUID, str] = {}
        self._cache: dict[str, dict[Any, Any]] = {"Organization": {}, "Practitioners": {}}
        # Entries whose references were not there yet: tried again once everything else has
        # loaded, so files may come in any order.
        self._deferred: list[Entry] | None = []

    # -- driving ----------------------------------------------------------------------

    def run(self, paths: Sequence[Path], *, progress: Progress | None = None) -> ImportReport:
        started = time.perf_counter()
        for path in files_in(paths):
            self.report.files += 1
            self.import_file(path, progress)
        waiting, self._deferred = self._deferred or [], None
        waiting.sort(key=lambda entry: _rank_of(entry.resource))
        for start in range(0, len(waiting), self.batch_size):
            self.load(waiting[start : start + self.batch_size])
        self.report.seconds = time.perf_counter() - started
        record_event(
            actor=self.actor,
            action=IMPORT_ACTION,
            target_type="import",
            reason=(
                f"{self.report.files} files: {self.report.loaded} resources loaded, "
                f"{sum(self.report.skipped.values())} skipped, {len(self.report.errors)} refused"
            ),
        )
        return self.report

    def import_file(self, path: Path, progress: Progress | None = None) -> None:
        """One file, a batch at a time; `progress` hears how many bytes are done."""
        if path.suffix == ".ndjson":
            lines = entries_of_ndjson(path)
            while batch := list(islice(lines, self.batch_size)):
                self.load(batch)
                if progress is not None:
                    progress(sum(entry.size for entry in batch))
            return
        self._import_json(path)
        if progress is not None:
            progress(path.stat().st_size)

    def _import_json(self, path: Path) -> None:
        if path.suffix != ".json":
            self._error(
                str(path), "", "Not a FHIR JSON (.json) or NDJSON (.ndjson) file, so not read."
            )
            return
        try:
            entries = entries_of_json(path)
        except UnreadableFile as problem:
            self._error(str(path), "", str(problem))
            return
        entries.sort(key=lambda entry: _rank_of(entry.resource))
        for start in range(0, len(entries), self.batch_size):
            self.load(entries[start : start + self.batch_size])

    def load(self, entries: Sequence[Entry]) -> None:
        """One batch: check and map every entry, then write them type by type, in order."""
        groups: dict[str, list[Item]] = {}
        for entry in entries:
            item = self._checked(entry)
            if item is not None:
                groups.setdefault(item.resource["resourceType"], []).append(item)
        for resource_type in sorted(groups, key=lambda name: _RANK.get(name, 99)):
            items = groups[resource_type]
            self.resolver.prefetch(
                key for item in items for key in [*item.keys, *_ref_keys(item.mapped)]
            )
            with transaction.atomic():
                WRITERS[resource_type](self, items)
                self.resolver.flush()

    # -- checking ---------------------------------------------------------------------

    def _checked(self, entry: Entry) -> Item | None:
        resource = entry.resource
        if isinstance(resource, dict) and "_problem" in resource:
            self._error(entry.where, "", str(resource["_problem"]))
            return None
        resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
        known_elsewhere = isinstance(resource_type, str) and is_resource_type(resource_type)
        if known_elsewhere and resource_type not in WRITERS:
            self.report.skipped[str(resource_type)] += 1
            return None
        problems = errors_in(validate(resource, in_bundle=entry.in_bundle))
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            self._error(entry.where, first.expression or "", f"{first.diagnostics}{more}")
            return None
        item = Item(entry=entry, resource=resource)
        item.keys = inbound.own_keys(resource, entry.full_url)
        try:
            item.mapped = MAPPERS[resource["resourceType"]](resource)
        except Unusable as problem:
            self._error(entry.where, problem.expression, problem.diagnostics)
            return None
        except MappingProblem as problem:
            self._error(entry.where, problem.expression, problem.diagnostics)
            return None
        for warning in item.mapped.warnings:
            self.report.warnings.append(Problem(entry.where, "", warning))
        return item

    def _error(self, where: str, expression: str, diagnostics: str) -> None:
        self.report.errors.append(Problem(where, expression, diagnostics))

    def _missing(self, item: Item, name: str, ref: Ref | None) -> None:
        if self._deferred is not None and ref is not None:
            self._deferred.append(item.entry)
            return
        shown = ref.keys[0] if ref is not None and ref.keys else name
        self._error(
            item.entry.where,
            f"{item.resource['resourceType']}.{name}",
            f"This refers to {shown}, which is neither earlier in this import nor in joinedup.",
        )

    def _found(self, item: Item, **wanted: tuple[str, str]) -> dict[str, uuid.UUID] | None:
        """The records the item's references name (reference name=(resource type, element)),
        or None when one is not there yet: that entry is then deferred or reported."""
        assert item.mapped is not None  # noqa: S101 - mapped by _checked
        found: dict[str, uuid.UUID] = {}
        for name, (resource_type, element) in wanted.items():
            ref = item.mapped.refs[name]
            record = self.resolver.find(ref, resource_type)
            if record is None:
                self._missing(item, element, ref)
                return None
            found[name] = record
        return found

    def _one(self, item: Item, write: Callable[[], tuple[uuid.UUID, str] | None]) -> None:
        """Write one item in its own savepoint: a refusal undoes it alone and is reported."""
        resource_type = item.resource["resourceType"]
        try:
            with transaction.atomic():
                done = write()
        except (DomainRuleBroken, ValidationError, MappingProblem, Unusable) as problem:
            self._error(item.entry.where, _expression_of(problem, resource_type), _words(problem))
            return
        except NotAllowed as refusal:
            self._error(item.entry.where, resource_type, str(refusal) or "Not allowed.")
            return
        except IntegrityError as clash:
            logger.info("Import clash at %s: %s", item.entry.where, clash)
            self._error(
                item.entry.where,
                resource_type,
                f"This {resource_type} clashes with a record joinedup already has (the same "
                "identifier on another record), so it was not loaded.",
            )
            return
        except NotFound:
            self._error(
                item.entry.where,
                resource_type,
                f"The {resource_type} is about someone this import may not change.",
            )
            return
        if done is not None:
            target, outcome = done
            self.resolver.remember(item.keys, resource_type, target)
            self.report.count(resource_type, outcome)

    # -- the directory ----------------------------------------------------------------

    def _existing(self, item: Item, model: Any, resource_type: str) -> Any:
        found = self.resolver.find(Ref(resource_type, tuple(item.keys)), resource_type)
        return model.objects.filter(pk=found).first() if found else None

    def _free_pk(self, item: Item, model: Any) -> uuid.UUID | None:
        wanted = inbound.uuid_id(item.resource)
        if wanted is None or model.objects.filter(pk=wanted).exists():
            return None
        return uuid.UUID(wanted)

    def write_organisations(self, items: list[Item]) -> None:
        for item in items:
            assert item.mapped is not None  # noqa: S101 - mapped by _checked
            mapped = item.mapped

            def write(item: Item = item, mapped: Mapped = mapped) -> tuple[uuid.UUID, str]:
                existing = self._existing(item, Organisation, "Organization")
                if existing is None and mapped.fields["ods_code"] is not None:
                    existing = Organisation.objects.filter(
                        ods_code__iexact=mapped.fields["ods_code"]
                    ).first()
                record, saved = import_organisation(
                    actor=self.actor,
                    existing=existing,
                    fields=mapped.fields,
                    pk=self._free_pk(item, Organisation) if existing is None else None,
                )
                self._org_types[record.pk] = record.org_type
                return record.pk, saved

            self._one(item, write)

    def write_practitioners(self, items: list[Item]) -> None:
        for item in items:
            assert item.mapped is not None  # noqa: S101 - mapped by _checked
            mapped = item.mapped

            def write(item: Item = item, mapped: Mapped = mapped) -> tuple[uuid.UUID, str]:
                existing = self._existing(item, Practitioner, "Practitioner")
                number = mapped.fields["registration_number"]
                if existing is None and number:
                    existing = Practitioner.objects.filter(
                        regulator=mapped.fields["regulator"], registration_number=number
                    ).first()
                record, saved = import_practitioner(
                    actor=self.actor,
                    existing=existing,
                    fields=mapped.fields,
                    pk=self._free_pk(item, Practitioner) if existing is None else None,
                )
                return record.pk, saved

            self._one(item, write)

    def write_role_profiles(self, items: list[Item]) -> None:
        for item in items:
            assert item.mapped is not None  # noqa: S101 - mapped by _checked
            mapped = item.mapped
            found = self._found(
                item,
                practitioner=("Practitioner", "practitioner"),
                organisation=("Organization", "organization"),
            )
            if found is None:
                continue
            practitioner_id, organisation_id = found["practitioner"], found["organisation"]

            def write(
                item: Item = item,
                mapped: Mapped = mapped,
                practitioner_id: uuid.UUID = practitioner_id,
                organisation_id: uuid.UUID = organisation_id,
            ) -> tuple[uuid.UUID, str]:
                practitioner = Practitioner.objects.get(pk=practitioner_id)
                fields = {name: value for name, value in mapped.fields.items() if value is not None}
                if not fields.get("job_role"):
                    fields["job_role"] = inbound.job_role_for(practitioner.profession)
                    self.report.warnings.append(
                        Problem(
                            item.entry.where,
                            "PractitionerRole.code",
                            "No job role joinedup knows, so one was chosen from the "
                            f"practitioner's profession: {fields['job_role']}.",
                        )
                    )
                fields.update(practitioner=practitioner, organisation_id=organisation_id)
                existing = self._existing(item, RoleProfile, "PractitionerRole")
                if existing is None:
                    existing = RoleProfile.objects.filter(
                        practitioner=practitioner,
                        organisation_id=organisation_id,
                        job_role=fields["job_role"],
                    ).first()
                record, saved = import_role_profile(
                    actor=self.actor,
                    existing=existing,
                    fields=fields,
                    pk=self._free_pk(item, RoleProfile) if existing is None else None,
                )
                return record.pk, saved

            self._one(item, write)

    def write_services(self, items: list[Item]) -> None:
        for item in items:
            assert item.mapped is not None  # noqa: S101 - mapped by _checked
            mapped = item.mapped
            found = self._found(item, organisation=("Organization", "providedBy"))
            if found is None:
                continue
            organisation_id = found["organisation"]

            def write(
                item: Item = item,
                mapped: Mapped = mapped,
                organisation_id: uuid.UUID = organisation_id,
            ) -> tuple[uuid.UUID, str]:
                fields = {**mapped.fields, "organisation_id": organisation_id}
                existing = self._existing(item, Service, "HealthcareService")
                if existing is None:
                    existing = Service.objects.filter(
                        organisation_id=organisation_id, name__iexact=fields["name"]
                    ).first()
                record, saved = import_service(
                    actor=self.actor,
                    existing=existing,
                    fields=fields,
                    pk=self._free_pk(item, Service) if existing is None else None,
                )
                return record.pk, saved

            self._one(item, write)

    # -- people ------------------------------------------------------------------------

    def write_people(self, items: list[Item]) -> None:
        """New people in bulk through register_people; people joinedup already has (by an
        earlier import or their NHS number) one by one."""
        new: list[tuple[Item, NewPerson]] = []
        taken = _taken_ids(items, Person)
        # An earlier import of the same resource, or the same NHS number (own_keys has it).
        found = {
            id(item): self.resolver.find(Ref("Patient", tuple(item.keys)), "Patient")
            for item in items
        }
        known = Person.objects.in_bulk({pk for pk in found.values() if pk is not None})
        for item in items:
            assert item.mapped is not None  # noqa: S101 - mapped by _checked
            fields = dict(item.mapped.fields)
            practice = self._gp_practice(item)
            if practice is not None:
                fields["gp_practice_id"] = practice
            existing = found[id(item)]
            if self._unchanged(known.get(existing) if existing else None, fields):
                # The commonest case on a re-run: nothing to write.
                self.report.count("Patient", Saved.UNCHANGED)
                continue
            if existing is not None:

                def update(
                    item: Item = item, existing: uuid.UUID = existing, fields: Json = fields
                ) -> tuple[uuid.UUID, str]:
                    return self._update_person(item, existing, fields)

                self._one(item, update)
                continue
            try:
                checked = check_person_fields(_without_ids(fields))
            except DomainRuleBroken as problem:
                self._error(item.entry.where, _expression_of(problem, "Patient"), str(problem))
                continue
            if "gp_practice_id" in fields:
                checked["gp_practice_id"] = fields["gp_practice_id"]
            wanted = inbound.uuid_id(item.resource)
            pk = uuid.UUID(wanted) if wanted and uuid.UUID(wanted) not in taken else uuid.uuid4()
            taken.add(pk)
            new.append((item, NewPerson(fields=checked, pk=pk)))
        if not new:
            return
        try:
            with transaction.atomic():
                register_people(actor=self.actor, people=[p for _, p in new], reason=REASON)
        except NotAllowed as refusal:
            for item, _ in new:
                self._error(item.entry.where, "Patient", str(refusal))
            return
        for item, person in new:
            self.resolver.remember(item.keys, "Patient", person.pk)
            self.report.count("Patient", Saved.CREATED)

    def _unchanged(self, person: Person | None, fields: Json) -> bool:
        """Whether the region loader has nothing to change for someone joinedup has (a system
        client always goes through _update_person, which may join the care team)."""
        if person is None or self.actor.client is not None:
            return False
        try:
            return not _person_changes(person, fields)
        except DomainRuleBroken:
            return False  # _update_person reports it, naming the entry

    def _gp_practice(self, item: Item) -> uuid.UUID | None:
        assert item.mapped is not None  # noqa: S101 - mapped by _checked
        ref = item.mapped.refs.get("gp_practice")
        found = self.resolver.find(ref, "Organization")
        if ref is None:
            return None
        if found is None:
            self.report.warnings.append(
                Problem(
                    item.entry.where,
                    "Patient.generalPractitioner",
                    f"The GP practice {ref.keys[0]} is not in joinedup, so it was left out.",
                )
            )
            return None
        if found not in self._org_types:
            self._org_types[found] = Organisation.objects.get(pk=found).org_type
        if self._org_types[found] != OrganisationType.GP_PRACTICE:
            self.report.warnings.append(
                Problem(
                    item.entry.where,
                    "Patient.generalPractitioner",
                    "The organisation named as the GP practice is not a GP practice in "
                    "joinedup, so it was left out.",
                )
            )
            return None
        return found

    def _update_person(
        self, item: Item, person_id: uuid.UUID, fields: Json
    ) -> tuple[uuid.UUID, str]:
        """Someone joinedup already has (an earlier import, or the same NHS number).

        An organisation's system registering them joins their care team (once) and leaves their
        details as their care team keep them, saying where its own differ. The region loader,
        moving a region's records, brings the details up to date."""
        person = Person.objects.get(pk=person_id)
        changes = _person_changes(person, fields)
        if "gp_practice_id" in changes:
            changes["gp_practice"] = Organisation.objects.get(pk=changes.pop("gp_practice_id"))
        if self.actor.client is not None:
            joined = register_existing_person(actor=self.actor, person=person, reason=REASON)
            if changes:
                self.report.warnings.append(
                    Problem(
                        item.entry.where,
                        "Patient",
                        "Already on joinedup with different details ("
                        + ", ".join(name.replace("_", " ") for name in sorted(changes))
                        + "): the record was left as the person's care team keep it.",
                    )
                )
            return person.pk, Saved.UPDATED if joined else Saved.UNCHANGED
        if not changes or not decide(self.actor, Action.EDIT_PERSON, person).allowed:
            return person.pk, Saved.UNCHANGED
        update_person_details(actor=self.actor, person=person, **changes)
        return person.pk, Saved.UPDATED

    def _person(self, item: Item, name: str = "person") -> Person | None:
        assert item.mapped is not None  # noqa: S101 - mapped by _checked
        ref = item.mapped.refs.get(name)
        found = self.resolver.find(ref, "Patient")
        if found is None:
            self._missing(item, "patient" if name == "person" else name, ref)
            return None
        return Person.objects.get(pk=found)

    def write_related_people(self, items: list[Item]) -> None:
        """New relationships in bulk through add_relationships; any refusal sends the batch
        through one at a time, so the refused entry is named and the rest still load."""
        people = self._people_of(items)
        taken = _taken_ids(items, Relationship)
        batch: list[tuple[Item, Person, dict[str, Any]]] = []
        for item in items:
            person = people.get(id(item))
            if person is None:
                continue
            existing = self.resolver.find(Ref("RelatedPerson", tuple(item.keys)), "RelatedPerson")
            if existing is not None:
                self.report.count("RelatedPerson", Saved.UNCHANGED)
                continue
            fields = dict(item.mapped.fields) if item.mapped else {}
            wanted = inbound.uuid_id(item.resource)
            if wanted is not None and uuid.UUID(wanted) not in taken:
                fields["id"] = uuid.UUID(wanted)
                taken.add(fields["id"])
            batch.append((item, person, fields))
        if not batch:
            return
        try:
            with transaction.atomic():
                created = add_relationships(
                    actor=self.actor,
                    relationships=[(person, fields) for _, person, fields in batch],
                )
        except (DomainRuleBroken, ValidationError, IntegrityError, NotFound, NotAllowed):
            for item, person, fields in batch:

                def write(
                    person: Person = person, fields: dict[str, Any] = fields
                ) -> tuple[uuid.UUID, str]:
                    relationship = add_relationship(actor=self.actor, person=person, **fields)
                    return relationship.pk, Saved.CREATED

                self._one(item, write)
            return
        for (item, _, _), relationship in zip(batch, created, strict=True):
            self.resolver.remember(item.keys, "RelatedPerson", relationship.pk)
            self.report.count("RelatedPerson", Saved.CREATED)

    def write_care_teams(self, items: list[Item]) -> None:
        """All the batch's care teams through one import_care_teams; any refusal sends them
        through one at a time, so the refused entry is named and the rest still load."""
        people = self._people_of(items)
        self._prefetch_members(items)
        teams: list[tuple[Item, Person, list[ImportedMember]]] = []
        for item in items:
            person = people.get(id(item))
            if person is not None:
                teams.append((item, person, self._members(item, person)))
        if not teams:
            return
        try:
            with transaction.atomic():
                results = import_care_teams(
                    actor=self.actor,
                    teams=[(person, members) for _, person, members in teams],
                    reason=REASON,
                )
        except (DomainRuleBroken, ValidationError, IntegrityError, NotFound, NotAllowed):
            for item, person, members in teams:

                def write(
                    item: Item = item,
                    person: Person = person,
                    members: list[ImportedMember] = members,
                ) -> tuple[uuid.UUID, str]:
                    added, warnings = import_care_team(
                        actor=self.actor, person=person, members=members, reason=REASON
                    )
                    self._care_team_warnings(item, warnings)
                    return person.pk, Saved.UPDATED if added else Saved.UNCHANGED

                self._one(item, write)
            return
        for (item, person, _), (added, warnings) in zip(teams, results, strict=True):
            self._care_team_warnings(item, warnings)
            self.resolver.remember(item.keys, "CareTeam", person.pk)
            self.report.count("CareTeam", Saved.UPDATED if added else Saved.UNCHANGED)

    def _care_team_warnings(self, item: Item, warnings: list[str]) -> None:
        for warning in warnings:
            self.report.warnings.append(Problem(item.entry.where, "CareTeam", warning))

    def _people_of(self, items: list[Item]) -> dict[int, Person]:
        """The person each item is about (by id(item)), in one query; an item whose person is
        not there yet is deferred or reported."""
        wanted: dict[int, uuid.UUID] = {}
        for item in items:
            assert item.mapped is not None  # noqa: S101 - mapped by _checked
            ref = item.mapped.refs.get("person")
            found = self.resolver.find(ref, "Patient")
            if found is None:
                self._missing(item, "patient", ref)
            else:
                wanted[id(item)] = found
        people = Person.objects.in_bulk(set(wanted.values()))
        return {key: people[pk] for key, pk in wanted.items() if pk in people}

    def _prefetch_members(self, items: list[Item]) -> None:
        """The role profiles, practitioners, organisations and relationships the batch's care
        teams name, a query per kind, for _member to find without a query each."""
        ids: dict[str, set[uuid.UUID]] = {}
        for item in items:
            assert item.mapped is not None  # noqa: S101 - mapped by _checked
            refs = [m.ref for m in item.mapped.extra["members"]]
            refs += [m.on_behalf_of for m in item.mapped.extra["members"] if m.on_behalf_of]
            refs += item.mapped.extra["managing"]
            for ref in refs:
                found = self.resolver.find(ref, ref.resource_type)
                if found is not None:
                    ids.setdefault(ref.resource_type, set()).add(found)
        self._cache = {
            "PractitionerRole": RoleProfile.objects.in_bulk(ids.get("PractitionerRole", set())),
            "Organization": Organisation.objects.in_bulk(ids.get("Organization", set())),
            "RelatedPerson": Relationship.objects.in_bulk(ids.get("RelatedPerson", set())),
            "Practitioner": {
                profile.practitioner_id: profile
                for profile in RoleProfile.objects.filter(
                    practitioner_id__in=ids.get("Practitioner", set())
                ).order_by("-starts_on")
            },
            "Practitioners": Practitioner.objects.in_bulk(ids.get("Practitioner", set())),
        }

    def _members(self, item: Item, person: Person) -> list[ImportedMember]:
        """The care team's members as joinedup records. A practitioner joinedup knows only by
        name (no role profile of theirs here) is recorded through their organisation, named in
        the responsibilities, rather than left out."""
        assert item.mapped is not None  # noqa: S101 - mapped by _checked
        members = []
        for index, member in enumerate(item.mapped.extra["members"]):
            found = self._member(member, person, item.mapped.extra["managing"])
            if found is None:
                self.report.warnings.append(
                    Problem(
                        item.entry.where,
                        f"CareTeam.participant[{index}]",
                        f"{member.ref.display or member.ref.keys[0]} is not in joinedup, so was "
                        "left out of the care team.",
                    )
                )
                continue
            whom, named = found
            responsibilities = "; ".join(part for part in (named, member.responsibilities) if part)[
                :500
            ]
            members.append(
                ImportedMember(
                    **whom,
                    role=member.role,
                    starts_on=member.starts_on,
                    ends_on=member.ends_on,
                    responsibilities=responsibilities,
                )
            )
        return members

    def _member(
        self, member: inbound.Member, person: Person, managing: list[Ref]
    ) -> tuple[dict[str, Any], str] | None:
        """({role_profile | relationship | organisation: record}, words naming who) or None,
        from what _prefetch_members found."""
        kind = member.ref.resource_type
        found = self.resolver.find(member.ref, kind)
        cached = self._cache.get(kind, {})
        if found is None:
            return None
        if kind == "RelatedPerson":
            relationship = cached.get(found)
            if relationship is None or relationship.person_id != person.pk:
                return None
            return {"relationship": relationship}, ""
        if kind == "Organization":
            organisation = cached.get(found)
            return ({"organisation": organisation}, "") if organisation else None
        if kind == "PractitionerRole":
            profile = cached.get(found)
            return ({"role_profile": profile}, "") if profile else None
        if kind == "Practitioner":
            practitioner = self._cache["Practitioners"].get(found)
            if practitioner is None:
                return None
            profile = cached.get(found)
            if profile is not None:
                return {"role_profile": profile}, ""
            for ref in [member.on_behalf_of, *managing]:
                organisation = self._organisation(ref)
                if organisation is not None:
                    return {"organisation": organisation}, practitioner.display_name
        return None

    def _organisation(self, ref: Ref | None) -> Organisation | None:
        found = self.resolver.find(ref, "Organization")
        organisation = self._cache["Organization"].get(found) if found else None
        return organisation if isinstance(organisation, Organisation) else None

    def write_consents(self, items: list[Item]) -> None:
        for item in items:
            if item.resource.get("status") not in ("active", "inactive"):
                self.report.skipped["Consent (draft, proposed, refused or in error)"] += 1
                continue
            person = self._person(item)
            if person is None:
                continue

            def write(item: Item = item, person: Person = person) -> tuple[uuid.UUID, str]:
                existing = self.resolver.find(Ref("Consent", tuple(item.keys)), "Consent")
                if existing is not None:
                    return existing, Saved.UNCHANGED
                fields = consent_fields_from_fhir(item.resource)
                choice = record_choice(actor=self.actor, person=person, **fields)
                if item.resource.get("status") == "inactive":
                    # Withdrawn in the other system: kept as history, withdrawn here too.
                    withdraw_choice(
                        actor=self.actor,
                        choice=choice,
                        reason=withdrawal_reason_from_fhir(item.resource)
                        or "Withdrawn before it was imported.",
                    )
                return choice.pk, Saved.CREATED

            self._one(item, write)

    # -- referrals ---------------------------------------------------------------------

    def write_service_requests(self, items: list[Item]) -> None:
        for item in items:
            person = self._person(item)
            if person is None:
                continue
            found = self._found(
                item,
                requester=("PractitionerRole", "requester"),
                service=("HealthcareService", "performer"),
            )
            if found is None:
                continue
            requester_id, service_id = found["requester"], found["service"]

            def write(
                item: Item = item,
                person: Person = person,
                requester_id: uuid.UUID = requester_id,
                service_id: uuid.UUID = service_id,
            ) -> tuple[uuid.UUID, str]:
                existing = self.resolver.find(
                    Ref("ServiceRequest", tuple(item.keys)), "ServiceRequest"
                )
                if existing is not None:
                    return existing, Saved.UNCHANGED
                fields = item.mapped.fields if item.mapped else {}
                referral = import_referral(
                    actor=self.actor,
                    person=person,
                    referral=ImportedReferral(
                        requester=RoleProfile.objects.get(pk=requester_id),
                        service=Service.objects.get(pk=service_id),
                        items=tuple(item.mapped.extra["items"]) if item.mapped else (),
                        **fields,
                    ),
                    pk=self._free_pk(item, Referral) or uuid.uuid4(),
                    reason="",
                )
                return referral.pk, Saved.CREATED

            self._one(item, write)

    def write_tasks(self, items: list[Item]) -> None:
        for item in items:
            assert item.mapped is not None  # noqa: S101 - mapped by _checked
            mapped = item.mapped
            found = self._found(item, referral=("ServiceRequest", "focus"))
            if found is None:
                continue
            referral_id = found["referral"]
            assigned_id = self.resolver.find(mapped.refs["assigned_to"], "PractitionerRole")

            def write(
                mapped: Mapped = mapped,
                referral_id: uuid.UUID = referral_id,
                assigned_id: uuid.UUID | None = assigned_id,
            ) -> tuple[uuid.UUID, str]:
                referral = Referral.objects.select_related("person").get(pk=referral_id)
                changed = import_referral_progress(
                    actor=self.actor,
                    referral=referral,
                    status=mapped.fields["status"],
                    assigned_to=RoleProfile.objects.filter(pk=assigned_id).first()
                    if assigned_id
                    else None,
                    outcome_summary=mapped.fields["outcome_summary"],
                    reason=mapped.fields["reason"],
                )
                return referral.pk, Saved.UPDATED if changed else Saved.UNCHANGED

            self._one(item, write)


def _person_changes(person: Person, fields: Json) -> Json:
    """What the import says differently about someone joinedup has: the fields, checked by
    the domain's rules (DomainRuleBroken if they break one), that differ and are not empty
    (an import never blanks what joinedup knows), and the GP practice as gp_practice_id."""
    changes = {
        name: value
        for name, value in check_person_fields(_without_ids(fields)).items()
        if getattr(person, name) != value and value not in ("", None)
    }
    if "gp_practice_id" in fields and fields["gp_practice_id"] != person.gp_practice_id:
        changes["gp_practice_id"] = fields["gp_practice_id"]
    return changes


def _taken_ids(items: list[Item], model: Any) -> set[uuid.UUID]:
    """The items' own UUIDs that are already another record's, in one query."""
    wanted = {uuid.UUID(pk) for item in items if (pk := inbound.uuid_id(item.resource))}
    return set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))


def _without_ids(fields: Json) -> Json:
    return {name: value for name, value in fields.items() if not name.endswith("_id")}


def _ref_keys(mapped: Mapped | None) -> list[str]:
    if mapped is None:
        return []
    keys = [key for ref in mapped.refs.values() if ref is not None for key in ref.keys]
    for member in mapped.extra.get("members", []):
        keys.extend(member.ref.keys)
    return keys


def _rank_of(resource: object) -> int:
    name = resource.get("resourceType") if isinstance(resource, dict) else None
    return _RANK.get(name, len(IMPORT_ORDER)) if isinstance(name, str) else len(IMPORT_ORDER)


def _expression_of(problem: Exception, resource_type: str) -> str:
    expression = getattr(problem, "expression", None)
    if expression:
        return str(expression)
    field_name = getattr(problem, "field", None)
    if field_name:
        return f"{resource_type} ({field_name.replace('_', ' ')})"
    return resource_type


def _words(problem: Exception) -> str:
    if isinstance(problem, ValidationError):
        return (
            " ".join(
                f"{name.replace('_', ' ')}: {' '.join(messages)}"
                for name, messages in problem.message_dict.items()
            )
            if hasattr(problem, "error_dict")
            else " ".join(problem.messages)
        )
    return str(getattr(problem, "diagnostics", "") or problem)


def _related_person(resource: Json) -> Mapped:
    patient = inbound.reference(resource.get("patient"), "Patient")
    if patient is None:
        raise Unusable("The RelatedPerson names no patient.", "RelatedPerson.patient")
    return Mapped(fields=relationship_fields_from_fhir(resource), refs={"person": patient})


def _consent(resource: Json) -> Mapped:
    """Only the patient here: the choice's category and organisation are looked up when it is
    written (consent_fields_from_fhir reads the directory)."""
    patient = inbound.reference(resource.get("patient"), "Patient")
    if patient is None:
        raise Unusable("The Consent names no patient.", "Consent.patient")
    return Mapped(fields={}, refs={"person": patient})


MAPPERS: dict[str, Callable[[Json], Mapped]] = {
    "Organization": inbound.organisation,
    "Practitioner": inbound.practitioner,
    "PractitionerRole": inbound.practitioner_role,
    "HealthcareService": inbound.healthcare_service,
    "Patient": inbound.patient,
    "RelatedPerson": _related_person,
    "CareTeam": inbound.care_team,
    "Consent": _consent,
    "ServiceRequest": inbound.service_request,
    "Task": inbound.task,
}
WRITERS: dict[str, Callable[[Importer, list[Item]], None]] = {
    "Organization": Importer.write_organisations,
    "Practitioner": Importer.write_practitioners,
    "PractitionerRole": Importer.write_role_profiles,
    "HealthcareService": Importer.write_services,
    "Patient": Importer.write_people,
    "RelatedPerson": Importer.write_related_people,
    "CareTeam": Importer.write_care_teams,
    "Consent": Importer.write_consents,
    "ServiceRequest": Importer.write_service_requests,
    "Task": Importer.write_tasks,
}
