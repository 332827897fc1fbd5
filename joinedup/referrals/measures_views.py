"""The referral measures page: how the staff member's organisation's services answer the
referrals sent to them. Counts and times only, naming no one, so not audited."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.routes import Access, Audit, route
from joinedup.referrals.measures import reason_label, referral_measures_for


def in_words(duration: timedelta | None) -> str:
    """A time to respond or complete, as people say it: hours up to two days, then days."""
    if duration is None:
        return "None yet"
    hours = duration.total_seconds() / 3600
    if hours < 48:
        return f"{hours:.1f} hours"
    return f"{hours / 24:.1f} days"


@route(access=Access.STAFF, audit=Audit.NONE)
@needs_actor
def measures(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    assert actor.role_profile is not None  # noqa: S101 - actor_for gives a staff actor
    organisation = actor.role_profile.organisation
    return render_page(
        request,
        "referrals/measures.jinja",
        {
            "found": referral_measures_for(organisation),
            "in_words": in_words,
            "reason_label": reason_label,
        },
        page_title=f"How {organisation.name} answers referrals",
    )


urlpatterns: list[URLPattern] = [path("measures/", measures, name="measures")]
