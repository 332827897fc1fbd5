"""What the access policy enforces beyond care-team membership: information categories,
sharing agreements between organisations, the person's consents and objections, disclosures
made without consent, and break-glass (emergency) access.

Each is data, read by sharing/policy.py in SQL; none of them decides anything on its own."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from joinedup.core.models import BaseModel


class InformationCategory(models.Model):
    """A label on every item of person data. Items cross from one organisation to another only
    where a sharing agreement covers their category. The five in DESIGN.md come with the
    product; information-governance staff may add more in the admin."""

    GENERAL = "general"
    MENTAL_HEALTH = "mental_health"
    SEXUAL_HEALTH = "sexual_health"
    SOCIAL_CARE = "social_care"
    SAFEGUARDING = "safeguarding"

    code = models.SlugField(max_length=40, primary_key=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    sensitive = models.BooleanField(
        default=False,
        help_text="Sensitive categories are shown with a warning and never shared by default.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "information categories"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def ensure_defaults(cls) -> None:
        """Make sure the categories joinedup ships with exist (a migration adds them; a test
        database flush removes them)."""
        for code, name, description, sensitive in DEFAULT_CATEGORIES:
            cls.objects.get_or_create(
                code=code,
                defaults={"name": name, "description": description, "sensitive": sensitive},
            )


DEFAULT_CATEGORIES: tuple[tuple[str, str, str, bool], ...] = (
    ("general", "General", "Everyday care information.", False),
    ("mental_health", "Mental health", "Mental health assessments, diagnoses and care.", True),
    ("sexual_health", "Sexual health", "Sexual health services and conditions.", True),
    ("social_care", "Social care", "Social care assessments, support plans and reviews.", False),
    ("safeguarding", "Safeguarding", "Safeguarding concerns, enquiries and plans.", True),
)


class Purpose(models.TextChoices):
    """Why information is used. Only direct care rests on implied consent; the others need
    explicit consent, a legal duty or an overriding public interest (DOMAIN.md section 1)."""

    DIRECT_CARE = "direct_care", "Direct care"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    PLANNING = "planning", "Planning and commissioning"
    RESEARCH = "research", "Research"

    @classmethod
    def beyond_direct_care(cls) -> frozenset[str]:
        return frozenset({cls.PLANNING, cls.RESEARCH})


class GdprArticle6(models.TextChoices):
    PUBLIC_TASK = "6(1)(e)", "Article 6(1)(e): public task"
    LEGITIMATE_INTERESTS = "6(1)(f)", "Article 6(1)(f): legitimate interests"
    LEGAL_OBLIGATION = "6(1)(c)", "Article 6(1)(c): legal obligation"
    VITAL_INTERESTS = "6(1)(d)", "Article 6(1)(d): vital interests"
    CONSENT = "6(1)(a)", "Article 6(1)(a): consent"


class GdprArticle9(models.TextChoices):
    HEALTH_OR_SOCIAL_CARE = "9(2)(h)", "Article 9(2)(h): health or social care"
    SOCIAL_PROTECTION = "9(2)(b)", "Article 9(2)(b): employment and social protection law"
    VITAL_INTERESTS = "9(2)(c)", "Article 9(2)(c): vital interests"
    SUBSTANTIAL_PUBLIC_INTEREST = "9(2)(g)", "Article 9(2)(g): substantial public interest"
    PUBLIC_HEALTH = "9(2)(i)", "Article 9(2)(i): public health"
    EXPLICIT_CONSENT = "9(2)(a)", "Article 9(2)(a): explicit consent"


class CommonLawBasis(models.TextChoices):
    IMPLIED_CONSENT = "implied_consent", "Implied consent for direct care"
    EXPLICIT_CONSENT = "explicit_consent", "Explicit consent"
    LEGAL_DUTY = "legal_duty", "A legal duty (statute or court order)"
    PUBLIC_INTEREST = "public_interest", "Overriding public interest"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    EXPIRED = "expired", "Expired"


class SharingAgreement(BaseModel):
    """An information-sharing agreement between organisations, as data the policy enforces.

    It lets items of the listed categories flow between its parties for its purpose while it is
    active: every party has signed, it is not suspended, and today is before `ends_on`. Expiry
    needs no job to run: the policy compares `ends_on` with today on every request."""

    title = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.DIRECT_CARE)
    purpose_description = models.TextField(
        "what the sharing is for", help_text="In plain words, for the people whose data it is."
    )
    categories = models.ManyToManyField(InformationCategory, related_name="agreements")
    gdpr_article_6 = models.CharField(
        "UK GDPR Article 6 basis", max_length=10, choices=GdprArticle6.choices
    )
    gdpr_article_9 = models.CharField(
        "UK GDPR Article 9 condition", max_length=10, choices=GdprArticle9.choices
    )
    common_law_basis = models.CharField(
        "common-law basis", max_length=20, choices=CommonLawBasis.choices
    )
    rights_requests = models.TextField(
        "how rights requests are handled",
        help_text="Who answers subject access, rectification and objection requests, and how "
        "the parties tell each other.",
    )
    security_terms = models.TextField("security")
    retention_terms = models.TextField("retention")
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(
        "expires on",
        null=True,
        blank=True,
        help_text="The agreement stops on this day. Leave empty if it runs until ended.",
    )
    review_on = models.DateField("review by")
    status = models.CharField(
        max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    status_reason = models.CharField(max_length=300, blank=True)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "ends_on"], name="agreement_status_ends")]

    def __str__(self) -> str:
        return self.title

    def effective_status(self, today: object | None = None) -> str:
        """Status as the policy sees it today: an active agreement past its end has expired."""
        day = today or timezone.localdate()
        running = (AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED)
        if self.status in running and self.ends_on and self.ends_on <= day:  # type: ignore[operator]
            return AgreementStatus.EXPIRED
        if self.status == AgreementStatus.ACTIVE and self.starts_on > day:  # type: ignore[operator]
            return AgreementStatus.DRAFT
        return self.status


def agreement_in_force(day: object, prefix: str = "") -> Q:
    """The one definition of an agreement the policy honours on `day`."""
    return (
        Q(**{f"{prefix}status": AgreementStatus.ACTIVE})
        & Q(**{f"{prefix}starts_on__lte": day})
        & (Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gt": day}))
    )


class AgreementParty(models.Model):
    """An organisation bound by an agreement, and who signed for it."""

    agreement = models.ForeignKey(
        SharingAgreement, on_delete=models.CASCADE, related_name="parties"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="agreement_parties"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_role = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organisation"], name="one_party_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.agreement}"


class AgreementEventKind(models.TextChoices):
    DRAFTED = "drafted", "Drafted"
    CHANGED = "changed", "Changed"
    SIGNED = "signed", "Signed"
    ACTIVATED = "activated", "In force"
    SUSPENDED = "suspended", "Suspended"
    RESUMED = "resumed", "Resumed"
    REVIEWED = "reviewed", "Reviewed"
    ENDED = "ended", "Ended"


class AgreementEvent(models.Model):
    """The agreement's history: one immutable row for each thing that happened to it."""

    agreement = models.ForeignKey(SharingAgreement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=AgreementEventKind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    details = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class ChoiceKind(models.TextChoices):
    CONSENT = "consent", "Consent"
    OBJECTION = "objection", "Objection"


class ExpressedHow(models.TextChoices):
    SPOKEN = "spoken", "Said so in conversation"
    WRITTEN = "written", "In writing"
    INTERPRETER = "interpreter", "Through an interpreter"
    EASY_READ = "easy_read", "Using an easy read form"
    SIGNED = "bsl", "In British Sign Language"
    AAC = "aac", "With a communication aid"
    ADVOCATE = "advocate", "Through their advocate"
    ATTORNEY = "attorney", "By their attorney (health and welfare LPA)"
    BEST_INTERESTS = "best_interests", "A best-interests decision made for them"


class CapacityAnswer(models.TextChoices):
    ASSUMED = "assumed", "Capacity assumed (no reason to doubt it)"
    HAS_CAPACITY = "has_capacity", "Assessed: has capacity for this decision"
    LACKS_CAPACITY = "lacks_capacity", "Assessed: lacks capacity for this decision"


class ConsentDecision(BaseModel):
    """The person's consent to, or objection against, sharing: by category (or all), by
    organisation (or any), for a purpose. Withdrawing it takes effect on the next request.

    This is never the lawful basis for direct care (that is public task with the health or
    social care condition, on the sharing agreement); it records the person's choice, which the
    policy honours: an objection stops items crossing to the organisation, and a purpose beyond
    direct care needs a consent."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="choices")
    kind = models.CharField(max_length=10, choices=ChoiceKind.choices)
    category = models.ForeignKey(
        InformationCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty means every category.",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty means every organisation.",
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.DIRECT_CARE)
    expressed_how = models.CharField(max_length=20, choices=ExpressedHow.choices)
    in_their_words = models.TextField(blank=True)
    capacity = models.CharField(
        max_length=20, choices=CapacityAnswer.choices, default=CapacityAnswer.ASSUMED
    )
    capacity_assessment = models.TextField(
        blank=True, help_text="Who assessed capacity for this decision, when, and what they found."
    )
    best_interests_decision = models.TextField(blank=True)
    best_interests_consulted = models.TextField(
        "who was consulted",
        blank=True,
        help_text="Family, carers, attorneys and professionals asked for their view.",
    )
    recorded_by_role = models.ForeignKey(
        "accounts.RoleProfile", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["person", "kind"], name="choice_person_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.person_id}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class DisclosureBasis(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Safeguarding"
    SERIOUS_HARM = "serious_harm", "To prevent serious harm"
    SERIOUS_CRIME = "serious_crime", "To prevent or detect serious crime"
    LEGAL_DUTY = "legal_duty", "A legal duty (statute or court order)"
    VITAL_INTERESTS = "vital_interests", "Vital interests"


class Disclosure(BaseModel):
    """Information shared without the person's consent, as a recorded decision. It lets the
    named categories reach the receiving organisation even against an objection or without an
    agreement, and shows in the person's access log unless a serious-harm exemption is in force
    (recorded, with a review date)."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="disclosures"
    )
    basis = models.CharField(max_length=20, choices=DisclosureBasis.choices)
    legal_reference = models.CharField(
        max_length=200, blank=True, help_text="The statute, court order or policy relied on."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_role = models.ForeignKey(
        "accounts.RoleProfile", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    what_was_shared = models.TextField()
    categories = models.ManyToManyField(InformationCategory, related_name="+")
    shared_with = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosures_received",
    )
    shared_with_description = models.CharField(
        max_length=300, blank=True, help_text="Who received it, if not an organisation here."
    )
    access_until = models.DateField(
        null=True,
        blank=True,
        help_text="Until when the receiving organisation may see these categories in joinedup.",
    )
    person_told = models.BooleanField(default=False)
    person_told_on = models.DateField(null=True, blank=True)
    not_told_reason = models.CharField(max_length=300, blank=True)
    serious_harm_exemption = models.BooleanField(
        default=False,
        help_text="Telling the person would cause serious harm: hide this from their access "
        "log until reviewed.",
    )
    exemption_reason = models.TextField(blank=True)
    exemption_review_on = models.DateField(null=True, blank=True)
    exemption_ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.get_basis_display()} disclosure for {self.person_id}"

    @property
    def exemption_in_force(self) -> bool:
        return self.serious_harm_exemption and self.exemption_ended_at is None


