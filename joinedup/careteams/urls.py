"""Care team pages, under people/<person_id>/care-team/ in the "people" namespace: people/urls.py
includes these patterns. Every view declares its access and audit with @route."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.careteams import views

urlpatterns: list[URLPattern] = [
    path("history/", views.history, name="care-team-history"),
    path("add/", views.add_member, name="care-team-add"),
    path("<uuid:member_id>/end/", views.end_membership, name="care-team-end"),
]
