"""Closed-loop referrals and transfers of care (issue 5).

A referral goes from a care-team member to a service. Its life is the FHIR SDOH referral
workflow (ServiceRequest + Task): draft → requested → accepted | rejected → in progress ↔ on
hold → completed; cancelled by the requester; failed by the receiver. Each step is an
immutable ReferralStatusChange row with who, when and why; Referral.status is the latest.

What the receiver may see before accepting is exactly what was sent: the ReferralItem rows,
copied when the referral was requested (the referral-recipient basis of the access policy)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from joinedup.core.models import BaseModel


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REQUESTED = "requested", "Waiting for a response"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Not accepted"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Could not be done"


# Open: the receiving organisation is working on it or has still to answer.
OPEN_STATUSES = (
    ReferralStatus.REQUESTED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.IN_PROGRESS,
    ReferralStatus.ON_HOLD,
)


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


class ReferralKind(models.TextChoices):
    REFERRAL = "referral", "Referral"
    TRANSFER = "transfer", "Transfer of care"


class RejectionReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", "The person is not eligible for this service"
    OUTSIDE_AREA = "outside_area", "The person lives outside the area we serve"
    NO_CAPACITY = "no_capacity", "We have no capacity at the moment"
    WRONG_SERVICE = "wrong_service", "Another service would meet this need better"
    NEEDS_MORE = "needs_more", "We need more information before we can accept"
    DECLINED = "declined", "The person does not want this service"


class Referral(BaseModel):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(max_length=10, choices=ReferralKind.choices, default="referral")
    requester = models.ForeignKey(
        "accounts.RoleProfile", on_delete=models.PROTECT, related_name="referrals_made"
    )
    requester_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="referrals_made"
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="referrals"
    )
    receiving_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="referrals_received"
    )
    recipient = models.ForeignKey(
        "accounts.RoleProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_addressed",
        help_text="A named practitioner, when the referral is to a person rather than a team.",
    )
    assigned_to = models.ForeignKey(
        "accounts.RoleProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_assigned",
        help_text="The practitioner at the receiving service who takes it on.",
    )
    reason = models.TextField("why you are referring")
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    what_matters = models.TextField("what matters to the person", blank=True)
    questions = models.TextField("questions you want answered", blank=True)
    status = models.CharField(
        max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    outcome_summary = models.TextField(blank=True)
    suggested_service = models.ForeignKey(
        "directory.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disclosure = models.ForeignKey(
        "sharing.Disclosure",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The recorded decision to share without consent, when an objection was "
        "overridden.",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["receiving_organisation", "status", "respond_by"], name="ref_in"),
            models.Index(fields=["requester", "status"], name="ref_out"),
            models.Index(fields=["person", "status"], name="ref_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.service_id} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: object | None = None) -> bool:
        """Past its response deadline and still not answered (accepted or rejected)."""
        moment = now or timezone.now()
        return (
            self.status == ReferralStatus.REQUESTED
            and self.respond_by is not None
            and self.respond_by < moment  # type: ignore[operator]
        )


class ReferralItem(models.Model):
    """One item of information sent with a referral, copied when it was sent: the minimum
    necessary, chosen item by item. The receiver sees these and nothing else until accepted."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(max_length=200)
    text = models.TextField()
    category = models.ForeignKey(
        "sharing.InformationCategory", on_delete=models.PROTECT, related_name="+"
    )
    source_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class ReferralStatusChange(models.Model):
    """One step of the referral's workflow: immutable."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    reason_code = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    by_role = models.ForeignKey(
        "accounts.RoleProfile", null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} at {self.at:%Y-%m-%d %H:%M}"