class BreakGlassReason(models.TextChoices):
    EMERGENCY_CARE = "emergency_care", "Emergency care: the person needs treatment now"
    UNCONSCIOUS = "cannot_communicate", "The person cannot tell us about themselves"
    SAFEGUARDING = "safeguarding", "Urgent safeguarding concern"
    OUT_OF_HOURS = "out_of_hours", "Out-of-hours care with the usual team unavailable"
    OTHER = "other", "Another urgent reason (explain below)"


class BreakGlass(BaseModel):
    """Emergency access to a record without a legitimate relationship: confirmed, proved with a
    fresh second factor, time-limited, alerted to the record-holding organisations' privacy
    officers and reviewed."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role_profile = models.ForeignKey(
        "accounts.RoleProfile", on_delete=models.PROTECT, related_name="break_glasses"
    )
    reason_code = models.CharField(max_length=24, choices=BreakGlassReason.choices)
    reason = models.TextField()
    channel = models.CharField(max_length=16, default="web")
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["role_profile", "person", "expires_at"], name="breakglass_active")
        ]

    def __str__(self) -> str:
        return f"Break-glass on {self.person_id} by {self.user_id}"

    def is_active(self, now: object | None = None) -> bool:
        moment = now or timezone.now()
        return self.ended_at is None and self.starts_at <= moment < self.expires_at  # type: ignore[operator]


class ReviewOutcome(models.TextChoices):
    APPROPRIATE = "appropriate", "Appropriate: the access was justified"
    INAPPROPRIATE = "inappropriate", "Not appropriate: follow up with the member of staff"
    ESCALATED = "escalated", "Escalated to the Caldicott guardian or for investigation"


class BreakGlassReview(BaseModel):
    """A privacy officer's outcome for one break-glass access. One per organisation alerted."""

    break_glass = models.ForeignKey(BreakGlass, on_delete=models.PROTECT, related_name="reviews")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices)
    notes = models.TextField()
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["break_glass", "organisation"], name="one_review_per_org"
            )
        ]


class PrivacyAlert(BaseModel):
    """An item in an organisation's privacy officers' queue: a break-glass access to a record
    the organisation holds. Open until a privacy officer reviews the access."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="privacy_alerts"
    )
    break_glass = models.ForeignKey(BreakGlass, on_delete=models.PROTECT, related_name="alerts")
    review = models.OneToOneField(
        BreakGlassReview, null=True, blank=True, on_delete=models.PROTECT, related_name="alert"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "break_glass"], name="one_alert_per_org"
            )
        ]
