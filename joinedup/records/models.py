"""Entries in the shared record: what each organisation records about a person, section by
section (the PRSB Core Information Standard), each labelled with an information category.

An entry belongs to the organisation that wrote it. It reaches another organisation only as
sharing/policy.py allows: an agreement covering its category, no objection from the person, or
a recorded disclosure; a sealed entry stays with its author organisation's named roles."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from joinedup.core.models import BaseModel


class Section(models.TextChoices):
    PROBLEMS = "problems", "Problems and diagnoses"
    MEDICATIONS = "medications", "Medications"
    ALLERGIES = "allergies", "Allergies and adverse reactions"
    INDIVIDUAL_REQUIREMENTS = "individual_requirements", "Individual requirements"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    SOCIAL_CONTEXT = "social_context", "Social context"
    SERVICES = "services", "Services and care"
    END_OF_LIFE = "end_of_life", "End of life care"
    LEGAL = "legal", "Legal information"
    ADMISSIONS = "admissions", "Admissions and discharges"
    NOTE = "note", "Care note"


class RecordEntry(BaseModel):
    """One item of person data written by one organisation. Entries are not edited: a
    correction is a new entry, so what others saw stays accountable."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="entries")
    section = models.CharField(max_length=32, choices=Section.choices, default=Section.NOTE)
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    category = models.ForeignKey(
        "sharing.InformationCategory", on_delete=models.PROTECT, related_name="+"
    )
    author_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    author_role = models.ForeignKey(
        "accounts.RoleProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    sealed = models.BooleanField(
        default=False,
        help_text="Only the author and the named roles in the author's organisation see it.",
    )

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["person", "recorded_at"], name="entry_person_time")]
        verbose_name_plural = "record entries"

    def __str__(self) -> str:
        return self.title


class SealedFor(models.Model):
    """A job role in the author organisation that may see a sealed entry."""

    entry = models.ForeignKey(RecordEntry, on_delete=models.CASCADE, related_name="sealed_for")
    job_role = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "job_role"], name="sealed_role_once")
        ]

    def __str__(self) -> str:
        return self.job_role


# Items of the core record (demographics, About Me, relationships, LPAs, the care team) are
# held in common by everyone with a basis to see the person: they identify the person and say
# who is involved. They carry this category; record entries carry their own.
CORE_RECORD_CATEGORY = "general"
