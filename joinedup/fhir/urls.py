"""/fhir/R4/: the routes of the FHIR interface, then a catch-all so any other address under it
answers a 404 OperationOutcome rather than Django's HTML page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from joinedup.fhir import (
    bulk_views,
    bundle_views,
    careplan_views,
    careplan_writes,
    person_views,
    referral_views,
    resource_views,
    trail_views,
    views,
)

app_name = "fhir"

# A FHIR logical id.
ID = r"(?P<resource_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns: list[URLPattern | URLResolver] = [
    # The base itself: transaction and batch Bundles (before the catch-all, which matches "").
    path("", bundle_views.bundle, name="bundle"),
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
    # Bulk Data export: `$` is literal here, hence the escapes.
    re_path(r"^\$export$", bulk_views.kick_off, name="export"),
    re_path(
        r"^\$export-status/(?P<job_id>[0-9a-fA-F\-]{36})$",
        bulk_views.status,
        name="export-status",
    ),
    re_path(
        r"^\$export-files/(?P<job_id>[0-9a-fA-F\-]{36})/(?P<resource_type>[A-Za-z]{1,64})\.ndjson$",
        bulk_views.download,
        name="export-file",
    ),
    path("AuditEvent", trail_views.audit_event_search, name="auditevent-search"),
    re_path(rf"^AuditEvent/{ID}$", trail_views.audit_event_read, name="auditevent"),
    path("Provenance", trail_views.provenance_search, name="provenance-search"),
    re_path(rf"^Provenance/{ID}$", trail_views.provenance_read, name="provenance"),
    path("Communication", trail_views.communication_search, name="communication-search"),
    re_path(rf"^Communication/{ID}$", trail_views.communication_read, name="communication"),
    path("CarePlan", careplan_writes.care_plans, name="careplan-search"),
    re_path(rf"^CarePlan/{ID}$", careplan_writes.care_plan, name="careplan"),
    re_path(
        rf"^CarePlan/{ID}/_history$", careplan_views.care_plan_history, name="careplan-history"
    ),
    re_path(
        rf"^CarePlan/{ID}/_history/(?P<version_id>[0-9]{{1,9}})$",
        careplan_views.care_plan_vread,
        name="careplan-vread",
    ),
    path("Goal", careplan_writes.goals, name="goal-search"),
    re_path(rf"^Goal/{ID}$", careplan_views.goal, name="goal"),
    path("RelatedPerson", person_views.related_person_search, name="relatedperson-search"),
    re_path(rf"^RelatedPerson/{ID}$", person_views.related_person_read, name="relatedperson"),
    path("Consent", person_views.consents, name="consent-search"),
    re_path(rf"^Consent/{ID}$", person_views.consent, name="consent"),
    re_path(r"^(?P<path>.*)$", views.no_such_endpoint),
]
