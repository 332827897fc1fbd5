"""Peggy's sharing page: why the reader can see her record, the lawful basis for sharing for
direct care (not consent), her consents and objections with how she made them, disclosures
made without her consent, and which kinds of information reach the reader's organisation and
why. Recording and withdrawing her choices and recording a disclosure, with plain-English
errors that keep what was typed; roles that may not are told why; outsiders find nothing."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.utils import timezone

from joinedup.accounts.tests.test_sign_in import without_csrf_token
from joinedup.audit.models import AuditEvent, Outcome
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value, main_text, row_with
from joinedup.demo.sharing import HEALTH_AGREEMENT, PLACE_AGREEMENT, SAFEGUARDING_AGREEMENT
from joinedup.people.models import Person
from joinedup.sharing.models import CapacityAnswer, ChoiceKind, ExpressedHow
from joinedup.sharing.services import record_choice
from joinedup.sharing.tests.test_entries_and_choices import (
    LOW_MOOD,
    entries_section,
    object_to_her_gp_seeing_mental_health,
    today_in_words,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


def sharing_url(person: Person, page: str = "") -> str:
    return f"/people/{person.pk}/sharing/{page}"


def open_sharing(client: Client, region: Region) -> TestResponse:
    response = client.get(sharing_url(region.margaret))
    assert response.status_code == 200
    return response


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def objection_form(region: Region, **changes: str) -> dict[str, str]:
    """Peggy objects to her GP practice seeing mental health information, as she told Nadia."""
    return {
        "kind": ChoiceKind.OBJECTION,
        "category": "mental_health",
        "organisation": str(region.role_profile("gp").organisation.pk),
        "purpose": "direct_care",
        "expressed_how": ExpressedHow.SPOKEN,
        "in_their_words": "I'll tell Dr Shah about my moods myself.",
        "capacity": CapacityAnswer.ASSUMED,
    } | changes


def disclosure_form(region: Region, **changes: str) -> dict[str, str]:
    """Nadia shares Peggy's mental health information with the council to protect her."""
    today = timezone.localdate()
    return {
        "basis": "safeguarding",
        "reason": "Her low mood and the doorstep caller together put her at risk of financial abuse.",
        "what_was_shared": "The mental health entry and her PHQ-9 score.",
        "categories": "mental_health",
        "shared_with": str(region.role_profile("social_worker").organisation.pk),
        "person_told": "yes",
        "person_told_on_day": str(today.day),
        "person_told_on_month": str(today.month),
        "person_told_on_year": str(today.year),
    } | changes


# -- what the page says -----------------------------------------------------------------------


def test_the_page_says_why_the_gp_can_see_peggys_record(sign_in: SignIn, region: Region) -> None:
    text = main_text(open_sharing(sign_in("gp"), region))

    assert "What is shared about Peggy, and why" in text
    assert (
        "Why you can see this record Information: Allowed because you are in this person's "
        "care team." in text
    )


def test_the_lawful_basis_for_direct_care_comes_from_the_agreements_and_is_not_consent(
    sign_in: SignIn, region: Region
) -> None:
    text = main_text(open_sharing(sign_in("gp"), region))

    basis = text.split("The lawful basis for sharing for direct care", 1)[1]
    assert "The law that allows this is not consent" in basis
    assert "UK GDPR Article 6 Article 6(1)(e): public task" in basis
    assert "Article 9 (health and care information) Article 9(2)(h): health or social care" in basis
    assert "Common law duty of confidentiality Implied consent for direct care" in basis
    assert f"Set out in {SAFEGUARDING_AGREEMENT}; {HEALTH_AGREEMENT}; {PLACE_AGREEMENT}" in basis


def test_who_can_see_what_shows_sam_each_kind_of_information_and_why(
    sign_in: SignIn, region: Region
) -> None:
    response = open_sharing(sign_in("social_worker"), region)
    trust = region.role_profile("nurse").organisation.name
    council = region.role_profile("social_worker").organisation.name

    mental_health = row_with(response, trust, "Mental health (sensitive)")
    assert f"Reaches {council} No" in mental_health
    assert f"No sharing agreement in force between {trust} and {council} covers mental health" in (
        mental_health
    )
    general = row_with(response, trust, "General")
    assert f"Reaches {council} Yes" in general
    assert f"Shared under the agreement “{PLACE_AGREEMENT}”." in general
    assert f"{council} wrote these entries." in row_with(
        response, f"Written by {council}", "Safeguarding"
    )


