"""/fhir/R4/: the routes of the FHIR interface, then a catch-all so any other address under it
answers a 404 OperationOutcome rather than Django's HTML page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from joinedup.fhir import views

app_name = "fhir"

urlpatterns: list[URLPattern | URLResolver] = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient-search"),
    re_path(r"^Patient/(?P<patient_id>[A-Za-z0-9\-.]{1,64})$", views.patient_read, name="patient"),
    re_path(r"^(?P<path>.*)$", views.no_such_endpoint),
]
