"""Home ("My people"), the health check and the accessibility statement."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.core import views

app_name = "core"

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