def test_opening_the_sharing_page_is_audited_once(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")
    before = last_audit_id()

    open_sharing(client, region)

    [event] = AuditEvent.objects.filter(pk__gt=before)
    assert (event.action, event.person_id, event.outcome) == (
        "sharing.view",
        region.margaret.pk,
        Outcome.ALLOWED,
    )
    assert event.user == region.user("nurse")


def test_opening_the_record_page_with_its_entries_is_audited_once(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("gp")
    before = last_audit_id()

    assert LOW_MOOD in entries_section(client, region.margaret)

    events = list(AuditEvent.objects.filter(pk__gt=before))
    [event] = [event for event in events if event.person_id == region.margaret.pk]
    assert event.action == "person.view"
    # The GP may also open the practice's possible duplicate of Peggy: listing it is a read of
    # that other record, audited as such.
    assert {other.action for other in events if other is not event} <= {
        "person.possible_duplicate.view"
    }
    assert set(event.categories) == {
        "general",
        "mental_health",
        "safeguarding",
        "sexual_health",
        "social_care",
    }


# -- consents and objections ----------------------------------------------------------------------


def test_nadia_records_peggys_objection_and_the_page_lists_it_with_who_and_how(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")

    response = client.post(sharing_url(region.margaret, "choices/new/"), objection_form(region))

    assert response["Location"] == sharing_url(region.margaret)
    text = main_text(client.get(response["Location"]))
    assert (
        "Peggy's objection to sharing mental health information with Riverside Medical Practice "
        "for direct care has been recorded. It applies from now on." in text
    )
    card = text.split("Peggy's consents and objections", 1)[1].split("Shared without consent")[0]
    assert card.startswith(
        " Objection to sharing mental health information with Riverside Medical Practice for "
        "direct care In force"
    )
    for detail in (
        f"Recorded {today_in_words()}",
        "by Nadia Okafor, Community nurse, Calderbridge Community Health NHS Trust",
        "How they made this choice Said so in conversation",
        "In their own words I'll tell Dr Shah about my moods myself.",
        "Capacity for this decision Capacity assumed (no reason to doubt it)",
    ):
        assert detail in card, detail
    assert LOW_MOOD not in entries_section(sign_in("gp"), region.margaret)


def test_a_best_interests_decision_without_who_was_consulted_is_refused_keeping_what_was_typed(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("social_worker")
    form = objection_form(
        region,
        expressed_how=ExpressedHow.BEST_INTERESTS,
        capacity=CapacityAnswer.LACKS_CAPACITY,
        capacity_assessment="Assessed by Sam Whitaker on 3 March: could not retain it.",
        best_interests_decision="Keep mental health care within the NHS teams.",
        in_their_words="",
    )

    response = client.post(sharing_url(region.margaret, "choices/new/"), form)

    assert response.status_code == 200
    assert "<title>Error: " in response.content.decode()
    message = "For a best-interests decision, record the decision and who was consulted."
    assert main_text(response).count(message) == 2  # in the summary and beside the field
    for name in ("expressed_how", "capacity", "capacity_assessment", "best_interests_decision"):
        assert form_value(response, name) == form[name], name
    assert form_value(response, "organisation") == form["organisation"]
    assert not region.margaret.choices.exists()


def test_an_empty_choice_form_names_each_thing_to_answer(sign_in: SignIn, region: Region) -> None:
    response = sign_in("nurse").post(sharing_url(region.margaret, "choices/new/"), {})

    text = main_text(response)
    for message in (
        "Choose whether they consent or object",
        "Choose the information it covers",
        "Say how the person made this choice",
    ):
        assert text.count(message) == 2, message


def test_withdrawing_an_objection_from_the_sharing_page_applies_at_once(
    sign_in: SignIn, region: Region
) -> None:
    objection = object_to_her_gp_seeing_mental_health(region)
    client = sign_in("nurse")
    page = open_sharing(client, region).content.decode()
    assert f'action="/people/{region.margaret.pk}/sharing/choices/{objection.pk}/withdraw/"' in page

    response = client.post(
        sharing_url(region.margaret, f"choices/{objection.pk}/withdraw/"),
        {"reason": "Peggy has talked to Dr Shah and is happy for the surgery to know."},
    )

    assert response["Location"] == sharing_url(region.margaret)
    text = main_text(client.get(response["Location"]))
    assert "has been withdrawn. It no longer applies." in text
    assert "Withdrawn" in text
    assert (
        f"Withdrawn {today_in_words()}" in text
        and "by Nadia Okafor. Peggy has talked to Dr Shah and is happy for the surgery to know."
        in text
    )
    assert LOW_MOOD in entries_section(sign_in("gp"), region.margaret)


def test_withdrawing_without_a_reason_asks_for_one(sign_in: SignIn, region: Region) -> None:
    objection = object_to_her_gp_seeing_mental_health(region)

    response = sign_in("nurse").post(
        sharing_url(region.margaret, f"choices/{objection.pk}/withdraw/"), {"reason": "  "}
    )

    assert response.status_code == 200
    assert main_text(response).count("Say why it is being withdrawn") == 2
    objection.refresh_from_db()
    assert objection.in_force


# -- disclosures without consent -------------------------------------------------------------------


def test_nadia_records_a_disclosure_to_the_council_and_sam_then_sees_the_entry(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("nurse")

    response = client.post(
        sharing_url(region.margaret, "disclosures/new/"), disclosure_form(region)
    )

    assert response["Location"] == sharing_url(region.margaret)
    text = main_text(client.get(response["Location"]))
    council = region.role_profile("social_worker").organisation.name
    disclosure = text.split("Shared without consent", 1)[1].split("Who can see what")[0]
    for detail in (
        f"Shared with {council} on {today_in_words()}",
        "Basis Safeguarding",
        "Decided by Nadia Okafor, Community nurse, Calderbridge Community Health NHS Trust",
        "Why Her low mood and the doorstep caller together put her at risk of financial abuse.",
        "What was shared The mental health entry and her PHQ-9 score.",
        "Kinds of information Mental health",
        f"Peggy told Yes, on {today_in_words()}",
    ):
        assert detail in disclosure, detail
    assert LOW_MOOD in entries_section(sign_in("social_worker"), region.margaret)


def test_a_legal_duty_without_its_statute_is_refused_keeping_what_was_typed(
    sign_in: SignIn, region: Region
) -> None:
    form = disclosure_form(region, basis="legal_duty")

    response = sign_in("nurse").post(sharing_url(region.margaret, "disclosures/new/"), form)

    assert response.status_code == 200
    text = main_text(response)
    assert text.count("Name the statute or court order that requires it.") == 2
    assert form_value(response, "reason") == form["reason"]
    assert form_value(response, "what_was_shared") == form["what_was_shared"]
    assert form_value(response, "categories") == "mental_health"
    assert form_value(response, "shared_with") == form["shared_with"]
    assert form_value(response, "person_told_on_year") == form["person_told_on_year"]
    assert not region.margaret.disclosures.exists()


def test_not_telling_peggy_needs_a_reason(sign_in: SignIn, region: Region) -> None:
    form = disclosure_form(region, person_told="no")

    response = sign_in("nurse").post(sharing_url(region.margaret, "disclosures/new/"), form)

    assert (
        main_text(response).count(
            "Say why the person has not been told yet, and plan to tell them."
        )
        == 2
    )


# -- who may do what ------------------------------------------------------------------------------


def test_aisha_sees_the_sharing_page_but_may_not_record_choices_or_disclosures(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("voluntary")
    text = main_text(open_sharing(client, region))
    assert "Record a consent or objection" not in text
    assert "Record a disclosure without consent" not in text

    for page, words in (
        ("choices/new/", "record this person's consent or objections"),
        ("disclosures/new/", "record a disclosure without consent"),
    ):
        response = client.post(sharing_url(region.margaret, page), objection_form(region))
        assert response.status_code == 403, page
        assert words in main_text(response), page
    assert not region.margaret.choices.exists()
    assert not region.margaret.disclosures.exists()


def test_aisha_may_not_withdraw_peggys_objection(sign_in: SignIn, region: Region) -> None:
    objection = object_to_her_gp_seeing_mental_health(region)

    response = sign_in("voluntary").post(
        sharing_url(region.margaret, f"choices/{objection.pk}/withdraw/"),
        {"reason": "Sarah says Peggy has changed her mind."},
    )

    assert response.status_code == 403
    assert "record this person's consent or objections" in main_text(response)
    objection.refresh_from_db()
    assert objection.in_force


def test_tom_may_record_choices_but_not_disclosures(sign_in: SignIn, region: Region) -> None:
    text = main_text(open_sharing(sign_in("discharge"), region))

    assert "Record a consent or objection" in text
    assert "Record a disclosure without consent" not in text


@pytest.mark.parametrize(
    "page",
    [
        "",
        "choices/new/",
        "disclosures/new/",
        "choices/5f0c6a1e-3b7d-4c2a-9e8f-1a2b3c4d5e6f/withdraw/",
    ],
)
def test_the_outsider_gets_the_same_not_found_page_as_for_no_one(
    sign_in: SignIn, region: Region, page: str
) -> None:
    client = sign_in("outsider")

    margaret = client.get(sharing_url(region.margaret, page))
    no_one = client.get(f"/people/{uuid.uuid4()}/sharing/{page}")

    assert margaret.status_code == no_one.status_code == 404
    assert without_csrf_token(margaret.content) == without_csrf_token(no_one.content)
    assert "Margaret" not in margaret.content.decode()


def test_a_choice_of_someone_elses_cannot_be_withdrawn_through_peggys_page(
    sign_in: SignIn, region: Region
) -> None:
    arthurs = record_choice(
        actor=region.actor("social_worker"),
        person=region.arthur,
        kind=ChoiceKind.OBJECTION,
        expressed_how=ExpressedHow.SPOKEN,
    )

    response = sign_in("social_worker").post(
        sharing_url(region.margaret, f"choices/{arthurs.pk}/withdraw/"), {"reason": "Mistake"}
    )

    assert response.status_code == 404
    arthurs.refresh_from_db()
    assert arthurs.in_force
