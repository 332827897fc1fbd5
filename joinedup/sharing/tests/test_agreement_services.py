"""Sharing agreements as the privacy officer works them: drafted with a partner, signed by
both into force, changed as a draft (which clears signatures), suspended and resumed, reviewed
to add a kind of information, and ended. Each change takes effect on the next request (shown
with Margaret's entries as other organisations see them) and writes one history row and one
audit event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.accounts.roles import JobRole
from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotAllowed, NotFound
from joinedup.demo.sharing import HEALTH_AGREEMENT, PLACE_AGREEMENT
from joinedup.directory.models import Organisation
from joinedup.people.selectors import person_summary_for
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import (
    AgreementEvent,
    AgreementEventKind,
    AgreementStatus,
    CommonLawBasis,
    GdprArticle6,
    GdprArticle9,
    Purpose,
    SharingAgreement,
)
from joinedup.sharing.selectors import agreement_for, agreements_for
from joinedup.sharing.services import (
    AgreementTerms,
    change_draft_agreement,
    draft_agreement,
    end_agreement,
    resume_agreement,
    review_agreement,
    sign_agreement,
    suspend_agreement,
)

CARE_ACT = "Care Act assessment completed"
LOW_MOOD = "Low mood since her fall"


def terms(**changes: Any) -> AgreementTerms:
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "title": "Calderbridge hospital discharge agreement",
        "purpose": Purpose.DIRECT_CARE,
        "purpose_description": "So that people leaving hospital get the right support at home.",
        "categories": ["general", "social_care"],
        "gdpr_article_6": GdprArticle6.PUBLIC_TASK,
        "gdpr_article_9": GdprArticle9.HEALTH_OR_SOCIAL_CARE,
        "common_law_basis": CommonLawBasis.IMPLIED_CONSENT,
        "rights_requests": "The organisation that wrote an item answers requests about it.",
        "security_terms": "Access only through joinedup with a second factor.",
        "retention_terms": "Each party keeps what it wrote under its own schedule.",
        "starts_on": today,
        "review_on": today + timedelta(days=365),
        "ends_on": None,
    }
    return AgreementTerms(**(fields | changes))


def helen(region: Region) -> Actor:
    return region.actor("privacy_officer")


def council(region: Region) -> Organisation:
    return region.role_profile("social_worker").organisation


def council_privacy_officer(region: Region) -> Actor:
    """The council's privacy officer for this test: Sam Whitaker given a second role profile
    (rolled back with the test)."""
    profile = RoleProfile.objects.create(
        practitioner=region.role_profile("social_worker").practitioner,
        organisation=council(region),
        job_role=JobRole.PRIVACY_OFFICER,
    )
    return Actor.staff(region.user("social_worker"), profile)


def agreement_titled(title: str) -> SharingAgreement:
    return SharingAgreement.objects.get(title=title)


def titles_seen(region: Region, persona: str) -> set[str]:
    summary = person_summary_for(region.actor(persona), region.margaret.pk)
    return {entry.title for entry in summary.entries}


def history(agreement: SharingAgreement) -> list[str]:
    return [event.kind for event in AgreementEvent.objects.filter(agreement=agreement)]


def audit_actions(agreement: SharingAgreement) -> list[str]:
    events = AuditEvent.objects.filter(target_type="SharingAgreement", target_id=str(agreement.pk))
    return list(events.order_by("id").values_list("action", flat=True))


def drafted(region: Region) -> SharingAgreement:
    return draft_agreement(actor=helen(region), terms=terms(), partners=[council(region)])


# -- drafting and signing ----------------------------------------------------------------------


def test_helen_drafts_an_agreement_with_the_council(region: Region) -> None:
    agreement = drafted(region)

    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.effective_status() == AgreementStatus.DRAFT
    parties = {party.organisation.name: party for party in agreement.parties.all()}
    assert set(parties) == {
        "Calderbridge Community Health NHS Trust",
        "Calderbridge City Council Adult Social Care",
    }
    assert all(party.signed_at is None for party in parties.values())
    assert {category.pk for category in agreement.categories.all()} == {"general", "social_care"}
    assert agreement.created_by == region.user("privacy_officer")
    assert history(agreement) == [AgreementEventKind.DRAFTED]
    assert audit_actions(agreement) == ["agreement.drafted"]
    # Both parties' staff now see it among their organisation's agreements.
    assert agreement in agreements_for(region.actor("social_worker"))
    assert agreement in agreements_for(region.actor("nurse"))


def test_signing_by_both_parties_brings_it_into_force(region: Region) -> None:
    agreement = drafted(region)

    first = sign_agreement(
        actor=helen(region), agreement=agreement, signatory_role="Caldicott guardian"
    )

    assert first.status == AgreementStatus.DRAFT
    assert history(agreement)[-1:] == [AgreementEventKind.SIGNED]
    ours = first.parties.get(organisation=region.role_profile("nurse").organisation)
    assert ours.signatory_name == "Helen Park"
    assert ours.signatory_role == "Caldicott guardian"
    assert ours.signed_by == region.user("privacy_officer")

    second = sign_agreement(
        actor=council_privacy_officer(region),
        agreement=agreement,
        signatory_role="Senior information risk owner",
    )

    assert second.status == AgreementStatus.ACTIVE
    assert second.effective_status() == AgreementStatus.ACTIVE
    assert not second.parties.filter(signed_at__isnull=True).exists()
    assert history(agreement) == [
        AgreementEventKind.DRAFTED,
        AgreementEventKind.SIGNED,
        AgreementEventKind.SIGNED,
        AgreementEventKind.ACTIVATED,
    ]
    assert audit_actions(agreement) == [
        "agreement.drafted",
        "agreement.signed",
        "agreement.signed",
        "agreement.activated",
    ]


def test_a_party_cannot_sign_twice(region: Region) -> None:
    agreement = drafted(region)
    sign_agreement(actor=helen(region), agreement=agreement, signatory_role="Caldicott guardian")

    with pytest.raises(DomainRuleBroken, match="already signed"):
        sign_agreement(actor=helen(region), agreement=agreement, signatory_role="Again")


def test_changing_a_draft_clears_the_signatures_given(region: Region) -> None:
    agreement = drafted(region)
    sign_agreement(actor=helen(region), agreement=agreement, signatory_role="Caldicott guardian")

    changed = change_draft_agreement(
        actor=helen(region),
        agreement=agreement,
        terms=terms(categories=["general"]),
        lock_version=agreement.lock_version,
    )

    assert changed.lock_version == agreement.lock_version + 1
    assert not changed.parties.filter(signed_at__isnull=False).exists()
    assert not changed.parties.exclude(signatory_role="").exists()
    assert {category.pk for category in changed.categories.all()} == {"general"}
    event = AgreementEvent.objects.filter(agreement=agreement).last()
    assert event is not None
    assert (event.kind, event.details) == (AgreementEventKind.CHANGED, "Signatures cleared.")


def test_a_change_from_an_old_version_is_a_conflict_not_an_overwrite(region: Region) -> None:
    agreement = drafted(region)
    opened_at = agreement.lock_version
    change_draft_agreement(
        actor=helen(region),
        agreement=agreement,
        terms=terms(title="Discharge agreement (first change)"),
        lock_version=opened_at,
    )

    with pytest.raises(EditConflict):
        change_draft_agreement(
            actor=helen(region),
            agreement=agreement,
            terms=terms(title="Discharge agreement (second change)"),
            lock_version=opened_at,
        )

    assert agreement_titled("Discharge agreement (first change)").lock_version == opened_at + 1


def test_implied_consent_is_refused_for_a_research_purpose(region: Region) -> None:
    with pytest.raises(DomainRuleBroken) as refused:
        draft_agreement(
            actor=helen(region),
            terms=terms(purpose=Purpose.RESEARCH),
            partners=[council(region)],
        )

    assert refused.value.field == "common_law_basis"
    assert "Implied consent covers direct care only" in refused.value.message
    assert not SharingAgreement.objects.filter(title=terms().title).exists()


def test_consent_is_never_the_lawful_basis_for_direct_care(region: Region) -> None:
    with pytest.raises(DomainRuleBroken) as refused:
        draft_agreement(
            actor=helen(region),
            terms=terms(gdpr_article_6=GdprArticle6.CONSENT),
            partners=[council(region)],
        )

    assert refused.value.field == "gdpr_article_6"
    assert "Consent is not the lawful basis for direct care" in refused.value.message


def test_an_agreement_past_its_end_date_cannot_be_ended_again_or_resumed(region: Region) -> None:
    place = agreement_titled(PLACE_AGREEMENT)
    suspend_agreement(actor=helen(region), agreement=place, reason="Security incident")
    SharingAgreement.objects.filter(pk=place.pk).update(ends_on=timezone.localdate())
    place.refresh_from_db()

    assert place.effective_status() == AgreementStatus.EXPIRED
    with pytest.raises(DomainRuleBroken):
        resume_agreement(actor=helen(region), agreement=place, reason="Fixed")
    with pytest.raises(DomainRuleBroken):
        end_agreement(actor=helen(region), agreement=place, reason="Again")


# -- changes that take effect on the next request ----------------------------------------------


def test_suspending_stops_sharing_at_once_and_resuming_brings_it_back(region: Region) -> None:
    place = agreement_titled(PLACE_AGREEMENT)
    assert CARE_ACT in titles_seen(region, "voluntary")

    suspend_agreement(actor=helen(region), agreement=place, reason="Security incident at a party")

    assert CARE_ACT not in titles_seen(region, "voluntary")
    suspended = agreement_titled(PLACE_AGREEMENT)
    assert suspended.effective_status() == AgreementStatus.SUSPENDED
    assert suspended.status_reason == "Security incident at a party"

    resume_agreement(actor=helen(region), agreement=place, reason="Incident closed")

    assert CARE_ACT in titles_seen(region, "voluntary")
    assert agreement_titled(PLACE_AGREEMENT).effective_status() == AgreementStatus.ACTIVE
    assert history(place)[-2:] == [AgreementEventKind.SUSPENDED, AgreementEventKind.RESUMED]


def test_ending_an_agreement_makes_it_expired_and_stops_sharing(region: Region) -> None:
    place = agreement_titled(PLACE_AGREEMENT)

    ended = end_agreement(actor=helen(region), agreement=place, reason="Replaced by a new one")

    assert ended.status == AgreementStatus.EXPIRED
    assert ended.ends_on == timezone.localdate()
    assert ended.effective_status() == AgreementStatus.EXPIRED
    assert CARE_ACT not in titles_seen(region, "voluntary")
    with pytest.raises(DomainRuleBroken):
        resume_agreement(actor=helen(region), agreement=place, reason="Changed our minds")


def test_an_agreement_whose_end_date_arrives_is_expired_and_stops(region: Region) -> None:
    SharingAgreement.objects.filter(title=PLACE_AGREEMENT).update(ends_on=timezone.localdate())

    place = agreement_titled(PLACE_AGREEMENT)

    assert place.status == AgreementStatus.ACTIVE  # as stored: no job had to run
    assert place.effective_status() == AgreementStatus.EXPIRED
    assert CARE_ACT not in titles_seen(region, "voluntary")


def test_a_review_adding_mental_health_lets_low_mood_reach_the_social_worker(
    region: Region,
) -> None:
    place = agreement_titled(PLACE_AGREEMENT)
    assert LOW_MOOD not in titles_seen(region, "social_worker")
    next_review = timezone.localdate() + timedelta(days=180)

    reviewed = review_agreement(
        actor=helen(region),
        agreement=place,
        notes="Partners agree the council's social workers need mental health information.",
        next_review_on=next_review,
        categories=["general", "social_care", "mental_health"],
    )

    assert LOW_MOOD in titles_seen(region, "social_worker")
    assert reviewed.review_on == next_review
    event = AgreementEvent.objects.filter(agreement=place).last()
    assert event is not None
    assert event.kind == AgreementEventKind.REVIEWED
    assert "Categories added: mental_health; removed: none." in event.details


def test_a_review_removing_social_care_stops_it_at_once(region: Region) -> None:
    place = agreement_titled(PLACE_AGREEMENT)

    review_agreement(
        actor=helen(region),
        agreement=place,
        notes="Social care to be shared under its own agreement.",
        next_review_on=timezone.localdate() + timedelta(days=90),
        categories=["general"],
    )

    assert CARE_ACT not in titles_seen(region, "voluntary")


# -- who may act -------------------------------------------------------------------------------


def test_a_nurse_may_read_her_organisations_agreements_but_not_change_them(
    region: Region,
) -> None:
    nurse = region.actor("nurse")
    place = agreement_for(nurse, agreement_titled(PLACE_AGREEMENT).pk)

    with pytest.raises(NotAllowed, match="privacy officer"):
        suspend_agreement(actor=nurse, agreement=place, reason="Worried")
    with pytest.raises(NotAllowed):
        draft_agreement(actor=nurse, terms=terms(), partners=[council(region)])

    assert agreement_titled(PLACE_AGREEMENT).status == AgreementStatus.ACTIVE


def test_the_outsiders_organisation_sees_only_its_own_agreements(region: Region) -> None:
    outsider = region.actor("outsider")

    assert [agreement.title for agreement in agreements_for(outsider)] == [PLACE_AGREEMENT]
    with pytest.raises(NotFound):
        agreement_for(outsider, agreement_titled(HEALTH_AGREEMENT).pk)


def test_a_privacy_officer_of_an_organisation_not_party_finds_nothing_to_act_on(
    region: Region,
) -> None:
    health = agreement_titled(HEALTH_AGREEMENT)  # the council is not a party

    with pytest.raises(NotFound):
        suspend_agreement(
            actor=council_privacy_officer(region), agreement=health, reason="Not ours"
        )

    assert agreement_titled(HEALTH_AGREEMENT).status == AgreementStatus.ACTIVE


# -- one history row and one audit event for each change ---------------------------------------


def _review(actor: Actor, agreement: SharingAgreement) -> SharingAgreement:
    return review_agreement(
        actor=actor,
        agreement=agreement,
        notes="Still fits.",
        next_review_on=timezone.localdate() + timedelta(days=30),
    )


def _change(actor: Actor, agreement: SharingAgreement) -> SharingAgreement:
    return change_draft_agreement(
        actor=actor, agreement=agreement, terms=terms(), lock_version=agreement.lock_version
    )


def _sign(actor: Actor, agreement: SharingAgreement) -> SharingAgreement:
    return sign_agreement(actor=actor, agreement=agreement, signatory_role="Caldicott guardian")


def _suspend(actor: Actor, agreement: SharingAgreement) -> SharingAgreement:
    return suspend_agreement(actor=actor, agreement=agreement, reason="Incident")


def _resume(actor: Actor, agreement: SharingAgreement) -> SharingAgreement:
    return resume_agreement(actor=actor, agreement=agreement, reason="Put right")


def _end(actor: Actor, agreement: SharingAgreement) -> SharingAgreement:
    return end_agreement(actor=actor, agreement=agreement, reason="No longer needed")


Change = Callable[[Actor, SharingAgreement], SharingAgreement]


@pytest.mark.parametrize(
    ("before", "change", "kind"),
    [
        (None, _change, AgreementEventKind.CHANGED),
        (None, _sign, AgreementEventKind.SIGNED),
        (None, _suspend, AgreementEventKind.SUSPENDED),
        (_suspend, _resume, AgreementEventKind.RESUMED),
        (None, _review, AgreementEventKind.REVIEWED),
        (None, _end, AgreementEventKind.ENDED),
    ],
    ids=["change", "sign", "suspend", "resume", "review", "end"],
)
def test_each_change_writes_one_history_row_and_one_audit_event(
    region: Region, before: Change | None, change: Change, kind: str
) -> None:
    on_draft = change in (_change, _sign)
    agreement = drafted(region) if on_draft else agreement_titled(PLACE_AGREEMENT)
    if before is not None:
        before(helen(region), agreement)
    rows_before = AgreementEvent.objects.filter(agreement=agreement).count()
    audits_before = len(audit_actions(agreement))

    change(helen(region), agreement)

    rows = list(AgreementEvent.objects.filter(agreement=agreement))[rows_before:]
    assert [row.kind for row in rows] == [kind]
    assert rows[0].by == region.user("privacy_officer")
    assert rows[0].organisation == region.role_profile("privacy_officer").organisation
    assert audit_actions(agreement)[audits_before:] == [f"agreement.{kind}"]
    audit = AuditEvent.objects.filter(target_id=str(agreement.pk)).order_by("id").last()
    assert audit is not None
    assert audit.user == region.user("privacy_officer")
    assert audit.person_id is None  # organisation-level governance: no one's record
