"""Organisation-level sharing pages under /sharing/: agreements, emergency access, privacy
alerts. A person's own sharing page is under people/<id>/sharing/ (people/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from joinedup.sharing.views import agreements, privacy

app_name = "sharing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("agreements/", include(agreements.urlpatterns)),
    path("", include(privacy.urlpatterns)),
]
