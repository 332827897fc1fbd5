"""A person's care team: the legitimate relationship that grants staff access to them."""

from __future__ import annotations

from datetime import date

from django.db import models

from joinedup.core.models import BaseModel


def in_force_on(day: date, prefix: str = "") -> models.Q:
    """Memberships in force on `day`: started by then, and `day` is before the day they leave.
    `ends_on` is the day a member leaves: from that day they are no longer in the care team, so
    ending a membership "now" ends the access it gave at once. The one definition for the
    policy, the selectors and the services; `prefix` reaches it through a relation."""
    return models.Q(**{f"{prefix}starts_on__lte": day}) & (
        models.Q(**{f"{prefix}ends_on__isnull": True}) | models.Q(**{f"{prefix}ends_on__gt": day})
    )


class CareTeamRole(models.TextChoices):
    LEAD_PROFESSIONAL = "lead_professional", "Lead professional"
    KEY_WORKER = "key_worker", "Key worker"
    MEMBER = "member", "Member"


class CareTeamMember(BaseModel):
    """One member of a person's care team: a role profile (a practitioner in an organisation),
    someone from the person's own life, or an organisation as a whole (its team, before a named
    practitioner is assigned: for example when the organisation's system registered the person). Changed only through careteams.services, which
    writes a CareTeamChange for each change."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="care_team_members"
    )
    role_profile = models.ForeignKey(
        "accounts.RoleProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_team_memberships",
    )
    relationship = models.ForeignKey(
        "people.Relationship",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_team_memberships",
    )
    # Denormalised from the role profile so the access policy can filter by organisation in SQL.
    organisation = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_team_memberships",
    )
    role = models.CharField(
        max_length=20, choices=CareTeamRole.choices, default=CareTeamRole.MEMBER
    )
    responsibilities = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True, blank=True, help_text="The day they leave: not in the care team from then."
    )

    class Meta:
        ordering = ["person", "role", "starts_on"]
        indexes = [
            models.Index(fields=["role_profile", "person"], name="careteam_roleprofile_person"),
            models.Index(fields=["organisation", "person"], name="careteam_org_person"),
            models.Index(fields=["person", "ends_on"], name="careteam_person_ends"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role_profile__isnull=False, relationship__isnull=True)
                    | models.Q(role_profile__isnull=True, relationship__isnull=False)
                    | models.Q(
                        role_profile__isnull=True,
                        relationship__isnull=True,
                        organisation__isnull=False,
                    )
                ),
                name="careteam_member_is_staff_related_person_or_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="careteam_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} for {self.person_id}"

    @property
    def is_organisation_only(self) -> bool:
        return self.role_profile_id is None and self.relationship_id is None

    @property
    def display_name(self) -> str:
        """Who the member is, in words: the practitioner, the person from the person's own life,
        or the organisation's team."""
        if self.role_profile is not None:
            return self.role_profile.practitioner.display_name
        if self.relationship is not None:
            return self.relationship.full_name
        if self.organisation is not None:
            return f"{self.organisation.name} (the organisation's team)"
        return "This member"


class ChangeKind(models.TextChoices):
    ADDED = "added", "Joined the care team"
    CHANGED = "changed", "Role or responsibilities changed"
    ENDED = "ended", "Left the care team"


class CareTeamChange(models.Model):
    """An immutable record of one change to a care team member, with who made it and why."""

    member = models.ForeignKey(CareTeamMember, on_delete=models.PROTECT, related_name="changes")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    role = models.CharField(max_length=20, choices=CareTeamRole.choices)
    responsibilities = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who made the change, as the audit names them: a member of staff in their role, or a
    # partner organisation's system.
    made_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["person", "created_at"]
        indexes = [models.Index(fields=["person", "created_at"], name="careteamchange_person")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"
