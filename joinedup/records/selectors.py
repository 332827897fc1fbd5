"""Reading record entries: only those the access policy lets reach the actor's organisation."""

from __future__ import annotations

from joinedup.people.models import Person
from joinedup.records.models import RecordEntry
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import entries_visible_to


def entries_shown_to(actor: Actor, person: Person) -> list[RecordEntry]:
    """The entries of a person the actor has already opened (people.selectors.get_person_for),
    newest first. Part of that read: its audit event lists their categories."""
    return list(
        entries_visible_to(actor, person)
        .select_related("category", "author_organisation", "author_role__practitioner")
        .order_by("-recorded_at")
    )
