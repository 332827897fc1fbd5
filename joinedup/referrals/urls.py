"""Referral pages under /referrals/ in the "referrals" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.referrals import views

app_name = "referrals"

urlpatterns: list[URLPattern] = [
    path("", views.incoming, name="incoming"),
    path("sent/", views.outgoing, name="outgoing"),
    path("<uuid:referral_id>/", views.referral, name="referral"),
]
