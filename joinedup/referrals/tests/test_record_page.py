"""The person's record page and referrals: a way to refer for those who may, and, for a
receiving organisation that has not accepted yet, who the person is and nothing more."""

from __future__ import annotations

from django.urls import reverse

from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import main_text
from joinedup.directory.models import Service
from joinedup.people.models import Person
from joinedup.referrals.services import ItemChoice, draft_referral, send_referral


def test_the_nurse_is_offered_a_way_to_refer_peggy(sign_in: SignIn, region: Region) -> None:
    page = sign_in("nurse").get(reverse("people:summary", kwargs={"person_id": region.margaret.pk}))

    assert (
        reverse("referrals:new", kwargs={"person_id": region.margaret.pk}) in page.content.decode()
    )
    assert "Refer Peggy to a service" in main_text(page)


def test_before_accepting_sam_sees_who_fatima_is_and_is_pointed_to_the_referral(
    sign_in: SignIn, region: Region
) -> None:
    fatima = Person.objects.get(nhs_number="9990003025")
    send_referral(
        actor=region.actor("nurse"),
        referral=draft_referral(
            actor=region.actor("nurse"),
            person=fatima,
            service=Service.objects.get(name="Adult social care assessment"),
            reason="Carer's assessment for Imran.",
            items=[ItemChoice("communication")],
        ),
    )

    page = sign_in("social_worker").get(reverse("people:summary", kwargs={"person_id": fatima.pk}))

    text = main_text(page)
    assert page.status_code == 200
    assert "Until it is accepted you can see who Fatima is" in text
    assert "<p>" not in text  # the notice is markup, not escaped text
    assert f'href="{reverse("referrals:incoming")}"' in page.content.decode()
    assert "Imran" not in text  # her family is not shown before acceptance
    assert "Care team" not in text
