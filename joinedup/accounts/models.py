"""Staff accounts, the role profiles they act in, sign-in lockout and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from joinedup.accounts.roles import JobRole
from joinedup.core.models import BaseModel


class User(AbstractUser):
    """A person who signs in. Staff act through one of their role profiles at a time."""

    totp_secret = models.CharField(
        "authenticator secret",
        max_length=64,
        blank=True,
        help_text="Base32 TOTP secret. Empty until the user sets up their authenticator app.",
    )
    totp_last_step = models.BigIntegerField(
        default=0, help_text="The last TOTP time step accepted, so a code cannot be used twice."
    )
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)

    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_secret) and self.totp_confirmed_at is not None

    def active_role_profiles(self) -> models.QuerySet[RoleProfile]:
        today = timezone.localdate()
        return (
            RoleProfile.objects.filter(practitioner__user=self, starts_on__lte=today)
            .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today))
            .select_related("organisation", "practitioner", "team")
            .order_by("organisation__name", "job_role")
        )


class RoleProfile(BaseModel):
    """A practitioner working for an organisation in a job role (FHIR PractitionerRole).

    A care team member is a role profile; a staff user (the practitioner's account) acts in
    one of theirs at a time."""

    practitioner = models.ForeignKey(
        "directory.Practitioner", on_delete=models.PROTECT, related_name="role_profiles"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="role_profiles"
    )
    team = models.ForeignKey(
        "directory.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="role_profiles",
    )
    job_role = models.CharField(max_length=40, choices=JobRole.choices)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "job_role"]

    def __str__(self) -> str:
        return f"{self.get_job_role_display()}, {self.organisation.name}"


class SignInFailure(models.Model):
    """One failed sign-in for a username, known or not: the lockout counts these."""

    username_key = models.CharField(max_length=150, db_index=True)
    failed_at = models.DateTimeField(default=timezone.now, db_index=True)
    stage = models.CharField(max_length=16, default="password")

    def __str__(self) -> str:
        return f"{self.username_key} at {self.failed_at:%Y-%m-%d %H:%M}"


class ClientScope(models.TextChoices):
    READ = "read", "Read the records of people in the organisation's care"
    WRITE = "write", "Change those records: details, care plans, consents and referrals"
    IMPORT = "import", "Import people and their records into the organisation's care"
    EXPORT = "export", "Export the records of people in the organisation's care in bulk"


class ApiClient(BaseModel):
    """A partner organisation's own system (a GP system, a care home's care-planning system, a
    council's case-management system) connecting as that organisation rather than as one of its
    staff. The access policy treats it as the organisation's system actor, limited to its scopes
    and to people in the organisation's care; the audit names it."""

    name = models.CharField(max_length=100, unique=True)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="api_clients"
    )
    scopes = models.JSONField(default=list, help_text="Some of: read, write, import, export.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.name})"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiToken(BaseModel):
    """A bearer token for /api/v1/ and /fhir/R4/: either a user acting in one role profile, or a
    registered system client of an organisation.

    Only a SHA-256 digest is stored; the token itself is shown once when created."""

    name = models.CharField(max_length=100)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    role_profile = models.ForeignKey(
        RoleProfile, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.CASCADE, related_name="tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, role_profile__isnull=False, client__isnull=True)
                    | models.Q(user__isnull=True, role_profile__isnull=True, client__isnull=False)
                ),
                name="api_token_is_for_a_user_or_a_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
