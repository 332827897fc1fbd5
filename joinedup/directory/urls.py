"""Directory pages. Every view declares its access and audit with @route (core/routes.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.directory import views

app_name = "directory"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<uuid:organisation_id>/", views.organisation, name="organisation"),
    path("services/", views.services, name="services"),
    path("practitioners/", views.practitioners, name="practitioners"),
    path("teams/", views.teams, name="teams"),
]
