"""The emergency access pages and the privacy officer's pages, as staff use them.

Emergency access: find by exact NHS number (an audited lookup showing only name, date of birth
and NHS number), then reason, confirmation and a fresh code; errors keep what was typed except
the code; a role without emergency access gets a page saying whom to ask; My emergency access
ends it early. Privacy officers: the review queue, each alert's detail (an audited read) with
what was done under the access, the review that takes it out of the queue, the reviewed list,
and disclosures whose serious-harm exemption needs review. Nobody else sees those pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value, main_text, table_rows
from joinedup.people.models import Person
from joinedup.people.selectors import person_summary_for
from joinedup.sharing.models import BreakGlass, Disclosure, PrivacyAlert
from joinedup.sharing.policy import Basis
from joinedup.sharing.services import record_disclosure
from joinedup.sharing.tests.test_break_glass import REASON, break_glass, code_for, wrong_code

FIND = "/sharing/emergency-access/"
START = "/sharing/emergency-access/start/"
MINE = "/sharing/emergency-access/mine/"
QUEUE = "/sharing/privacy-alerts/"
REVIEWED = "/sharing/privacy-alerts/reviewed/"
EXEMPTIONS = "/sharing/exemptions/"
CONFIRMATION = (
    "I need this record now for this person's care, and I understand my access will be reviewed"
)


def start_form(region: Region, **changes: str) -> dict[str, str]:
    margaret = region.margaret
    form = {
        "nhs_number": margaret.nhs_number,
        "person": str(margaret.pk),
        "reason_code": "cannot_communicate",
        "reason": REASON,
        "confirmed": "yes",
        "second_factor_code": code_for(region.user("outsider")),
    }
    return form | changes


def alert_url(alert: PrivacyAlert) -> str:
    return f"/sharing/privacy-alerts/{alert.pk}/"


def helens_alert(region: Region) -> PrivacyAlert:
    """Colin Firth (the outsider) has opened Margaret's record; the alert to Helen's trust."""
    started = break_glass(region.actor("outsider"), region.margaret.pk)
    return PrivacyAlert.objects.get(
        break_glass=started.access, organisation=region.role_profile("privacy_officer").organisation
    )


# -- finding the person -----------------------------------------------------------------------


def test_the_find_page_explains_emergency_access_and_asks_for_an_nhs_number(
    sign_in: SignIn,
) -> None:
    response = sign_in("outsider").get(FIND)
    assert response.status_code == 200
    text = main_text(response)
    assert "Emergency access to a record" in text
    assert "Your access will be reviewed" in text
    assert "Access ends after 60 minutes" in text
    assert 'name="nhs_number"' in response.content.decode()


def test_finding_margaret_shows_only_who_she_is_and_the_lookup_is_audited(
    sign_in: SignIn, region: Region
) -> None:
    margaret = region.margaret
    client = sign_in("outsider")
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    response = client.post(FIND, {"nhs_number": "999 000 1111"})

    text = main_text(response)
    assert "Check this is the right person" in text
    assert "Name Margaret Price" in text
    assert "Date of birth 12 March 1944" in text
    assert "NHS number 999 000 1111" in text
    for private in ("Peggy", "CD3 4PQ", "Weavers Row", "Sarah", "Riverside Medical Practice"):
        assert private not in text, private
    assert CONFIRMATION in text
    assert form_value(response, "person") == str(margaret.pk)
    [event] = AuditEvent.objects.exclude(pk__in=before)
    assert (event.action, event.person, event.user) == (
        "break_glass.lookup",
        margaret,
        region.user("outsider"),
    )
    assert "999 000 1111" in event.reason


def test_an_nhs_number_no_one_has_is_said_plainly(sign_in: SignIn) -> None:
    response = sign_in("outsider").post(FIND, {"nhs_number": "943 476 5919"})
    assert "No one has that NHS number" in main_text(response)
    assert form_value(response, "nhs_number") == "943 476 5919"


def test_an_nhs_number_that_is_not_valid_is_an_error_beside_the_field(sign_in: SignIn) -> None:
    response = sign_in("outsider").post(FIND, {"nhs_number": "999 000 1112"})
    text = main_text(response)
    assert "There is a problem" in text
    assert "This is not a valid NHS number" in text
    assert form_value(response, "nhs_number") == "999 000 1112"
    assert not AuditEvent.objects.filter(action="break_glass.lookup").exists()


def test_someone_already_in_the_care_team_is_told_they_need_no_emergency_access(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("nurse").post(FIND, {"nhs_number": region.margaret.nhs_number})
    text = main_text(response)
    assert "You can already open this record" in text
    assert "You do not need emergency access" in text
    assert 'name="second_factor_code"' not in response.content.decode()


def test_with_emergency_access_in_force_the_lookup_says_until_when(
    sign_in: SignIn, region: Region
) -> None:
    break_glass(region.actor("outsider"), region.margaret.pk)
    response = sign_in("outsider").post(FIND, {"nhs_number": region.margaret.nhs_number})
    text = main_text(response)
    assert "You can already open this record" in text
    assert "Emergency access (break-glass) until" in text
    assert 'name="second_factor_code"' not in response.content.decode()


def test_two_records_with_one_nhs_number_are_both_shown_to_choose_from(
    sign_in: SignIn, region: Region
) -> None:
    arthur = region.arthur
    twin = Person.objects.create(
        nhs_number=arthur.nhs_number,
        given_name="Arthur",
        family_name="Bell",
        date_of_birth=arthur.date_of_birth.replace(day=3),
    )
    client = sign_in("outsider")

    response = client.post(FIND, {"nhs_number": arthur.nhs_number})

    text = main_text(response)
    assert "More than one record has this NHS number" in text
    assert text.count("Arthur Bell") == 2
    chosen = start_form(region, nhs_number=arthur.nhs_number, person="")
    refused = client.post(START, chosen)
    assert "Select the person who needs care" in main_text(refused)
    started = client.post(START, chosen | {"person": str(twin.pk)})
    assert started["Location"] == f"/people/{twin.pk}/"


# -- starting emergency access ----------------------------------------------------------------


def test_with_reason_confirmation_and_code_the_outsider_opens_margarets_record(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("outsider")
    margaret = region.margaret

    response = client.post(START, start_form(region))

    assert response.status_code == 302
    assert response["Location"] == f"/people/{margaret.pk}/"
    access = BreakGlass.objects.get(user=region.user("outsider"))
    assert access.reason_code == "cannot_communicate"
    assert access.reason == REASON
    record = client.get(response["Location"])
    assert record.status_code == 200
    text = main_text(record)
    until = timezone.localtime(access.expires_at)
    assert f"You have emergency access to Margaret Price's record until {until:%H:%M}" in text
    assert "Calderbridge Community Health NHS Trust" in text  # told, and will review it
    read = AuditEvent.objects.filter(action="person.view", user=region.user("outsider")).last()
    assert read is not None and read.basis == Basis.BREAK_GLASS


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"confirmed": ""}, "Confirm that you need this record now"),
        ({"reason": "help"}, "Explain in your own words why you need this record now"),
        ({"reason_code": ""}, "Select why you need emergency access"),
        ({"second_factor_code": "12345"}, "The code must be 6 numbers"),
        ({"second_factor_code": ""}, "Enter the 6-digit code from your authenticator app"),
    ],
)
def test_a_form_with_a_problem_says_what_and_keeps_what_was_typed_except_the_code(
    sign_in: SignIn, region: Region, changes: dict[str, str], message: str
) -> None:
    form = start_form(region, **changes)

    response = sign_in("outsider").post(START, form)

    assert response.status_code == 200
    text = main_text(response)
    assert "There is a problem" in text
    assert message in text
    assert "Name Margaret Price" in text  # who it is, shown again
    for name in ("reason", "reason_code", "nhs_number", "person"):
        assert form_value(response, name) == form[name].strip(), name
    assert form_value(response, "second_factor_code") == ""
    assert not BreakGlass.objects.filter(user=region.user("outsider")).exists()


def test_a_wrong_code_is_refused_and_the_record_stays_closed(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("outsider")
    form = start_form(region, second_factor_code=wrong_code(region.user("outsider")))

    response = client.post(START, form)

    text = main_text(response)
    assert "The code from your authenticator app was not right" in text
    assert form_value(response, "reason") == REASON
    assert form_value(response, "confirmed") == "yes"
    assert form_value(response, "second_factor_code") == ""
    assert client.get(f"/people/{region.margaret.pk}/").status_code == 404


def test_a_code_used_once_does_not_work_again(sign_in: SignIn, region: Region) -> None:
    client = sign_in("outsider")
    form = start_form(region)
    assert client.post(START, form).status_code == 302
    access = BreakGlass.objects.get(user=region.user("outsider"))
    client.post(f"/sharing/emergency-access/{access.pk}/end/")

    response = client.post(START, form)

    assert "The code from your authenticator app was not right" in main_text(response)
    assert BreakGlass.objects.filter(user=region.user("outsider")).count() == 1


def test_a_role_without_emergency_access_is_told_whom_to_ask(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("voluntary")

    for response in (
        client.get(FIND),
        client.post(FIND, {"nhs_number": region.margaret.nhs_number}),
        client.post(START, start_form(region)),
    ):
        assert response.status_code == 403
        text = main_text(response)
        assert "You cannot use emergency access" in text
        assert "Voluntary sector worker, Calderbridge Carers Centre" in text
        assert "ask your manager or the nurse or doctor on duty" in text
        assert "Margaret" not in text
    assert not AuditEvent.objects.filter(action="break_glass.lookup").exists()
    assert not BreakGlass.objects.filter(user=region.user("voluntary")).exists()


# -- my emergency access ----------------------------------------------------------------------


def test_my_emergency_access_lists_it_and_ends_it_early(sign_in: SignIn, region: Region) -> None:
    client = sign_in("outsider")
    started = break_glass(region.actor("outsider"), region.margaret.pk)

    listed = client.get(MINE)
    text = main_text(listed)
    assert "Margaret Price" in text
    assert REASON in text

    ended = client.post(f"/sharing/emergency-access/{started.access.pk}/end/", follow=True)

    assert "Your emergency access to Margaret Price's record has ended." in main_text(ended)
    assert "You have no emergency access in force." in main_text(ended)
    assert client.get(f"/people/{region.margaret.pk}/").status_code == 404


def test_ending_is_a_post_and_only_for_my_own(sign_in: SignIn, region: Region) -> None:
    started = break_glass(region.actor("outsider"), region.margaret.pk)
    end_url = f"/sharing/emergency-access/{started.access.pk}/end/"

    assert sign_in("outsider").get(end_url)["Location"] == MINE
    assert sign_in("care_home_manager").post(end_url).status_code == 404

    started.access.refresh_from_db()
    assert started.access.is_active()


# -- the privacy officer's review queue -------------------------------------------------------


def test_helen_sees_the_alert_in_her_queue_with_who_whose_when_and_why(
    sign_in: SignIn, region: Region
) -> None:
    alert = helens_alert(region)

    response = sign_in("privacy_officer").get(QUEUE)

    assert response.status_code == 200
    [_, row] = table_rows(response, "Emergency access to review")
    assert "Margaret Price 999 000 1111" in row
    assert "Colin Firth Care worker, Oakfield House" in row
    assert "60 minutes" in row
    assert f"Emergency care: the person needs treatment now. {REASON}" in row
    assert alert_url(alert) in response.content.decode()


def test_opening_an_alert_is_an_audited_read_showing_what_was_done(
    sign_in: SignIn, region: Region
) -> None:
    alert = helens_alert(region)
    person_summary_for(region.actor("outsider"), region.margaret.pk)  # read under break-glass
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    response = sign_in("privacy_officer").get(alert_url(alert))

    text = main_text(response)
    assert "Colin Firth opened Margaret Price's record" in text
    assert "Their role Care worker, Oakfield House" in text
    assert f"In their words {REASON}" in text
    rows = table_rows(response, "What they did under emergency access")
    assert any("Used emergency access (break-glass)" in row for row in rows)
    assert any("Opened the record" in row for row in rows)
    [event] = AuditEvent.objects.exclude(pk__in=before)
    assert (event.action, event.person, event.user) == (
        "privacy_alert.view",
        region.margaret,
        region.user("privacy_officer"),
    )


def test_reviewing_takes_the_alert_out_of_the_queue_and_into_the_reviewed_list(
    sign_in: SignIn, region: Region
) -> None:
    alert = helens_alert(region)
    client = sign_in("privacy_officer")

    response = client.post(
        alert_url(alert),
        {"outcome": "appropriate", "notes": "Spoke to Colin: she was found confused nearby."},
        follow=True,
    )

    text = main_text(response)
    assert "Your review of Colin Firth's emergency access to Margaret Price's record" in text
    assert "There is no emergency access waiting for review." in text
    alert.refresh_from_db()
    assert alert.review is not None and alert.review.outcome == "appropriate"
    reviewed = client.get(REVIEWED)
    [_, row] = table_rows(reviewed, "Reviewed emergency access")
    assert "Margaret Price" in row
    assert "Appropriate: the access was justified (Helen Park" in row
    detail = main_text(client.get(alert_url(alert)))
    assert "Spoke to Colin: she was found confused nearby." in detail
    assert "Record your review" not in detail


def test_a_review_with_a_problem_keeps_what_was_typed(sign_in: SignIn, region: Region) -> None:
    alert = helens_alert(region)

    response = sign_in("privacy_officer").post(alert_url(alert), {"notes": "Checking with Colin"})

    assert "Select an outcome" in main_text(response)
    assert form_value(response, "notes") == "Checking with Colin"
    alert.refresh_from_db()
    assert alert.review_id is None


@pytest.mark.parametrize("key", ["nurse", "outsider", "social_worker"])
def test_only_privacy_officers_see_the_queue(sign_in: SignIn, region: Region, key: str) -> None:
    alert = helens_alert(region)
    client = sign_in(key)
    for path in (QUEUE, REVIEWED, alert_url(alert), EXEMPTIONS):
        response = client.get(path)
        assert response.status_code == 403, path
        text = main_text(response)
        assert "Only privacy officers can see this page" in text
        assert "Margaret" not in text
    refused = client.post(alert_url(alert), {"outcome": "appropriate", "notes": "Fine"})
    assert refused.status_code == 403
    alert.refresh_from_db()
    assert alert.review_id is None


def test_an_alert_for_another_organisation_is_not_found(sign_in: SignIn, region: Region) -> None:
    started = break_glass(region.actor("outsider"), region.margaret.pk)
    elsewhere = PrivacyAlert.objects.filter(break_glass=started.access).exclude(
        organisation=region.role_profile("privacy_officer").organisation
    )[0]
    response = sign_in("privacy_officer").get(alert_url(elsewhere))
    assert response.status_code == 404
    assert "Margaret" not in main_text(response)


# -- disclosures kept from the access log -----------------------------------------------------


def exempt_disclosure(region: Region) -> Disclosure:
    """The nurse (Helen's trust) shared Margaret's safeguarding concern with the council and
    judged that telling her now would cause serious harm."""
    council = region.role_profile("social_worker").organisation
    return record_disclosure(
        actor=region.actor("nurse"),
        person=region.margaret,
        basis="safeguarding",
        reason="Signs of financial abuse by a visitor",
        what_was_shared="Concerns raised at the visit on Tuesday",
        categories=["safeguarding"],
        shared_with=council,
        serious_harm_exemption=True,
        exemption_reason="The visitor reads her post; telling her now puts her at risk",
        exemption_review_on=timezone.localdate() + timedelta(days=14),
    )


def test_helen_reviews_a_disclosure_exemption_and_ends_it(sign_in: SignIn, region: Region) -> None:
    disclosure = exempt_disclosure(region)
    client = sign_in("privacy_officer")

    listed = client.get(EXEMPTIONS)
    [_, row] = table_rows(listed, "Disclosures kept from access logs")
    assert "Margaret Price 999 000 1111" in row
    assert "Safeguarding" in row
    detail = client.get(f"/sharing/exemptions/{disclosure.pk}/")
    assert "The visitor reads her post" in main_text(detail)
    assert AuditEvent.objects.filter(
        action="disclosure.exemption.view", user=region.user("privacy_officer")
    ).exists()

    response = client.post(
        f"/sharing/exemptions/{disclosure.pk}/",
        {"notes": "The visitor is now barred; Margaret can be told."},
        follow=True,
    )

    assert "The exemption has ended." in main_text(response)
    assert "No disclosures are being kept from anyone's access log." in main_text(response)
    disclosure.refresh_from_db()
    assert disclosure.exemption_ended_at is not None


def test_ending_an_exemption_needs_notes(sign_in: SignIn, region: Region) -> None:
    disclosure = exempt_disclosure(region)
    response = sign_in("privacy_officer").post(
        f"/sharing/exemptions/{disclosure.pk}/", {"notes": "  "}
    )
    assert "Record what your review found" in main_text(response)
    disclosure.refresh_from_db()
    assert disclosure.exemption_ended_at is None
