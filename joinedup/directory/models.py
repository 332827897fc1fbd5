"""The directory: organisations, their services and teams, and practitioners."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from joinedup.core.models import BaseModel


class OrganisationType(models.TextChoices):
    NHS_TRUST = "nhs_trust", "NHS trust"
    GP_PRACTICE = "gp_practice", "GP practice"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    CARE_HOME = "care_home", "Care home"
    HOME_CARE = "home_care", "Home care provider"
    VOLUNTARY = "voluntary", "Voluntary or community organisation"
    HOUSING = "housing", "Housing"
    PHARMACY = "pharmacy", "Pharmacy"
    HOSPICE = "hospice", "Hospice"
    OTHER = "other", "Other"


class Organisation(BaseModel):
    name = models.CharField(max_length=200)
    org_type = models.CharField("type", max_length=32, choices=OrganisationType.choices)
    ods_code = models.CharField(
        "ODS code",
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text="Organisation Data Service code, where the organisation has one.",
    )
    cqc_location_id = models.CharField("CQC location ID", max_length=20, blank=True)
    is_registered_provider = models.BooleanField(
        default=False,
        help_text="Registered with the CQC or a managed provider under contract to a commissioner.",
    )
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    same_organisation_roles = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Job roles in this organisation that may see every person the organisation is "
            "involved with (the same-organisation basis of the access policy)."
        ),
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="organisation_name_lower")]

    def __str__(self) -> str:
        return self.name


class CapacityStatus(models.TextChoices):
    OPEN = "open", "Taking new people"
    LIMITED = "limited", "Limited capacity"
    WAITING_LIST = "waiting_list", "Waiting list"
    CLOSED = "closed", "Not taking new people"


class Service(BaseModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=200)
    description = models.TextField("what it offers")
    needs_met = models.JSONField(
        default=list, blank=True, help_text="Needs this service meets, as short keywords."
    )
    eligibility = models.TextField(blank=True)
    area = models.CharField(
        max_length=300, blank=True, help_text="Postcode districts served, for example LS1, LS2."
    )
    accepts_referrals = models.BooleanField(default=True)
    referral_route = models.TextField("how to refer", blank=True)
    response_target_routine_days = models.PositiveSmallIntegerField(
        "routine response target (working days)", default=10
    )
    response_target_urgent_hours = models.PositiveSmallIntegerField(
        "urgent response target (hours)", default=24
    )
    capacity_status = models.CharField(
        max_length=16, choices=CapacityStatus.choices, default=CapacityStatus.OPEN
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    manager = models.ForeignKey(
        "accounts.RoleProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services_managed",
        help_text="Told when a referral to the service passes its response deadline.",
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="service_name_lower")]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.name})"


class Team(BaseModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.name})"


class Profession(models.TextChoices):
    DOCTOR = "doctor", "Doctor"
    NURSE = "nurse", "Nurse"
    SOCIAL_WORKER = "social_worker", "Social worker"
    OCCUPATIONAL_THERAPIST = "occupational_therapist", "Occupational therapist"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    PARAMEDIC = "paramedic", "Paramedic"
    PHARMACIST = "pharmacist", "Pharmacist"
    CARE_WORKER = "care_worker", "Care worker"
    SUPPORT_WORKER = "support_worker", "Support worker"
    CARE_MANAGER = "care_manager", "Care manager"
    HOUSING_OFFICER = "housing_officer", "Housing officer"
    ADMINISTRATOR = "administrator", "Administrator"
    INFORMATION_GOVERNANCE = "information_governance", "Information governance"
    MANAGER = "manager", "Manager"
    OTHER = "other", "Other"


class Regulator(models.TextChoices):
    GMC = "gmc", "General Medical Council (GMC)"
    NMC = "nmc", "Nursing and Midwifery Council (NMC)"
    HCPC = "hcpc", "Health and Care Professions Council (HCPC)"
    SWE = "swe", "Social Work England"
    GPHC = "gphc", "General Pharmaceutical Council (GPhC)"
    NONE = "none", "Not regulated"


class Practitioner(BaseModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner",
    )
    title = models.CharField(max_length=20, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    profession = models.CharField(max_length=32, choices=Profession.choices)
    regulator = models.CharField(max_length=8, choices=Regulator.choices, default=Regulator.NONE)
    registration_number = models.CharField(max_length=20, blank=True)
    registration_verified_at = models.DateTimeField(null=True, blank=True)
    competencies = models.JSONField(
        default=list,
        blank=True,
        help_text="Competencies signed off by the employer (for example 'medication "
        "administration'), matched against the care-plan action types table.",
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [models.Index(Lower("family_name"), name="practitioner_family_lower")]
        constraints = [
            models.UniqueConstraint(
                fields=["regulator", "registration_number"],
                condition=~models.Q(registration_number=""),
                name="practitioner_registration_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(regulator="none") | models.Q(registration_number=""),
                name="practitioner_unregulated_has_no_number",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        prefix = f"{self.title} " if self.title else ""
        return f"{prefix}{self.given_name} {self.family_name}"

    @property
    def registration_verified(self) -> bool:
        return self.registration_verified_at is not None
