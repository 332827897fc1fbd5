"""Entry pages under people/<person_id>/entries/, in the "people" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from joinedup.records import views

urlpatterns: list[URLPattern] = [
    path("new/", views.add, name="entry-add"),
]
