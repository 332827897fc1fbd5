"""The sharing agreement pages as Helen Park, the community trust's privacy officer, works
them: her organisation's agreements by status with their review dates, one agreement's terms,
parties and history, drafting one with a partner, changing a draft while someone else does,
and signing, suspending, resuming, reviewing and ending. Her colleague the nurse reads the
same pages without the actions; the outsider's care home sees only its own agreements and
gets "not found" for the others."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.test import Client
from django.utils import timezone

from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value, main_text, row_with, table_rows
from joinedup.demo.sharing import HEALTH_AGREEMENT, PLACE_AGREEMENT, SAFEGUARDING_AGREEMENT
from joinedup.directory.models import Organisation
from joinedup.people.selectors import person_summary_for
from joinedup.sharing.models import (
    AgreementEvent,
    AgreementEventKind,
    AgreementStatus,
    SharingAgreement,
)
from joinedup.sharing.services import AgreementTerms, change_draft_agreement, draft_agreement

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

LIST_URL = "/sharing/agreements/"
NEW_URL = "/sharing/agreements/new/"
DISCHARGE = "Calderbridge hospital discharge agreement"
SUSPEND_WARNING = "Suspending stops sharing under this agreement straight away for every party"


def agreement_titled(title: str) -> SharingAgreement:
    return SharingAgreement.objects.get(title=title)


def url_of(title: str, action: str = "") -> str:
    return page_of(agreement_titled(title), action)


def page_of(agreement: SharingAgreement, action: str = "") -> str:
    return f"/sharing/agreements/{agreement.pk}/" + (f"{action}/" if action else "")


def in_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def date_parts(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def council(region: Region) -> Organisation:
    return region.role_profile("social_worker").organisation


def draft_form(region: Region, **changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    form: dict[str, Any] = {
        "action": "save",
        "title": DISCHARGE,
        "purpose": "direct_care",
        "purpose_description": "So that people leaving hospital get the right support at home.",
        "categories": ["general", "social_care"],
        "find": "",
        "partners": [str(council(region).pk)],
        "gdpr_article_6": "6(1)(e)",
        "gdpr_article_9": "9(2)(h)",
        "common_law_basis": "implied_consent",
        "rights_requests": "The organisation that wrote an item answers requests about it.",
        "security_terms": "Access only through joinedup with a second factor.",
        "retention_terms": "Each party keeps what it wrote under its own schedule.",
        **date_parts("starts_on", today),
        **date_parts("review_on", today + timedelta(days=365)),
        **date_parts("ends_on", today + timedelta(days=730)),
    }
    return form | changes


def discharge_terms(**changes: Any) -> AgreementTerms:
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "title": DISCHARGE,
        "purpose": "direct_care",
        "purpose_description": "So that people leaving hospital get support at home.",
        "categories": ["general"],
        "gdpr_article_6": "6(1)(e)",
        "gdpr_article_9": "9(2)(h)",
        "common_law_basis": "implied_consent",
        "rights_requests": "The organisation that wrote an item answers requests about it.",
        "security_terms": "Access only through joinedup with a second factor.",
        "retention_terms": "Each party keeps what it wrote under its own schedule.",
        "starts_on": today,
        "review_on": today + timedelta(days=365),
    }
    return AgreementTerms(**(fields | changes))


def drafted(region: Region) -> SharingAgreement:
    """Helen's draft with the council, made through the service."""
    return draft_agreement(
        actor=region.actor("privacy_officer"),
        terms=discharge_terms(),
        partners=[council(region)],
    )


def party_row(response: TestResponse, title: str, organisation: str) -> str:
    """The row for one organisation in the agreement's table of parties."""
    rows = [row for row in table_rows(response, f"Parties to {title}") if organisation in row]
    assert len(rows) == 1, rows
    return rows[0]


def follow(client: Client, response: TestResponse) -> TestResponse:
    assert response.status_code == 302, main_text(response)
    return client.get(response["Location"])


def voluntary_sees_care_act(region: Region) -> bool:
    summary = person_summary_for(region.actor("voluntary"), region.margaret.pk)
    return "Care Act assessment completed" in {entry.title for entry in summary.entries}


# -- the list ----------------------------------------------------------------------------------


