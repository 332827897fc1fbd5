"""No page shows markup as text. Building HTML by joining strings in a template escapes the
literal parts as soon as one part is already safe, so a link would appear as "<a href=…>";
this walks the main pages as the personas who use them and looks for escaped tags."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from joinedup.conftest import Region, SignIn

ESCAPED_TAG = re.compile(r"&lt;/?(a|p|span|strong|br|ul|li|div)\b")

PAGES_BY_PERSONA: dict[str, list[str]] = {
    "nurse": [
        "core:home",
        "people:search",
        "referrals:incoming",
        "referrals:outgoing",
        "referrals:measures",
        "handovers:mine",
        "handovers:cover",
        "notifications:inbox",
        "careplans:my-actions",
        "careplans:reviews-due",
        "sharing:agreements",
        "sharing:emergency-access",
        "sharing:my-emergency-access",
    ],
    "privacy_officer": ["sharing:privacy-alerts", "sharing:exemptions", "sharing:agreements"],
    "social_worker": ["referrals:incoming", "careplans:reviews-due"],
}
PERSON_PAGES = [
    "people:summary",
    "people:sharing",
    "people:access-log",
    "people:care-plan",
    "people:care-plan-history",
    "people:about-me-history",
]


@pytest.mark.parametrize(
    ("persona", "page"),
    [(persona, page) for persona, pages in PAGES_BY_PERSONA.items() for page in pages],
)
def test_a_page_shows_no_markup_as_text(sign_in: SignIn, persona: str, page: str) -> None:
    response = sign_in(persona).get(reverse(page))
    assert response.status_code == 200
    assert not ESCAPED_TAG.search(response.content.decode()), f"{page} shows escaped markup"


@pytest.mark.parametrize("page", PERSON_PAGES)
def test_margarets_pages_show_no_markup_as_text(sign_in: SignIn, region: Region, page: str) -> None:
    response = sign_in("gp").get(reverse(page, kwargs={"person_id": region.margaret.pk}))
    assert response.status_code == 200
    assert not ESCAPED_TAG.search(response.content.decode()), f"{page} shows escaped markup"


def test_arthurs_plan_and_print_show_no_markup_as_text(sign_in: SignIn, region: Region) -> None:
    client = sign_in("care_home_manager")
    for page in ("people:care-plan", "people:care-plan-print"):
        response = client.get(reverse(page, kwargs={"person_id": region.arthur.pk}))
        assert response.status_code == 200
        assert not ESCAPED_TAG.search(response.content.decode()), f"{page} shows escaped markup"
