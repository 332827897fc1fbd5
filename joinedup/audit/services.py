"""Writing the audit trail. Called by selectors and services, in their transaction."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from joinedup.audit.chain import CHAINED_FIELDS, canonical_of, current_head, digest_of
from joinedup.audit.models import AuditEvent, AuditSeal, Outcome
from joinedup.people.models import Person
from joinedup.sharing.actors import Actor

# The key of the PostgreSQL advisory lock that one sealer at a time holds.
_CHAIN_LOCK = 0x6A6F696E6564
_SEAL_COLUMNS = "event_id, position, previous_digest, digest, sealed_at"
_SEAL_TABLE = AuditSeal._meta.db_table


def _insert_seals(seals: Sequence[tuple[int, int, str, str, str | None]]) -> None:
    # Rows straight into the table (COPY on PostgreSQL), with no model instance for each seal.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {_SEAL_TABLE} ({_SEAL_COLUMNS}) FROM STDIN") as copy:
                for seal in seals:
                    copy.write_row(seal)
        else:
            cursor.executemany(
                f"INSERT INTO {_SEAL_TABLE} ({_SEAL_COLUMNS}) "  # noqa: S608 - constants only
                "VALUES (%s, %s, %s, %s, %s)",
                seals,
            )


def _event(
    actor: Actor,
    *,
    action: str,
    target_type: str,
    target_id: object,
    person: Person | None,
    allowed: bool,
    basis: str,
    reason: str,
    categories: Sequence[str],
    purpose: str,
) -> AuditEvent:
    """The one shape of an audit event: who (user, role, organisation, the actor's name), what,
    whose, why and the outcome. Refuses an actor without a name (never anonymous)."""
    if not actor.label:
        raise ValueError("Audit events need a named actor.")
    return AuditEvent(
        user=actor.user,
        actor_label=actor.label[:200],
        role_profile=actor.role_profile,
        organisation_id=actor.organisation_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        person=person,
        categories=list(categories),
        purpose=purpose,
        basis=basis,
        outcome=Outcome.ALLOWED if allowed else Outcome.DENIED,
        reason=reason[:300],
        channel=actor.channel,
    )


def _auditing() -> bool:
    # Only the benchmark settings can turn this off (to measure what auditing costs).
    return bool(getattr(settings, "JOINEDUP_AUDIT_ENABLED", True))


def record_event(
    *,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: object = "",
    person: Person | None = None,
    allowed: bool = True,
    basis: str = "",
    reason: str = "",
    categories: Sequence[str] = ("general",),
    purpose: str = "direct_care",
) -> AuditEvent:
    """Record one audited read or write."""
    event = _event(
        actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        person=person,
        allowed=allowed,
        basis=basis,
        reason=reason,
        categories=categories,
        purpose=purpose,
    )
    if _auditing():
        event.save(force_insert=True)
    return event


def record_events_in_bulk(
    *,
    actor: Actor,
    action: str,
    target_type: str,
    people: Sequence[Person],
    reason: str = "",
    categories: Sequence[str] = ("general",),
    purpose: str = "direct_care",
    basis: str = "",
    target_ids: Sequence[object] | None = None,
) -> int:
    """One allowed event per person, exactly as record_event would write each one, inserted in
    one statement per batch. The target is the person unless `target_ids` (one per person)
    names what was touched."""
    now = timezone.now()
    targets = target_ids if target_ids is not None else [person.pk for person in people]
    events = []
    for person, target in zip(people, targets, strict=True):
        event = _event(
            actor,
            action=action,
            target_type=target_type,
            target_id=target,
            person=person,
            allowed=True,
            basis=basis,
            reason=reason,
            categories=categories,
            purpose=purpose,
        )
        event.occurred_at = now
        events.append(event)
    if not _auditing():
        return len(events)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def seal_pending_events(*, batch: int = 20000) -> int:
    """Append events not yet in the hash chain to it, oldest first; returns how many. Requests
    never wait for this: they only insert events. One sealer at a time holds the chain's lock
    (an advisory lock on PostgreSQL; SQLite serialises writing transactions anyway), so two
    sealers cannot fork the chain. Run by `joinedup seal-audit`."""
    sealed = 0
    # Each batch starts after the last event sealed, so a long backlog is not searched from the
    # beginning every time; an event that turned up behind it (a slower transaction committing
    # late) is found by the full search that always runs before stopping.
    after: int | None = None
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
            head = current_head()
            # Plain rows, not model instances: the same values `canonical` reads from an event.
            unsealed = AuditEvent.objects.filter(seal__isnull=True)
            if after is not None:
                unsealed = unsealed.filter(id__gt=after)
            pending = list(unsealed.order_by("id").values_list(*CHAINED_FIELDS)[:batch])
            if not pending:
                if after is None:
                    return sealed
                after = None
                continue
            after = pending[-1][0]
            previous, position, seals = head.digest, head.position, []
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            for row in pending:
                position += 1
                digest = digest_of(previous, canonical_of(row))
                seals.append((row[0], position, previous, digest, now))
                previous = digest
            _insert_seals(seals)
            sealed += len(seals)
