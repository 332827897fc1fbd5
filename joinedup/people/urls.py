"""People pages, and the care team pages under each person. Every view declares its access
and audit with @route (core/routes.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from joinedup.audit import urls as access_log_urls
from joinedup.careplans import urls as careplan_urls
from joinedup.careteams import urls as careteam_urls
from joinedup.people import views
from joinedup.records import urls as entry_urls
from joinedup.sharing.views import person as sharing_views

app_name = "people"

urlpatterns: list[URLPattern | URLResolver] = [
    path("search/", views.search, name="search"),
    path("new/", views.register, name="register"),
    path("<uuid:person_id>/", views.summary, name="summary"),
    path("<uuid:person_id>/details/", views.details_edit, name="details-edit"),
    path("<uuid:person_id>/about-me/", views.about_me_history, name="about-me-history"),
    path("<uuid:person_id>/about-me/update/", views.about_me_edit, name="about-me-edit"),
    path("<uuid:person_id>/care-team/", include(careteam_urls.urlpatterns)),
    path("<uuid:person_id>/care-plan/", include(careplan_urls.person_urlpatterns)),
    path("<uuid:person_id>/entries/", include(entry_urls.urlpatterns)),
    path("<uuid:person_id>/sharing/", include(sharing_views.urlpatterns)),
    path("<uuid:person_id>/access-log/", include(access_log_urls.urlpatterns)),
]
