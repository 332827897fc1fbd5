"""Hand-offs between people: handovers in SBAR form with read-back, cover while someone is
away, and the document that goes with a transfer of care.

A handover stays on both people's lists until the receiver acknowledges it with a read-back.
A cover arrangement lets the covering practitioner act for the absent one's people for its
dates (sharing/policy.py honours it as care-team membership). A transfer document goes with a
referral of kind "transfer"; its acknowledgement moves the lead professional role."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from joinedup.core.models import BaseModel


class Handover(BaseModel):
    """A handover of one person or a caseload, from a practitioner to a named colleague (or a
    team), in SBAR form: Situation, Background, Assessment, Recommendation."""

    from_role = models.ForeignKey(
        "accounts.RoleProfile", on_delete=models.PROTECT, related_name="handovers_given"
    )
    to_role = models.ForeignKey(
        "accounts.RoleProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_received",
    )
    to_team = models.ForeignKey(
        "directory.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    people = models.ManyToManyField("people.Person", related_name="handovers")
    situation = models.TextField()
    background = models.TextField()
    assessment = models.TextField()
    recommendation = models.TextField()
    reason = models.CharField(
        max_length=200, help_text="Going off duty, moving on, on leave…", blank=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.RoleProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    read_back = models.TextField(
        blank=True, help_text="The receiver's read-back: the key points in their own words."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["to_role", "acknowledged_at"], name="handover_to_waiting"),
            models.Index(fields=["from_role", "acknowledged_at"], name="handover_from_waiting"),
        ]

    def __str__(self) -> str:
        return f"Handover from {self.from_role_id}"

    @property
    def waiting(self) -> bool:
        return self.acknowledged_at is None


class CoverArrangement(BaseModel):
    """Who covers an absent practitioner's people, and when. While in force the covering role
    profile has the absent one's care-team basis (sharing/policy.py)."""

    absent = models.ForeignKey(
        "accounts.RoleProfile", on_delete=models.PROTECT, related_name="covered_by"
    )
    covering = models.ForeignKey(
        "accounts.RoleProfile", on_delete=models.PROTECT, related_name="covering_for"
    )
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(help_text="The first day they are back (cover ends that day).")
    reason = models.CharField(max_length=200)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["covering", "starts_on", "ends_on"], name="cover_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="cover_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.covering_id} covers {self.absent_id}"


def cover_in_force_on(day: object, prefix: str = "") -> Q:
    """The one definition of a cover arrangement in force on `day`."""
    return (
        Q(**{f"{prefix}starts_on__lte": day})
        & Q(**{f"{prefix}ends_on__gt": day})
        & Q(**{f"{prefix}cancelled_at__isnull": True})
    )


class TransferDocument(BaseModel):
    """The document that goes with a transfer of care (a referral of kind "transfer"), with the
    sections of a discharge summary. Acknowledged by the receiver, which moves the lead
    professional role with a recorded handover."""

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="transfer_document"
    )
    reason_for_admission = models.TextField(blank=True)
    what_happened = models.TextField("what happened")
    medication_changes = models.TextField(blank=True)
    follow_up = models.TextField("follow-up needed")
    what_matters = models.TextField("what matters to the person", blank=True)
    risks = models.TextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.RoleProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handover = models.OneToOneField(
        Handover, null=True, blank=True, on_delete=models.PROTECT, related_name="transfer"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Transfer document for {self.referral_id}"