def test_helen_sees_her_organisations_agreements_by_status_with_review_dates(
    sign_in: SignIn, region: Region
) -> None:
    review_on = agreement_titled(PLACE_AGREEMENT).review_on

    response = sign_in("privacy_officer").get(LIST_URL)

    text = main_text(response)
    assert "Calderbridge Community Health NHS Trust is a party to 3 agreements." in text
    assert "Draft a new agreement" in text
    rows = table_rows(response, "In force agreements")
    assert len(rows) == 4  # the heading row and three agreements
    place = row_with(response, PLACE_AGREEMENT)
    assert "In force" in place
    assert "General, Social care" in place
    assert in_words(review_on) in place
    assert "Review overdue" not in text


def test_a_passed_review_date_says_review_overdue(sign_in: SignIn, region: Region) -> None:
    last_week = timezone.localdate() - timedelta(days=7)
    SharingAgreement.objects.filter(title=HEALTH_AGREEMENT).update(review_on=last_week)

    response = sign_in("privacy_officer").get(LIST_URL)

    assert "Review overdue" in row_with(response, HEALTH_AGREEMENT)
    assert "Review overdue" not in row_with(response, PLACE_AGREEMENT)
    assert "1 is overdue for review." in main_text(response)
    detail = sign_in("privacy_officer").get(url_of(HEALTH_AGREEMENT))
    assert f"The review was due by {in_words(last_week)}." in main_text(detail)


def test_an_agreement_past_its_end_date_is_listed_as_expired(
    sign_in: SignIn, region: Region
) -> None:
    today = timezone.localdate()
    SharingAgreement.objects.filter(title=SAFEGUARDING_AGREEMENT).update(ends_on=today)

    response = sign_in("privacy_officer").get(LIST_URL)

    assert len(table_rows(response, "In force agreements")) == 3
    expired = table_rows(response, "Expired or ended agreements")
    assert len(expired) == 2
    assert SAFEGUARDING_AGREEMENT in expired[1]
    assert "Expired" in expired[1]
    detail = main_text(sign_in("privacy_officer").get(url_of(SAFEGUARDING_AGREEMENT)))
    assert f"Sharing under this agreement stopped on {in_words(today)}." in detail
    assert "Suspend sharing" not in detail  # nothing left to do to it


