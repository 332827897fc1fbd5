"""Each user's inbox: new referrals, changes of state, overdue referrals, handovers waiting."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.core.models import BaseModel


class NotificationKind(models.TextChoices):
    NEW_REFERRAL = "new_referral", "New referral"
    REFERRAL_CHANGED = "referral_changed", "Referral updated"
    REFERRAL_OVERDUE = "referral_overdue", "Referral overdue"
    HANDOVER_WAITING = "handover_waiting", "Handover waiting"
    TRANSFER_WAITING = "transfer_waiting", "Transfer of care waiting"


class Notification(BaseModel):
    """One message in a user's inbox, for the role profile it concerns. It says what happened
    and links to it; opening the link goes through the access policy like any page."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    role_profile = models.ForeignKey(
        "accounts.RoleProfile", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inbox_unread")]

    def __str__(self) -> str:
        return self.title
