"""Handover, cover and transfer-of-care pages, mounted at /handovers/. Every view declares its
access and audit with @route."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.handovers import views

app_name = "handovers"

urlpatterns: list[URLPattern] = [
    path("", views.my_handovers, name="mine"),
    path("new/", views.hand_over_page, name="hand-over"),
    path("<uuid:handover_id>/", views.handover, name="handover"),
    path("cover/", views.cover, name="cover"),
    path("cover/<uuid:cover_id>/cancel/", views.cancel_cover_page, name="cancel-cover"),
    path("transfers/new/<uuid:person_id>/", views.start_transfer_page, name="start-transfer"),
    path("transfers/<uuid:referral_id>/", views.transfer, name="transfer"),
]
