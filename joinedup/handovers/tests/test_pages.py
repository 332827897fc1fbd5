"""The handover, cover and transfer pages, as Nadia, Tom and Grace use them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import main_text
from joinedup.directory.models import Service
from joinedup.handovers.models import CoverArrangement, Handover
from joinedup.handovers.tests.helpers import (
    READ_BACK,
    SBAR,
    colleague,
    colleague_hands_fatima_to_nadia,
    nadia_hands_fatima_to_colleague,
)
from joinedup.handovers.tests.test_transfers import READ_BACK as TRANSFER_READ_BACK
from joinedup.handovers.tests.test_transfers import start
from joinedup.referrals.models import Referral
from joinedup.referrals.services import respond_to_referral


def test_my_handovers_lists_those_waiting_given_and_received(
    region: Region, sign_in: SignIn
) -> None:
    nadia_hands_fatima_to_colleague(region)
    colleague_hands_fatima_to_nadia(region)
    page = sign_in("nurse").get("/handovers/")
    text = main_text(page)
    assert page.status_code == 200
    assert "Handed to you" in text and "Handed over by you" in text
    assert text.count("Fatima Hussain") == 2


def _hand_over_form(region: Region, **extra: object) -> dict[str, object]:
    return {
        "people": [str(region.fatima.pk)],
        "to_role": str(colleague(region).pk),
        "situation": SBAR.situation,
        "background": SBAR.background,
        "assessment": SBAR.assessment,
        "recommendation": SBAR.recommendation,
        "action": "hand_over",
        **extra,
    }


def test_handing_over_from_my_caseload(region: Region, sign_in: SignIn) -> None:
    client = sign_in("nurse")
    page = client.get("/handovers/new/")
    assert "Fatima Hussain" in main_text(page) and "Margaret Price" in main_text(page)

    name = colleague(region).practitioner.family_name
    searched = client.post(
        "/handovers/new/", {**_hand_over_form(region), "action": "search", "query": name}
    )
    assert name in main_text(searched)
    assert SBAR.situation in searched.content.decode()

    done = client.post("/handovers/new/", _hand_over_form(region))
    handover = Handover.objects.get(from_role=region.role_profile("nurse"), people=region.fatima)
    assert done.status_code == 302 and done["Location"] == f"/handovers/{handover.pk}/"
    assert list(handover.people.all()) == [region.fatima]


def test_the_hand_over_form_keeps_what_was_typed(region: Region, sign_in: SignIn) -> None:
    page = sign_in("nurse").post(
        "/handovers/new/", _hand_over_form(region, recommendation="", people=[])
    )
    text = main_text(page)
    assert page.status_code == 200
    assert "Say what needs to happen next" in text
    assert "Select the people you are handing over" in text
    assert SBAR.background in page.content.decode()
    assert not Handover.objects.filter(
        from_role=region.role_profile("nurse"), people=region.fatima
    ).exists()


def test_handing_over_one_person_from_their_record(region: Region, sign_in: SignIn) -> None:
    client = sign_in("nurse")
    url = f"/handovers/new/?person={region.fatima.pk}"
    assert "Fatima Hussain" in main_text(client.get(url))
    form = _hand_over_form(region)
    del form["people"]
    assert client.post(url, form).status_code == 302
    # Someone outside their care cannot even open the page for them.
    assert sign_in("outsider").get(url).status_code == 404


def test_the_receiver_acknowledges_with_a_read_back(region: Region, sign_in: SignIn) -> None:
    handover = colleague_hands_fatima_to_nadia(region)
    client = sign_in("nurse")
    url = f"/handovers/{handover.pk}/"
    assert "Acknowledge the handover" in main_text(client.get(url))

    refused = client.post(url, {"read_back": "OK"})
    assert "in your own words" in main_text(refused)
    handover.refresh_from_db()
    assert handover.waiting

    assert client.post(url, {"read_back": READ_BACK}).status_code == 302
    handover.refresh_from_db()
    assert handover.read_back == READ_BACK
    assert READ_BACK in main_text(client.get(url))


def test_the_giver_cannot_acknowledge_and_outsiders_get_404(
    region: Region, sign_in: SignIn
) -> None:
    handover = nadia_hands_fatima_to_colleague(region)
    url = f"/handovers/{handover.pk}/"
    page = sign_in("nurse").get(url)
    assert "Acknowledge the handover" not in main_text(page)
    assert sign_in("nurse").post(url, {"read_back": READ_BACK}).status_code == 403
    assert sign_in("outsider").get(url).status_code == 404
    assert sign_in("gp").post(url, {"read_back": READ_BACK}).status_code == 404
    handover.refresh_from_db()
    assert handover.waiting


def _cover_form(region: Region, **extra: str) -> dict[str, str]:
    start_on = timezone.localdate() + timedelta(days=1)
    back = start_on + timedelta(days=7)
    return {
        "absent": str(region.role_profile("nurse").pk),
        "covering": str(colleague(region).pk),
        "starts_on_day": str(start_on.day),
        "starts_on_month": str(start_on.month),
        "starts_on_year": str(start_on.year),
        "ends_on_day": str(back.day),
        "ends_on_month": str(back.month),
        "ends_on_year": str(back.year),
        "reason": "Annual leave",
        "action": "arrange",
        **extra,
    }


def test_arranging_and_cancelling_cover(region: Region, sign_in: SignIn) -> None:
    client = sign_in("nurse")
    assert "Arrange cover" in main_text(client.get("/handovers/cover/"))

    wrong = client.post("/handovers/cover/", _cover_form(region, ends_on_day="", reason=""))
    assert "Enter the day they are back" in main_text(wrong) or "must include" in main_text(wrong)
    assert "Say why cover is needed" in main_text(wrong)

    assert client.post("/handovers/cover/", _cover_form(region)).status_code == 302
    cover = CoverArrangement.objects.get(absent=region.role_profile("nurse"))
    listed = main_text(client.get("/handovers/cover/"))
    assert "Who covers for you" in listed and colleague(region).practitioner.display_name in listed

    url = f"/handovers/cover/{cover.pk}/cancel/"
    assert "Cancel cover" in main_text(client.get(url))
    assert sign_in("gp").post(url).status_code == 404
    cover.refresh_from_db()
    assert cover.cancelled_at is None
    assert sign_in("nurse").post(url).status_code == 302
    cover.refresh_from_db()
    assert cover.cancelled_at is not None


def test_someone_else_cannot_arrange_cover_for_nadia(region: Region, sign_in: SignIn) -> None:
    page = sign_in("gp").post("/handovers/cover/", _cover_form(region))
    assert page.status_code == 200
    assert "Choose who will be away from the list" in main_text(page)
    assert not CoverArrangement.objects.filter(absent=region.role_profile("nurse")).exists()


def test_tom_starts_a_transfer_and_grace_acknowledges_it(region: Region, sign_in: SignIn) -> None:
    service = Service.objects.get(name="Residential and nursing care")
    url = f"/handovers/transfers/new/{region.margaret.pk}/"
    tom = sign_in("discharge")
    assert "Discharge summary" in main_text(tom.get(url))
    form = {
        "service": str(service.pk),
        "reason": "A month at Hollybank before going home.",
        "what_happened": "Wrist set in plaster.",
        "follow_up": "Fracture clinic on the 2nd.",
        "items": ["communication"],
    }
    missing = tom.post(url, {**form, "follow_up": ""})
    assert "Say what follow-up is needed" in main_text(missing)
    assert "Wrist set in plaster." in missing.content.decode()
    sent = tom.post(url, form)
    assert sent.status_code == 302
    transfer_url = sent["Location"]

    grace = sign_in("care_home_manager")
    assert "Accept the transfer" in main_text(grace.get(transfer_url))
    referral_id = transfer_url.rstrip("/").rsplit("/", 1)[-1]
    referral = Referral.objects.get(pk=referral_id)
    respond_to_referral(
        actor=region.actor("care_home_manager"), referral=referral, status="accepted"
    )
    assert "Acknowledge the transfer" in main_text(grace.get(transfer_url))
    assert grace.post(transfer_url, {"read_back": TRANSFER_READ_BACK}).status_code == 302
    assert TRANSFER_READ_BACK in main_text(grace.get(transfer_url))


def test_transfer_pages_refuse_the_wrong_people(region: Region, sign_in: SignIn) -> None:
    assert (
        sign_in("outsider").get(f"/handovers/transfers/new/{region.margaret.pk}/").status_code
        == 404
    )
    referral = start(region)
    respond_to_referral(
        actor=region.actor("care_home_manager"), referral=referral, status="accepted"
    )
    url = f"/handovers/transfers/{referral.pk}/"
    assert sign_in("outsider").get(url).status_code == 404
    assert sign_in("discharge").post(url, {"read_back": TRANSFER_READ_BACK}).status_code == 403
    referral.transfer_document.refresh_from_db()
    assert referral.transfer_document.acknowledged_at is None
