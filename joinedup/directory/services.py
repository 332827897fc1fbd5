"""Changing the directory (organisations, practitioners, their role profiles and services) from
another system's data: `joinedup import-fhir`. Day-to-day the directory is kept in the admin.

Each function creates the record or brings an existing one up to date, and says which it did;
each creation or change is audited under the importing actor. Directory records hold no one's
care, so no access policy applies beyond the importer being a system job."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event
from joinedup.directory.models import Organisation, Practitioner, Service
from joinedup.sharing.actors import Actor

M = TypeVar("M", bound=Model)


class Saved(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _relations(model: type[Model]) -> list[str]:
    """Foreign keys are left out of field validation: the caller found the records they name
    (validating them would read each one again)."""
    return [field.name for field in model._meta.fields if field.is_relation]


def _save(
    actor: Actor, model: type[M], existing: M | None, fields: dict[str, Any], pk: uuid.UUID | None
) -> tuple[M, Saved]:
    if existing is None:
        record = model(**({"pk": pk} if pk else {}), **fields)
        record.full_clean(
            exclude=_relations(model), validate_unique=False, validate_constraints=False
        )
        record.save(force_insert=True)
        outcome = Saved.CREATED
    else:
        changed = [name for name, value in fields.items() if getattr(existing, name) != value]
        if not changed:
            return existing, Saved.UNCHANGED
        for name in changed:
            setattr(existing, name, fields[name])
        existing.full_clean(
            exclude=_relations(model), validate_unique=False, validate_constraints=False
        )
        existing.save(update_fields=[*changed, "updated_at"])
        record, outcome = existing, Saved.UPDATED
    record_event(
        actor=actor,
        action=f"directory.import.{outcome}",
        target_type=model.__name__,
        target_id=record.pk,
        reason=str(record)[:300],
    )
    return record, outcome


@transaction.atomic
def import_organisation(
    *, actor: Actor, existing: Organisation | None, fields: dict[str, Any], pk: uuid.UUID | None
) -> tuple[Organisation, Saved]:
    # Which roles see everyone in the organisation's care is the organisation's own decision,
    # made in joinedup: an import never sets it.
    fields = {name: value for name, value in fields.items() if name != "same_organisation_roles"}
    return _save(actor, Organisation, existing, fields, pk)


@transaction.atomic
def import_practitioner(
    *, actor: Actor, existing: Practitioner | None, fields: dict[str, Any], pk: uuid.UUID | None
) -> tuple[Practitioner, Saved]:
    # A registration imported is not a registration checked: verification stays with people.
    fields = {name: value for name, value in fields.items() if name != "registration_verified_at"}
    return _save(actor, Practitioner, existing, fields, pk)


@transaction.atomic
def import_role_profile(
    *, actor: Actor, existing: RoleProfile | None, fields: dict[str, Any], pk: uuid.UUID | None
) -> tuple[RoleProfile, Saved]:
    return _save(actor, RoleProfile, existing, fields, pk)


@transaction.atomic
def import_service(
    *, actor: Actor, existing: Service | None, fields: dict[str, Any], pk: uuid.UUID | None
) -> tuple[Service, Saved]:
    return _save(actor, Service, existing, fields, pk)
