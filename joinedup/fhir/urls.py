"""/fhir/R4/: the routes of the FHIR interface, then a catch-all so any other address under it
answers a 404 OperationOutcome rather than Django's HTML page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from joinedup.fhir import referral_views, resource_views, views

app_name = "fhir"

# A FHIR logical id.
ID = r"(?P<resource_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns: list[URLPattern | URLResolver] = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient-search"),
    re_path(r"^Patient/(?P<patient_id>[A-Za-z0-9\-.]{1,64})$", views.patient_read, name="patient"),
    path("Organization", resource_views.organization_search, name="organization-search"),
    re_path(rf"^Organization/{ID}$", resource_views.organization_read, name="organization"),
    path("Practitioner", resource_views.practitioner_search, name="practitioner-search"),
    re_path(rf"^Practitioner/{ID}$", resource_views.practitioner_read, name="practitioner"),
    path(
        "PractitionerRole",
        resource_views.practitioner_role_search,
        name="practitionerrole-search",
    ),
    re_path(
        rf"^PractitionerRole/{ID}$",
        resource_views.practitioner_role_read,
        name="practitionerrole",
    ),
    path(
        "HealthcareService",
        resource_views.healthcare_service_search,
        name="healthcareservice-search",
    ),
    re_path(
        rf"^HealthcareService/{ID}$",
        resource_views.healthcare_service_read,
        name="healthcareservice",
    ),
    path("CareTeam", resource_views.care_team_search, name="careteam-search"),
    re_path(rf"^CareTeam/{ID}$", resource_views.care_team_read, name="careteam"),
    path("ServiceRequest", referral_views.service_request_search, name="servicerequest-search"),
    re_path(rf"^ServiceRequest/{ID}$", referral_views.service_request_read, name="servicerequest"),
    path("Task", referral_views.task_search, name="task-search"),
    re_path(rf"^Task/{ID}$", referral_views.task, name="task"),
    re_path(r"^(?P<path>.*)$", views.no_such_endpoint),
]
