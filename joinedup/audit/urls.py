"""A person's access log, under people/<person_id>/access-log/ in the "people" namespace:
people/urls.py includes these patterns. Every view declares its access and audit with @route."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.audit import views

urlpatterns: list[URLPattern] = [
    path("", views.access_log, name="access-log"),
]
