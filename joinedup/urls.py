"""Every route of joinedup. Each app's urls.py declares who may use its routes (see
core/routes.py); core/tests/test_routes.py fails on any route without a declaration."""

from __future__ import annotations

from django.urls import include, path, re_path

from joinedup.accounts.admin_site import admin_site
from joinedup.api.problems import no_such_endpoint

urlpatterns = [
    path("", include("joinedup.core.urls")),
    path("", include("joinedup.accounts.urls")),
    path("directory/", include("joinedup.directory.urls")),
    path("people/", include("joinedup.people.urls")),
    path("sharing/", include("joinedup.sharing.urls")),
    path("care-plans/", include("joinedup.careplans.urls")),
    path("referrals/", include("joinedup.referrals.urls")),
    path("inbox/", include("joinedup.notifications.urls")),
    path("handovers/", include("joinedup.handovers.urls")),
    path("api/v1/", include("joinedup.api.urls")),
    path("fhir/R4/", include("joinedup.fhir.urls")),
    re_path(r"^api/", no_such_endpoint),  # other API versions: a 404 problem, not a page
    path("admin/", admin_site.urls),
]
