"""What the API itself keeps: the first response to each create sent with an Idempotency-Key,
so a client that retries (after a timeout, say) gets that response again instead of a second
goal, referral or resource. See api/idempotency.py."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotentResponse(models.Model):
    """The response to the first request a token sent with one Idempotency-Key, and a digest of
    that request (method, path and body) to tell a true retry from a different request."""

    token = models.ForeignKey("accounts.ApiToken", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(
        max_length=64, help_text="SHA-256 of the method, path and body, in hexadecimal."
    )
    # 0 only inside the first request's own transaction, before its response is kept.
    status = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(blank=True)
    headers = models.JSONField(
        default=dict, help_text="The response headers a retry gets back (Location, ETag, …)."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token", "key"], name="one_response_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status}"
