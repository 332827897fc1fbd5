"""The referral pages as Margaret's care team meets them: Nadia (community nurse) finds the
council's adult social care assessment service, refers Peggy with her About Me and the leg ulcer
entry, checks and sends it; Sam (social worker at the council) accepts and completes it; each
side sees only its own buttons, and the services refuse the other side's moves anyway."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value, main_text, row_with, table_rows
from joinedup.directory.models import Service
from joinedup.people.models import AboutMe, Person
from joinedup.records.models import RecordEntry
from joinedup.referrals.models import Referral, ReferralStatus
from joinedup.referrals.services import ItemChoice, draft_referral, send_referral
from joinedup.sharing.models import ChoiceKind, ExpressedHow
from joinedup.sharing.services import record_choice

S = ReferralStatus
ASSESSMENT = "Adult social care assessment"
LEG_ULCER = "Venous leg ulcer, left leg"
LOW_MOOD = "Low mood since her fall"


def _service() -> Service:
    return Service.objects.get(name=ASSESSMENT)


def _entry(region: Region, title: str) -> RecordEntry:
    return RecordEntry.objects.get(person=region.margaret, title=title)


def _refer_url(person: Person) -> str:
    return reverse("referrals:new", kwargs={"person_id": person.pk})


def _url(name: str, referral: Referral, **kwargs: Any) -> str:
    return reverse(f"referrals:{name}", kwargs={"referral_id": referral.pk, **kwargs})


def _sent(region: Region, *titles: str, person: Person | None = None) -> Referral:
    items = [ItemChoice("entry", str(_entry(region, title).pk)) for title in titles]
    nurse = region.actor("nurse")
    draft = draft_referral(
        actor=nurse,
        person=person or region.margaret,
        service=_service(),
        reason="Struggling with washing and dressing since her fall.",
        items=[ItemChoice("about_me"), *items],
    )
    return send_referral(actor=nurse, referral=draft)


def _fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def _post_move(client: Client, referral: Referral, action: str, **data: str) -> Any:
    return client.post(
        _url("move", referral, action=action), {"version": str(referral.version), **data}
    )


def test_the_nurse_refers_margaret_and_sam_accepts_and_completes(
    region: Region, sign_in: SignIn
) -> None:
    margaret, service = region.margaret, _service()
    client = sign_in("nurse")

    # Finding the service: by need, in Margaret's postcode district.
    found = client.get(_refer_url(margaret), {"need": "social care", "area": "CD3"})
    text = main_text(found)
    assert ASSESSMENT in text and "Calderbridge City Council" in text
    assert f"Routine: {service.response_target_routine_days} working days" in text
    assert "Residential and nursing care" not in text  # meets other needs
    nowhere = client.get(_refer_url(margaret), {"need": "social care", "area": "ZZ9"})
    assert ASSESSMENT not in main_text(nowhere)

    # Making the referral: what matters comes from About Me; every item shows its category.
    form = client.get(_refer_url(margaret), {"service": str(service.pk)})
    about = AboutMe.objects.filter(person=margaret).order_by("-version").first()
    assert form_value(form, "what_matters") == (about.what_matters_most if about else "")
    form_text = main_text(form)
    assert LEG_ULCER in form_text and "Information category: general" in form_text
    leg_ulcer = _entry(region, LEG_ULCER)
    made = client.post(
        _refer_url(margaret),
        {
            "service": str(service.pk),
            "reason": "Struggling with washing and dressing since her fall.",
            "urgency": "routine",
            "what_matters": "Staying in her own home.",
            "questions": "Is she eligible for home care?",
            "recipient": "",
            "items": ["about_me", f"entry:{leg_ulcer.pk}"],
        },
    )
    assert made.status_code == 302
    referral = Referral.objects.get(
        person=margaret, status=S.DRAFT, requester__practitioner__user=region.user("nurse")
    )
    assert made["Location"] == _url("check", referral)

    # Check and send: exactly those two items.
    check = client.get(_url("check", referral))
    assert [item.label for item in referral.items.all()] == [
        "About Me",
        f"{leg_ulcer.get_section_display()}: {LEG_ULCER}",
    ]
    check_text = main_text(check)
    assert "About Me" in check_text and LEG_ULCER in check_text
    assert LOW_MOOD not in check_text and "How to communicate with them" not in check_text
    sent = client.post(_url("check", referral), {"version": referral.version, "action": "send"})
    assert sent["Location"] == _url("referral", referral)
    assert _fresh(referral).status == S.REQUESTED

    # Sam sees it in the incoming list and opens it: only what was sent.
    sam = sign_in("social_worker")
    incoming = sam.get(reverse("referrals:incoming"))
    assert _url("referral", referral) in incoming.content.decode()
    assert "Waiting for a response" in row_with(incoming, margaret.full_name)
    page = sam.get(_url("referral", referral))
    page_text = main_text(page)
    assert LEG_ULCER in page_text and LOW_MOOD not in page_text
    assert "Accept" in page_text and "Cancel this referral" not in page_text

    accept_form = sam.get(_url("move", referral, action="accept"))
    sam_profile = region.role_profile("social_worker")
    assert form_value(accept_form, "assigned_to") == str(sam_profile.pk)
    accepted = _post_move(sam, _fresh(referral), "accept", assigned_to=str(sam_profile.pk))
    assert accepted.status_code == 302
    assert _fresh(referral).status == S.ACCEPTED
    assert _fresh(referral).assigned_to == sam_profile

    # In the care team, Sam's summary of Margaret is the whole record.
    summary = main_text(sam.get(reverse("people:summary", kwargs={"person_id": margaret.pk})))
    assert "Until it is accepted" not in summary and "Care Act assessment completed" in summary

    _post_move(sam, _fresh(referral), "start")
    done = _post_move(
        sam, _fresh(referral), "complete", outcome_summary="Eligible: home care from Monday."
    )
    assert done.status_code == 302 and _fresh(referral).status == S.COMPLETED

    # The outcome reaches Nadia's inbox.
    nadia = sign_in("nurse")
    inbox = main_text(nadia.get(reverse("notifications:inbox")))
    assert f"Your referral to {ASSESSMENT}: completed" in inbox
    assert "Eligible: home care from Monday." in inbox


def test_a_receiver_who_was_not_in_the_care_team_sees_the_whole_record_after_accepting(
    region: Region, sign_in: SignIn
) -> None:
    fatima = Person.objects.get(nhs_number="9990003025")
    nurse = region.actor("nurse")
    referral = send_referral(
        actor=nurse,
        referral=draft_referral(
            actor=nurse,
            person=fatima,
            service=_service(),
            reason="Carer's assessment for Imran.",
            items=[ItemChoice("communication")],
        ),
    )
    sam = sign_in("social_worker")
    summary_url = reverse("people:summary", kwargs={"person_id": fatima.pk})
    assert "Until it is accepted" in main_text(sam.get(summary_url))
    _post_move(sam, referral, "accept", assigned_to=str(region.role_profile("social_worker").pk))
    assert "Until it is accepted" not in main_text(sam.get(summary_url))


def test_each_side_sees_only_its_own_buttons(region: Region, sign_in: SignIn) -> None:
    referral = _sent(region)
    nurse_page = main_text(sign_in("nurse").get(_url("referral", referral)))
    assert "Cancel this referral" in nurse_page and "Accept" not in nurse_page
    sam_page = main_text(sign_in("social_worker").get(_url("referral", referral)))
    assert "Accept" in sam_page and "Do not accept" in sam_page
    assert "Cancel this referral" not in sam_page


def test_the_receiver_cannot_cancel_and_the_requester_cannot_accept(
    region: Region, sign_in: SignIn
) -> None:
    referral = _sent(region)
    sam = sign_in("social_worker")
    assert sam.get(_url("move", referral, action="cancel")).status_code == 403
    refused = _post_move(sam, referral, "cancel", reason="Not for us.")
    assert refused.status_code == 403
    assert "Only the referrer" in main_text(refused)
    assert _fresh(referral).status == S.REQUESTED

    nurse = sign_in("nurse")
    refused = _post_move(
        nurse, referral, "accept", assigned_to=str(region.role_profile("nurse").pk)
    )
    assert refused.status_code == 403
    unchanged = _fresh(referral)
    assert unchanged.status == S.REQUESTED and unchanged.version == referral.version


def test_an_outsider_cannot_find_the_referral(region: Region, sign_in: SignIn) -> None:
    referral = _sent(region)
    colin = sign_in("outsider")
    assert colin.get(_url("referral", referral)).status_code == 404
    assert colin.get(_url("move", referral, action="accept")).status_code == 404
    assert _post_move(colin, referral, "cancel", reason="Mine now").status_code == 404
    assert _fresh(referral).status == S.REQUESTED


def test_an_objection_stops_the_referral_with_the_reason_on_the_check_page(
    region: Region, sign_in: SignIn
) -> None:
    record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        category="general",
        organisation=_service().organisation,
        expressed_how=ExpressedHow.SPOKEN,
        in_their_words="I don't want the council reading my notes.",
    )
    nurse = region.actor("nurse")
    draft = draft_referral(
        actor=nurse,
        person=region.margaret,
        service=_service(),
        reason="Help at home.",
        items=[ItemChoice("entry", str(_entry(region, LEG_ULCER).pk))],
    )
    client = sign_in("nurse")
    check = main_text(client.get(_url("check", draft)))
    assert "has objected to sharing general information" in check
    assert "record a decision to share without consent" in check

    refused = client.post(_url("check", draft), {"version": draft.version, "action": "send"})
    assert refused.status_code == 200
    assert "objected to sharing general information" in main_text(refused)
    assert _fresh(draft).status == S.DRAFT

    item = draft.items.get()
    left = client.post(
        _url("check", draft),
        {"version": draft.version, "action": "leave_out", "leave_out": [str(item.pk)]},
    )
    assert left.status_code == 302 and not _fresh(draft).items.exists()
    sent = client.post(_url("check", draft), {"version": draft.version + 1, "action": "send"})
    assert sent.status_code == 302 and _fresh(draft).status == S.REQUESTED


def test_a_stale_version_shows_the_conflict_page_keeping_what_was_typed(
    region: Region, sign_in: SignIn
) -> None:
    referral = _sent(region)
    stale_version = referral.version
    sam = sign_in("social_worker")
    _post_move(sam, referral, "accept", assigned_to=str(region.role_profile("social_worker").pk))

    nurse = sign_in("nurse")
    conflict = nurse.post(
        _url("move", referral, action="cancel"),
        {"version": str(stale_version), "reason": "She has moved to her daughter's."},
    )
    assert conflict.status_code == 409
    text = main_text(conflict)
    assert "Someone changed this referral" in text and "It is now accepted" in text
    assert form_value(conflict, "reason") == "She has moved to her daughter's."
    assert form_value(conflict, "version") == str(_fresh(referral).version)
    assert _fresh(referral).status == S.ACCEPTED


def test_a_broken_rule_is_shown_against_the_field_keeping_what_was_typed(
    region: Region, sign_in: SignIn
) -> None:
    client = sign_in("nurse")
    service = _service()
    before = Referral.objects.count()
    page = client.post(
        _refer_url(region.margaret),
        {"service": str(service.pk), "reason": "", "urgency": "urgent", "questions": "When?"},
    )
    assert page.status_code == 200
    assert "Say why you are referring them" in main_text(page)
    assert form_value(page, "urgency") == "urgent" and form_value(page, "questions") == "When?"
    assert Referral.objects.count() == before

    referral = _sent(region)
    sam = sign_in("social_worker")
    rejected = _post_move(sam, referral, "reject", reason_code="wrong_service", reason="")
    assert "Explain why, for the referrer" in main_text(rejected)
    assert form_value(rejected, "reason_code") == "wrong_service"


def test_the_lists_filter_by_state_and_put_overdue_first(region: Region, sign_in: SignIn) -> None:
    late, on_time = _sent(region), _sent(region)
    Referral.objects.filter(pk=late.pk).update(respond_by=late.requested_at)
    sam = sign_in("social_worker")
    caption = "Referrals to your organisation"

    overdue = sam.get(reverse("referrals:incoming"), {"overdue": "yes"})
    overdue_rows = table_rows(overdue, caption)[1:]
    assert overdue_rows and all("Overdue" in row for row in overdue_rows)
    assert _url("referral", late) in overdue.content.decode()
    assert _url("referral", on_time) not in overdue.content.decode()

    everything = sam.get(reverse("referrals:incoming"))
    marked = ["Overdue" in row for row in table_rows(everything, caption)[1:]]
    assert any(marked) and not all(marked)
    assert marked == sorted(marked, reverse=True)  # every overdue one before the rest

    waiting = sign_in("nurse").get(reverse("referrals:outgoing"), {"status": "requested"})
    rows = table_rows(waiting, "Referrals your organisation made")[1:]
    assert len(rows) >= 2 and all("Waiting for a response" in row for row in rows)
