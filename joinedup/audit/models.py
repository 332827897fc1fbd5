"""The audit trail: one append-only event for each read or write of person data."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    """Who did what to whose record, when, why and with what outcome.

    Written only by audit.services.record_event, inside the same transaction as the change it
    describes. Never updated or deleted."""

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=200)
    role_profile = models.ForeignKey(
        "accounts.RoleProfile", null=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64, blank=True)
    person = models.ForeignKey(
        "people.Person", null=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    categories = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=32, default="direct_care")
    basis = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=16, default="web")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["person", "occurred_at"], name="audit_person_time")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class AuditSeal(models.Model):
    """An event's place in the hash chain. Events are written freely by every request; a
    background step (audit.services.seal_pending_events, run by `joinedup seal-audit`) later
    appends them to the chain in one order, so that chaining never makes requests wait on each
    other. Each seal's digest covers the event's content and the previous seal's digest, so an
    edited, removed or reordered event breaks the chain (audit.chain.verify_chain)."""

    event = models.OneToOneField(
        AuditEvent, primary_key=True, on_delete=models.PROTECT, related_name="seal"
    )
    position = models.BigIntegerField(unique=True)
    previous_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"#{self.position} event {self.event_id} {self.digest[:12]}…"
