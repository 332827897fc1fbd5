"""The inbox under /inbox/ in the "notifications" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.notifications import views

app_name = "notifications"

urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="inbox"),
    path("<uuid:notification_id>/read/", views.mark_as_read, name="mark-read"),
]
