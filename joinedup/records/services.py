"""Adding to the shared record. Entries are never edited; a correction is a new entry."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from joinedup.accounts.roles import JobRole
from joinedup.audit.services import record_event
from joinedup.core.errors import DomainRuleBroken
from joinedup.people.models import Person
from joinedup.records.models import RecordEntry, SealedFor, Section
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import InformationCategory
from joinedup.sharing.policy import Action, require


@transaction.atomic
def add_entry(
    *,
    actor: Actor,
    person: Person,
    title: str,
    category: str,
    section: str = Section.NOTE,
    details: str = "",
    sealed: bool = False,
    sealed_for_roles: Iterable[str] = (),
) -> RecordEntry:
    """Add an entry written by the actor's organisation, labelled with an information
    category. A sealed entry is seen only by its author and the named job roles in the
    author's organisation. Needs entry.add on the person. Audited."""
    decision = require(actor, Action.ADD_ENTRY, person)
    assert actor.role_profile is not None  # noqa: S101 - require() needs a role profile
    title = title.strip()
    if not title:
        raise DomainRuleBroken("Enter a short title for the entry.", field="title")
    if section not in Section.values:
        raise DomainRuleBroken("Choose a section of the record.", field="section")
    label = InformationCategory.objects.filter(pk=category).first()
    if label is None:
        raise DomainRuleBroken("Choose an information category.", field="category")
    roles = sorted(set(sealed_for_roles))
    unknown = [role for role in roles if role not in JobRole.values]
    if unknown:
        raise DomainRuleBroken("Choose job roles from the list.", field="sealed_for_roles")
    if roles and not sealed:
        raise DomainRuleBroken(
            "Named roles apply only to a sealed entry. Seal it, or clear the roles.",
            field="sealed_for_roles",
        )
    entry = RecordEntry.objects.create(
        person=person,
        section=section,
        title=title[:200],
        details=details.strip(),
        category=label,
        author_organisation_id=actor.role_profile.organisation_id,
        author_role=actor.role_profile,
        recorded_at=timezone.now(),
        sealed=sealed,
        created_by=actor.user,
    )
    SealedFor.objects.bulk_create(SealedFor(entry=entry, job_role=role) for role in roles)
    record_event(
        actor=actor,
        action=Action.ADD_ENTRY,
        target_type="RecordEntry",
        target_id=entry.pk,
        person=person,
        basis=decision.basis or "",
        reason=f"Added \u201c{entry.title}\u201d ({label.name}{', sealed' if sealed else ''}).",
        categories=[label.pk],
    )
    return entry
