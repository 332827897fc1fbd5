"""Writing the audit trail. Called by selectors and services, in their transaction."""

from __future__ import annotations

from collections.abc import Sequence

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.people.models import Person
from joinedup.sharing.actors import Actor


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
