"""Writing the audit trail. Called by selectors and services, in their transaction."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone

from joinedup.audit.chain import chain_digest, current_head
from joinedup.audit.models import AuditEvent, AuditSeal, Outcome
from joinedup.people.models import Person
from joinedup.sharing.actors import Actor

# The key of the PostgreSQL advisory lock that one sealer at a time holds.
_CHAIN_LOCK = 0x6A6F696E6564


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
    """Record one audited read or write. Refuses an actor without a name (never anonymous)."""
    if not actor.label:
        raise ValueError("Audit events need a named actor.")
    profile = actor.role_profile
    return AuditEvent.objects.create(
        user=actor.user,
        actor_label=actor.label[:200],
        role_profile=profile,
        organisation_id=profile.organisation_id if profile else None,
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


def seal_pending_events(*, batch: int = 5000) -> int:
    """Append events not yet in the hash chain to it, oldest first; returns how many. Requests
    never wait for this: they only insert events. One sealer at a time holds the chain's lock
    (an advisory lock on PostgreSQL; SQLite serialises writing transactions anyway), so two
    sealers cannot fork the chain. Run by `joinedup seal-audit`."""
    sealed = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
            head = current_head()
            pending = list(AuditEvent.objects.filter(seal__isnull=True).order_by("id")[:batch])
            if not pending:
                return sealed
            previous, position, seals = head.digest, head.position, []
            now = timezone.now()
            for event in pending:
                position += 1
                digest = chain_digest(previous, event)
                seals.append(
                    AuditSeal(
                        event=event,
                        position=position,
                        previous_digest=previous,
                        digest=digest,
                        sealed_at=now,
                    )
                )
                previous = digest
            AuditSeal.objects.bulk_create(seals)
            sealed += len(seals)
