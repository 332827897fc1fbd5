"""Referral pages under /referrals/ in the "referrals" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.referrals import measures_views, views

app_name = "referrals"

urlpatterns: list[URLPattern] = [
    path("", views.incoming, name="incoming"),
    path("sent/", views.outgoing, name="outgoing"),
    *measures_views.urlpatterns,
    path("new/<uuid:person_id>/", views.new, name="new"),
    path("<uuid:referral_id>/", views.referral, name="referral"),
    path("<uuid:referral_id>/check/", views.check, name="check"),
    path("<uuid:referral_id>/<slug:action>/", views.move, name="move"),
]
