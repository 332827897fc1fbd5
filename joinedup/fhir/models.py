"""What the FHIR interface keeps of its own: Bulk Data exports asked for over HTTP (`GET
/fhir/R4/$export`), one row per export with who asked for it, what it covers and how it went
(the files live on disk under settings.FHIR_EXPORT_DIR, in a folder named with the job's id:
fhir/bulk.py); and what `joinedup import-fhir` made of each imported resource."""

from __future__ import annotations

import uuid

from django.db import models


class BulkExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being written"
    COMPLETED = "completed", "Ready to download"
    FAILED = "failed", "Could not be finished"


class BulkExportJob(models.Model):
    """A system client's export of its organisation's scope. Only the client that asked may
    poll it, download its files or cancel it (fhir/bulk_views.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.CharField(max_length=200, help_text="The actor's name, as audited.")
    client = models.ForeignKey(
        "accounts.ApiClient", on_delete=models.CASCADE, related_name="bulk_exports"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The scope: the people in this organisation's care and its referrals.",
    )
    request_url = models.URLField(max_length=2000, help_text="The kick-off request, as sent.")
    types = models.JSONField(default=list, help_text="The resource types asked for.")
    status = models.CharField(
        max_length=16, choices=BulkExportStatus.choices, default=BulkExportStatus.QUEUED
    )
    progress = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the export could not be finished.")
    output = models.JSONField(
        default=list, help_text="What was written: [{type, count}], one per file."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="fhir_export_status")]

    def __str__(self) -> str:
        return f"FHIR export {self.id} for {self.requested_by} ({self.status})"


class ImportedRecord(models.Model):
    """What `joinedup import-fhir` made of a resource from another system, by every key the
    resource can be referred to by (`Type/id`, its bundle's `urn:uuid:` full URL, and
    `Type?identifier=system|value`), so that references between files resolve and a re-run
    finds the same records instead of making new ones."""

    key = models.CharField(max_length=400, unique=True)
    resource_type = models.CharField(max_length=64)
    target_id = models.UUIDField(help_text="The joinedup record it became.")
    imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.key} → {self.target_id}"