def test_the_nurse_reads_the_list_without_the_privacy_officers_actions(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("nurse").get(LIST_URL)

    text = main_text(response)
    assert len(table_rows(response, "In force agreements")) == 4
    assert "Draft a new agreement" not in text
    assert "Only your organisation's privacy officer can draft" in text


def test_the_outsiders_care_home_sees_only_its_own_agreement(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("outsider")

    response = client.get(LIST_URL)

    assert "Oakfield House is a party to 1 agreement." in main_text(response)
    assert [row for row in table_rows(response) if "Calderbridge" in row] == [
        row_with(response, PLACE_AGREEMENT)
    ]
    for title in (HEALTH_AGREEMENT, SAFEGUARDING_AGREEMENT):
        for action in ("", "suspend"):
            refused = client.get(url_of(title, action))
            assert refused.status_code == 404
            assert "You can only open the sharing agreements your organisation is a party to" in (
                main_text(refused)
            )


def test_an_agreement_that_does_not_exist_is_not_found(sign_in: SignIn) -> None:
    response = sign_in("privacy_officer").get(
        "/sharing/agreements/00000000-0000-0000-0000-000000000000/"
    )

    assert response.status_code == 404


# -- one agreement -----------------------------------------------------------------------------


def test_the_detail_page_shows_the_terms_bases_parties_and_history(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("nurse").get(url_of(PLACE_AGREEMENT))

    text = main_text(response)
    for shown in (
        "In force",
        "Purpose Direct care",
        "What the sharing is for Sharing what each partner records",
        "Kinds of information shared General, Social care",
        "UK GDPR Article 6 basis Article 6(1)(e): public task",
        "UK GDPR Article 9 condition Article 9(2)(h): health or social care",
        "Common-law basis Implied consent for direct care",
        "Consent is not the lawful basis for sharing for direct care.",
        "Rights requests The organisation that wrote an item answers requests",
        "Security Access only through joinedup",
        "Retention Each party keeps what it wrote",
        "Expires No expiry date: runs until it is ended",
        f"Review by {in_words(agreement_titled(PLACE_AGREEMENT).review_on)}",
    ):
        assert shown in text, shown
    party = row_with(response, "Riverside Medical Practice")
    assert "Caldicott guardian, Riverside Medical Practice" in party
    event = row_with(response, "Signed by every party when the region was generated.")
    assert "What happened In force" in event
    # The nurse reads it; only the privacy officer acts.
    assert "Suspend sharing" not in text
    assert "Only your organisation's privacy officer can sign, suspend" in text


def test_helen_sees_what_she_can_do_to_an_agreement_in_force(
    sign_in: SignIn, region: Region
) -> None:
    text = main_text(sign_in("privacy_officer").get(url_of(PLACE_AGREEMENT)))

    for action in ("Record a review", "Suspend sharing", "End the agreement"):
        assert action in text
    assert "Resume sharing" not in text


# -- drafting ----------------------------------------------------------------------------------


def test_helen_drafts_an_agreement_with_the_council(sign_in: SignIn, region: Region) -> None:
    client = sign_in("privacy_officer")

    page = follow(client, client.post(NEW_URL, draft_form(region)))

    text = main_text(page)
    assert "The draft is saved. Nothing is shared under it until every party has signed." in text
    assert DISCHARGE in text
    assert "Draft" in text
    assert "Nothing is shared until every party has signed." in text
    for party in ("Calderbridge Community Health NHS Trust", "Calderbridge City Council"):
        assert "Waiting for signature" in party_row(page, DISCHARGE, party)
    assert "Sign for Calderbridge Community Health NHS Trust" in text
    assert "Change the draft" in text
    agreement = agreement_titled(DISCHARGE)
    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.parties.count() == 2


def test_the_draft_page_lists_partners_by_type_and_starts_from_direct_care_bases(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("privacy_officer").get(NEW_URL)

    text = main_text(response)
    assert "NHS trust" in text
    assert "GP practice" in text
    assert "Riverside Medical Practice" in text
    assert form_value(response, "purpose") == "direct_care"
    assert form_value(response, "gdpr_article_6") == "6(1)(e)"
    assert form_value(response, "common_law_basis") == "implied_consent"
    own = str(region.role_profile("privacy_officer").organisation.pk)
    assert f'value="{own}"' not in response.content.decode()  # already a party


def test_filtering_partners_keeps_everything_typed_and_every_choice(
    sign_in: SignIn, region: Region
) -> None:
    typed = draft_form(region, action="filter", find="riverside")

    response = sign_in("privacy_officer").post(NEW_URL, typed)

    text = main_text(response)
    assert "There is a problem" not in text  # filtering is not saving
    assert "Riverside Medical Practice" in text
    assert "Hollybank Care Home" not in text
    assert "Calderbridge City Council Adult Social Care" in text  # chosen, so kept
    assert form_value(response, "partners") == str(council(region).pk)
    assert form_value(response, "title") == typed["title"]
    assert form_value(response, "find") == "riverside"
    assert form_value(response, "ends_on_year") == typed["ends_on_year"]
    page = response.content.decode()
    assert 'value="social_care" checked' in page


def test_a_filter_that_matches_nothing_says_so(sign_in: SignIn, region: Region) -> None:
    response = sign_in("privacy_officer").post(
        NEW_URL, draft_form(region, action="filter", find="Zzyzx", partners=[])
    )

    assert "No organisations match that name." in main_text(response)


def test_an_empty_draft_names_each_problem(sign_in: SignIn, region: Region) -> None:
    response = sign_in("privacy_officer").post(NEW_URL, {"action": "save", "title": "Discharge"})

    text = main_text(response)
    assert response.status_code == 200
    assert "<title>Error: " in response.content.decode()
    for message in (
        "Say what the sharing is for",
        "Choose at least one kind of information",
        "Choose at least one partner organisation",
        "Say how rights requests are handled",
        "Enter the start date",
        "Enter the date to review it by",
    ):
        assert message in text, message
    assert form_value(response, "title") == "Discharge"
    assert not SharingAgreement.objects.filter(title="Discharge").exists()


def test_implied_consent_for_research_is_refused_against_its_field_keeping_the_text(
    sign_in: SignIn, region: Region
) -> None:
    typed = draft_form(region, purpose="research", title="Falls research")

    response = sign_in("privacy_officer").post(NEW_URL, typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="#id_common_law_basis"' in page  # the summary links to the field
    assert "Implied consent covers direct care only." in main_text(response)
    assert form_value(response, "title") == "Falls research"
    assert form_value(response, "purpose") == "research"
    assert form_value(response, "purpose_description") == typed["purpose_description"]
    assert form_value(response, "partners") == str(council(region).pk)
    assert not SharingAgreement.objects.filter(title="Falls research").exists()


def test_the_nurse_cannot_draft_an_agreement(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")

    page = client.get(NEW_URL)
    posted = client.post(NEW_URL, draft_form(region))

    assert page.status_code == posted.status_code == 403
    assert "Only your organisation's privacy officer can draft" in main_text(page)
    assert not SharingAgreement.objects.filter(title=draft_form(region)["title"]).exists()


# -- changing a draft --------------------------------------------------------------------------


def test_changing_a_draft_clears_signatures(sign_in: SignIn, region: Region) -> None:
    agreement = drafted(region)
    client = sign_in("privacy_officer")
    follow(
        client,
        client.post(page_of(agreement, "sign"), {"signatory_role": "Caldicott guardian"}),
    )
    opened = client.get(page_of(agreement, "change"))
    assert "Saving a change clears every signature already given" in main_text(opened)
    assert form_value(opened, "title") == agreement.title

    changed = draft_form(
        region,
        title="Discharge to assess agreement",
        lock_version=form_value(opened, "lock_version"),
    )
    page = follow(client, client.post(page_of(agreement, "change"), changed))

    text = main_text(page)
    assert "Any signatures given before are cleared" in text
    assert "Discharge to assess agreement" in text
    assert "Waiting for signature" in party_row(
        page, "Discharge to assess agreement", "Calderbridge Community Health NHS Trust"
    )


def test_a_draft_changed_by_someone_else_meanwhile_shows_both_versions(
    sign_in: SignIn, region: Region
) -> None:
    agreement = drafted(region)
    client = sign_in("privacy_officer")
    opened = client.get(page_of(agreement, "change"))
    theirs = discharge_terms(title="Discharge agreement as the council wants it")
    change_draft_agreement(
        actor=region.actor("privacy_officer"),
        agreement=agreement,
        terms=theirs,
        lock_version=agreement.lock_version,
    )

    mine = draft_form(
        region,
        title="Discharge agreement as I want it",
        lock_version=form_value(opened, "lock_version"),
    )
    response = client.post(page_of(agreement, "change"), mine)

    text = main_text(response)
    assert response.status_code == 200
    assert "Someone else changed this draft while you were editing it." in text
    assert form_value(response, "title") == "Discharge agreement as I want it"
    assert "The version saved while you were editing" in text
    assert "Discharge agreement as the council wants it" in text
    assert form_value(response, "lock_version") == str(agreement.lock_version + 1)
    # Saving again, having seen both, goes through.
    again = client.post(
        page_of(agreement, "change"),
        mine | {"lock_version": form_value(response, "lock_version")},
    )
    assert again.status_code == 302
    assert (
        agreement_titled("Discharge agreement as I want it").lock_version
        == agreement.lock_version + 2
    )


def test_an_agreement_in_force_cannot_be_changed_as_a_draft(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("privacy_officer").get(url_of(PLACE_AGREEMENT, "change"))

    assert response.status_code == 403
    assert "This agreement is no longer a draft" in main_text(response)


# -- signing, suspending, resuming, reviewing, ending ------------------------------------------


def test_helen_signs_for_her_organisation(sign_in: SignIn, region: Region) -> None:
    agreement = drafted(region)
    client = sign_in("privacy_officer")
    sign_url = page_of(agreement, "sign")
    page = client.get(sign_url)
    assert "You are signing for Calderbridge Community Health NHS Trust." in main_text(page)
    assert "Waiting for 2 of 2 parties to sign." in main_text(page)

    blank = client.post(sign_url, {"signatory_role": "  "})
    assert "Say in what role you sign" in main_text(blank)

    detail = follow(client, client.post(sign_url, {"signatory_role": "Caldicott guardian"}))

    text = main_text(detail)
    assert "You have signed. The agreement comes into force when every party has signed." in text
    ours = party_row(detail, DISCHARGE, "Calderbridge Community Health NHS Trust")
    assert "Helen Park" in ours
    assert "Caldicott guardian" in ours
    assert in_words(timezone.localdate()) in ours
    assert "Waiting for signature" in party_row(detail, DISCHARGE, "Calderbridge City Council")
    assert "Sign for" not in text  # signed already


def test_suspending_asks_for_confirmation_then_stops_sharing(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("privacy_officer")
    suspend_url = url_of(PLACE_AGREEMENT, "suspend")
    assert SUSPEND_WARNING in main_text(client.get(suspend_url))

    unconfirmed = client.post(suspend_url, {"reason": "Security incident at a party"})
    assert "Confirm that sharing stops straight away" in main_text(unconfirmed)
    assert form_value(unconfirmed, "reason") == "Security incident at a party"
    assert agreement_titled(PLACE_AGREEMENT).status == AgreementStatus.ACTIVE
    assert voluntary_sees_care_act(region)

    detail = follow(
        client,
        client.post(suspend_url, {"reason": "Security incident at a party", "confirm": "yes"}),
    )

    text = main_text(detail)
    assert "The agreement is suspended. Sharing under it has stopped for every party." in text
    assert "Suspended" in text
    assert "Reason: Security incident at a party" in text
    assert "Resume sharing" in text
    assert not voluntary_sees_care_act(region)


def test_resuming_brings_sharing_back(sign_in: SignIn, region: Region) -> None:
    client = sign_in("privacy_officer")
    client.post(url_of(PLACE_AGREEMENT, "suspend"), {"reason": "Incident", "confirm": "yes"})

    detail = follow(
        client, client.post(url_of(PLACE_AGREEMENT, "resume"), {"reason": "Incident closed"})
    )

    assert "The agreement is in force again." in main_text(detail)
    assert voluntary_sees_care_act(region)
    assert "Resumed" in row_with(detail, "Incident closed")


def test_a_review_adding_mental_health_says_it_takes_effect_at_once(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("privacy_officer")
    review_url = url_of(PLACE_AGREEMENT, "review")
    page = client.get(review_url)
    assert "Changes to what is shared take effect at once" in main_text(page)
    assert 'value="social_care" checked' in page.content.decode()
    next_review = timezone.localdate() + timedelta(days=180)

    detail = follow(
        client,
        client.post(
            review_url,
            {
                "notes": "Social workers need mental health information.",
                "categories": ["general", "social_care", "mental_health"],
                **date_parts("next_review_on", next_review),
            },
        ),
    )

    assert f"The review is recorded. Next review by {in_words(next_review)}." in main_text(detail)
    assert "General, Mental health, Social care" in main_text(detail)
    summary = person_summary_for(region.actor("social_worker"), region.margaret.pk)
    assert "Low mood since her fall" in {entry.title for entry in summary.entries}


def test_a_review_dated_in_the_past_keeps_what_was_typed(sign_in: SignIn, region: Region) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)

    response = sign_in("privacy_officer").post(
        url_of(PLACE_AGREEMENT, "review"),
        {
            "notes": "Still fits.",
            "categories": ["general"],
            **date_parts("next_review_on", yesterday),
        },
    )

    assert "The next review must be in the future" in main_text(response)
    assert form_value(response, "notes") == "Still fits."
    assert form_value(response, "categories") == "general"
    assert agreement_titled(PLACE_AGREEMENT).categories.count() == 2


def test_ending_an_agreement_makes_it_expired(sign_in: SignIn, region: Region) -> None:
    client = sign_in("privacy_officer")
    end_url = url_of(PLACE_AGREEMENT, "end")
    assert "Ending stops sharing under this agreement straight away for every party" in main_text(
        client.get(end_url)
    )

    detail = follow(client, client.post(end_url, {"reason": "Replaced", "confirm": "yes"}))

    text = main_text(detail)
    assert "The agreement has ended." in text
    assert "Expired" in text
    assert f"Sharing under this agreement stopped on {in_words(timezone.localdate())}." in text
    assert "Ended" in row_with(detail, "Replaced")
    assert not voluntary_sees_care_act(region)


def test_the_nurse_cannot_suspend_an_agreement(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")
    suspend_url = url_of(PLACE_AGREEMENT, "suspend")

    page = client.get(suspend_url)
    posted = client.post(suspend_url, {"reason": "Worried", "confirm": "yes"})

    assert page.status_code == posted.status_code == 403
    assert "Only your organisation's privacy officer" in main_text(posted)
    assert agreement_titled(PLACE_AGREEMENT).status == AgreementStatus.ACTIVE
    assert not AgreementEvent.objects.filter(kind=AgreementEventKind.SUSPENDED).exists()


def test_a_broken_rule_with_no_field_shows_at_the_top_and_keeps_the_reason(
    sign_in: SignIn, region: Region
) -> None:
    response = sign_in("privacy_officer").post(
        url_of(PLACE_AGREEMENT, "resume"), {"reason": "Nothing was wrong"}
    )

    assert response.status_code == 200
    assert (
        "There is a problem Only a suspended agreement that has not reached its end date can be resumed."
        in main_text(response)
    )
    assert form_value(response, "reason") == "Nothing was wrong"


def test_ending_an_agreement_of_another_organisations_is_not_found(
    sign_in: SignIn, region: Region
) -> None:
    # Oakfield House is not a party: the agreement does not exist for its staff, whatever role.
    response = sign_in("outsider").post(
        url_of(HEALTH_AGREEMENT, "end"), {"reason": "Not ours", "confirm": "yes"}
    )

    assert response.status_code == 404
    assert agreement_titled(HEALTH_AGREEMENT).status == AgreementStatus.ACTIVE
