"""Job roles a role profile can hold. The access policy's permission table is keyed by these."""

from __future__ import annotations

from django.db import models


class JobRole(models.TextChoices):
    COMMUNITY_NURSE = "community_nurse", "Community nurse"
    WARD_NURSE = "ward_nurse", "Ward nurse"
    GP = "gp", "GP"
    HOSPITAL_DOCTOR = "hospital_doctor", "Hospital doctor"
    DISCHARGE_COORDINATOR = "discharge_coordinator", "Discharge coordinator"
    SOCIAL_WORKER = "social_worker", "Social worker"
    OCCUPATIONAL_THERAPIST = "occupational_therapist", "Occupational therapist"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    PHARMACIST = "pharmacist", "Pharmacist"
    CARE_HOME_MANAGER = "care_home_manager", "Care home manager"
    CARE_WORKER = "care_worker", "Care worker"
    HOME_CARE_COORDINATOR = "home_care_coordinator", "Home care coordinator"
    VOLUNTARY_WORKER = "voluntary_worker", "Voluntary sector worker"
    HOUSING_OFFICER = "housing_officer", "Housing officer"
    ADMINISTRATOR = "administrator", "Administrator"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    PARTNERSHIP_MANAGER = "partnership_manager", "Partnership manager"
    IT_ADMINISTRATOR = "it_administrator", "IT administrator"
