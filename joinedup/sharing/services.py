"""Changing what is shared: the person's consents and objections, disclosures without consent,
break-glass access and its review, and sharing agreements between organisations.

Every function takes `actor=`, checks the access policy, changes data in one transaction and
audits what it did."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.accounts.roles import JobRole
from joinedup.accounts.services import verify_second_factor
from joinedup.audit.services import record_event
from joinedup.careteams.models import CareTeamMember, in_force_on
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.directory.models import Organisation
from joinedup.people.models import (
    LastingPowerOfAttorney,
    LpaStatus,
    LpaType,
    LpaVerification,
    Person,
)
from joinedup.records.models import RecordEntry
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import (
    AgreementEvent,
    AgreementEventKind,
    AgreementParty,
    AgreementStatus,
    BreakGlass,
    BreakGlassReason,
    BreakGlassReview,
    CapacityAnswer,
    ChoiceKind,
    ConsentDecision,
    Disclosure,
    DisclosureBasis,
    ExpressedHow,
    GdprArticle6,
    InformationCategory,
    PrivacyAlert,
    Purpose,
    ReviewOutcome,
    SharingAgreement,
)
from joinedup.sharing.policy import Action, Basis, may_break_glass, may_govern_information, require

logger = logging.getLogger(__name__)

# --- The person's consents and objections ----------------------------------------------------


def _category(code: str | None) -> InformationCategory | None:
    if not code:
        return None
    category = InformationCategory.objects.filter(pk=code).first()
    if category is None:
        raise DomainRuleBroken("Choose an information category from the list.", field="category")
    return category


def _registered_welfare_lpa(person: Person) -> bool:
    return (
        LastingPowerOfAttorney.objects.filter(
            person=person, lpa_type=LpaType.HEALTH_AND_WELFARE, status=LpaStatus.REGISTERED
        )
        .exclude(verification=LpaVerification.NOT_VERIFIED)
        .exists()
    )


@transaction.atomic
def record_choice(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    expressed_how: str,
    category: str | None = None,
    organisation: Organisation | None = None,
    purpose: str = Purpose.DIRECT_CARE,
    in_their_words: str = "",
    capacity: str = CapacityAnswer.ASSUMED,
    capacity_assessment: str = "",
    best_interests_decision: str = "",
    best_interests_consulted: str = "",
) -> ConsentDecision:
    """Record the person's consent or objection. Takes effect on the next request.

    The Mental Capacity Act rules: capacity is assumed unless assessed; where the person lacks
    capacity for this decision, the choice is made by their attorney under a registered health
    and welfare LPA or as a best-interests decision naming who was consulted."""
    decision = require(actor, Action.RECORD_CHOICE, person)
    if kind not in ChoiceKind.values:
        raise DomainRuleBroken("Choose consent or objection.", field="kind")
    if purpose not in Purpose.values:
        raise DomainRuleBroken("Choose what the information would be used for.", field="purpose")
    if expressed_how not in ExpressedHow.values:
        raise DomainRuleBroken("Say how the person expressed their choice.", field="expressed_how")
    if capacity not in CapacityAnswer.values:
        raise DomainRuleBroken("Say whether the person had capacity.", field="capacity")
    label = _category(category)
    if capacity == CapacityAnswer.LACKS_CAPACITY:
        if not capacity_assessment.strip():
            raise DomainRuleBroken(
                "Say who assessed capacity for this decision, when, and what they found.",
                field="capacity_assessment",
            )
        if expressed_how == ExpressedHow.ATTORNEY:
            if not _registered_welfare_lpa(person):
                raise DomainRuleBroken(
                    "An attorney can decide only under a registered, verified health and "
                    "welfare lasting power of attorney. Record it first, or make a best-interests decision.",
                    field="expressed_how",
                )
        elif expressed_how == ExpressedHow.BEST_INTERESTS:
            if not best_interests_decision.strip() or not best_interests_consulted.strip():
                raise DomainRuleBroken(
                    "For a best-interests decision, record the decision and who was consulted.",
                    field="best_interests_decision",
                )
        else:
            raise DomainRuleBroken(
                "The person lacks capacity for this decision, so it is made by their attorney "
                "or as a best-interests decision.",
                field="expressed_how",
            )
    elif expressed_how in (ExpressedHow.BEST_INTERESTS, ExpressedHow.ATTORNEY):
        raise DomainRuleBroken(
            "A person with capacity makes this choice themselves; a best-interests decision or "
            "an attorney's decision needs a recorded assessment that they lack capacity.",
            field="capacity",
        )
    choice = ConsentDecision.objects.create(
        person=person,
        kind=kind,
        category=label,
        organisation=organisation,
        purpose=purpose,
        expressed_how=expressed_how,
        in_their_words=in_their_words.strip(),
        capacity=capacity,
        capacity_assessment=capacity_assessment.strip(),
        best_interests_decision=best_interests_decision.strip(),
        best_interests_consulted=best_interests_consulted.strip(),
        recorded_by_role=actor.role_profile,
        recorded_at=timezone.now(),
        created_by=actor.user,
    )
    record_event(
        actor=actor,
        action=Action.RECORD_CHOICE,
        target_type="ConsentDecision",
        target_id=choice.pk,
        person=person,
        basis=decision.basis or "",
        reason=f"Recorded {describe_choice(choice)}.",
        categories=[label.pk] if label else ["general"],
        purpose=purpose,
    )
    return choice


def describe_choice(choice: ConsentDecision) -> str:
    """In words: 'objection to sharing mental health information with Riverside Care Home for
    direct care'."""
    what = f"{choice.category.name.lower()} information" if choice.category else "any information"
    whom = f"with {choice.organisation.name}" if choice.organisation else "with any organisation"
    return (
        f"{choice.get_kind_display().lower()} to sharing {what} {whom} for "
        + str(choice.get_purpose_display()).lower()
    )


@transaction.atomic
def withdraw_choice(*, actor: Actor, choice: ConsentDecision, reason: str) -> ConsentDecision:
    """Withdraw a consent or objection. Effective at once: the next request no longer sees it."""
    decision = require(actor, Action.RECORD_CHOICE, choice.person)
    locked = ConsentDecision.objects.select_for_update().get(pk=choice.pk)
    if locked.withdrawn_at is not None:
        raise DomainRuleBroken("This has already been withdrawn.")
    if not reason.strip():
        raise DomainRuleBroken("Say why, in the person's words if you can.", field="reason")
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = actor.user
    locked.withdrawal_reason = reason.strip()[:300]
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
    record_event(
        actor=actor,
        action="choice.withdraw",
        target_type="ConsentDecision",
        target_id=locked.pk,
        person=locked.person,
        basis=decision.basis or "",
        reason=f"Withdrew {describe_choice(locked)}.",
        categories=[locked.category_id] if locked.category_id else ["general"],
        purpose=locked.purpose,
    )
    return locked


# --- Disclosure without consent --------------------------------------------------------------


@transaction.atomic
def record_disclosure(
    *,
    actor: Actor,
    person: Person,
    basis: str,
    reason: str,
    what_was_shared: str,
    categories: Sequence[str],
    shared_with: Organisation | None = None,
    shared_with_description: str = "",
    legal_reference: str = "",
    access_until: date | None = None,
    person_told: bool = False,
    person_told_on: date | None = None,
    not_told_reason: str = "",
    serious_harm_exemption: bool = False,
    exemption_reason: str = "",
    exemption_review_on: date | None = None,
) -> Disclosure:
    """Record a decision to share without consent (DOMAIN.md section 1). The actor is the
    decision-maker. It shows in the person's access log unless a serious-harm exemption is
    recorded, with its reason and a review date."""
    decision = require(actor, Action.RECORD_DISCLOSURE, person)
    assert actor.user is not None and actor.role_profile is not None  # noqa: S101
    if basis not in DisclosureBasis.values:
        raise DomainRuleBroken("Choose the basis for sharing without consent.", field="basis")
    if not reason.strip():
        raise DomainRuleBroken("Say why sharing without consent was justified.", field="reason")
    if not what_was_shared.strip():
        raise DomainRuleBroken("Say what was shared.", field="what_was_shared")
    labels = list(InformationCategory.objects.filter(pk__in=list(categories)))
    if not labels or len(labels) != len(set(categories)):
        raise DomainRuleBroken("Choose the categories of information shared.", field="categories")
    if shared_with is None and not shared_with_description.strip():
        raise DomainRuleBroken("Say who it was shared with.", field="shared_with")
    if basis == DisclosureBasis.LEGAL_DUTY and not legal_reference.strip():
        raise DomainRuleBroken(
            "Name the statute or court order that requires it.", field="legal_reference"
        )
    if person_told and person_told_on is None:
        raise DomainRuleBroken("Say when the person was told.", field="person_told_on")
    if not person_told and not serious_harm_exemption and not not_told_reason.strip():
        raise DomainRuleBroken(
            "Say why the person has not been told yet, and plan to tell them.",
            field="not_told_reason",
        )
    if serious_harm_exemption and (not exemption_reason.strip() or exemption_review_on is None):
        raise DomainRuleBroken(
            "A serious-harm exemption needs its reason and a date to review it.",
            field="exemption_reason",
        )
    disclosure = Disclosure.objects.create(
        person=person,
        basis=basis,
        legal_reference=legal_reference.strip(),
        decided_by=actor.user,
        decided_by_role=actor.role_profile,
        decided_at=timezone.now(),
        reason=reason.strip(),
        what_was_shared=what_was_shared.strip(),
        shared_with=shared_with,
        shared_with_description=shared_with_description.strip(),
        access_until=access_until,
        person_told=person_told,
        person_told_on=person_told_on if person_told else None,
        not_told_reason=not_told_reason.strip(),
        serious_harm_exemption=serious_harm_exemption,
        exemption_reason=exemption_reason.strip(),
        exemption_review_on=exemption_review_on,
        created_by=actor.user,
    )
    disclosure.categories.set(labels)
    receiver = shared_with.name if shared_with else shared_with_description.strip()
    record_event(
        actor=actor,
        action=Action.RECORD_DISCLOSURE,
        target_type="Disclosure",
        target_id=disclosure.pk,
        person=person,
        basis=decision.basis or "",
        reason=f"Shared without consent ({disclosure.get_basis_display().lower()}) with "
        f"{receiver}: {disclosure.reason}",
        categories=sorted(label.pk for label in labels),
        purpose=Purpose.SAFEGUARDING if basis == DisclosureBasis.SAFEGUARDING else "direct_care",
    )
    return disclosure


@transaction.atomic
def end_disclosure_exemption(*, actor: Actor, disclosure: Disclosure, notes: str) -> Disclosure:
    """A privacy officer's review ends a serious-harm exemption: the disclosure then shows in
    the person's access log."""
    _require_governance(actor)
    if not notes.strip():
        raise DomainRuleBroken("Record what the review found.", field="notes")
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if not locked.exemption_in_force:
        raise DomainRuleBroken("This disclosure has no exemption in force.")
    locked.exemption_ended_at = timezone.now()
    locked.save(update_fields=["exemption_ended_at", "updated_at"])
    record_event(
        actor=actor,
        action="disclosure.exemption.end",
        target_type="Disclosure",
        target_id=locked.pk,
        person=locked.person,
        basis="information_governance",
        reason=f"Serious-harm exemption ended on review: {notes.strip()}",
        categories=list(locked.categories.values_list("pk", flat=True)),
    )
    return locked


# --- Break-glass -----------------------------------------------------------------------------


def break_glass_minutes() -> int:
    return int(getattr(settings, "JOINEDUP_BREAK_GLASS_MINUTES", 60))


def record_holding_organisations(person: Person) -> list[Organisation]:
    """The organisations that hold the person's record: those with someone in the care team
    today, the GP practice, and any that wrote entries."""
    today = timezone.localdate()
    in_team = CareTeamMember.objects.filter(in_force_on(today), person=person).values(
        "organisation_id"
    )
    wrote = RecordEntry.objects.filter(person=person).values("author_organisation_id")
    return list(
        Organisation.objects.filter(
            Q(pk__in=in_team) | Q(pk__in=wrote) | Q(pk=person.gp_practice_id)
        ).order_by("name")
    )


def _privacy_officers(organisation: Organisation) -> list[RoleProfile]:
    today = timezone.localdate()
    return list(
        RoleProfile.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
            organisation=organisation,
            job_role=JobRole.PRIVACY_OFFICER,
            practitioner__user__is_active=True,
        ).select_related("practitioner__user")
    )


@dataclass(frozen=True)
class BreakGlassStarted:
    access: BreakGlass
    alerted: list[Organisation]


def start_break_glass(
    *,
    actor: Actor,
    person_id: object,
    reason_code: str,
    reason: str,
    confirmed: bool,
    second_factor_code: str,
) -> BreakGlassStarted:
    """Open a record in an emergency without a legitimate relationship. Needs a role that may
    (the break_glass column of the permission table), explicit confirmation, a reason code and
    words, and a fresh second-factor code. Grants JOINEDUP_BREAK_GLASS_MINUTES (default 60) of
    access, alerts the privacy officers of every organisation holding the record (queue and
    e-mail) and is audited. Raises NotFound for a person who does not exist.

    Every refused attempt is audited too (a denied break_glass.start, on the person's record
    when they exist). The code is checked before the person is looked up, so a wrong code
    gets the same answer whether or not the person exists."""
    from joinedup.people.selectors import parse_person_id

    parsed = parse_person_id(person_id)
    person = Person.objects.filter(pk=parsed).first() if parsed else None
    try:
        if actor.user is None or actor.role_profile is None or not may_break_glass(actor):
            raise NotAllowed("Your role cannot use emergency access.")
        if reason_code not in BreakGlassReason.values:
            raise DomainRuleBroken("Choose the reason for emergency access.", field="reason_code")
        if len(reason.strip()) < 10:
            raise DomainRuleBroken(
                "Explain in your own words why you need this record now.", field="reason"
            )
        if not confirmed:
            raise DomainRuleBroken(
                "Confirm that you need emergency access and understand it will be reviewed.",
                field="confirmed",
            )
        # Outside the main transaction: a wrong code counts towards lockout.
        if not verify_second_factor(user=actor.user, code=second_factor_code):
            raise DomainRuleBroken(
                "The code from your authenticator app was not right. Enter the current code.",
                field="second_factor_code",
            )
        if person is None:
            raise NotFound
    except (NotAllowed, DomainRuleBroken, NotFound) as refused:
        _audit_refused_break_glass(actor, person_id, person, refused)
        raise
    with transaction.atomic():
        return _open_break_glass(actor, person, reason_code, reason.strip())


def _audit_refused_break_glass(
    actor: Actor, person_id: object, person: Person | None, refused: Exception
) -> None:
    why = {
        NotAllowed: "The role may not use emergency access.",
        NotFound: "No such record.",
    }.get(type(refused), getattr(refused, "message", "Refused."))
    record_event(
        actor=actor,
        action="break_glass.start",
        target_type="Person",
        target_id=person.pk if person else person_id,
        person=person,
        allowed=False,
        basis=Basis.BREAK_GLASS,
        reason=f"Emergency access refused: {why}",
    )


def _open_break_glass(
    actor: Actor, person: Person, reason_code: str, reason: str
) -> BreakGlassStarted:
    assert actor.user is not None and actor.role_profile is not None  # noqa: S101
    now = timezone.now()
    access = BreakGlass.objects.create(
        person=person,
        user=actor.user,
        role_profile=actor.role_profile,
        reason_code=reason_code,
        reason=reason,
        channel=actor.channel,
        starts_at=now,
        expires_at=now + timedelta(minutes=break_glass_minutes()),
        created_by=actor.user,
    )
    holders = record_holding_organisations(person)
    PrivacyAlert.objects.bulk_create(
        PrivacyAlert(organisation=organisation, break_glass=access, created_by=actor.user)
        for organisation in holders
    )
    record_event(
        actor=actor,
        action="break_glass.start",
        target_type="BreakGlass",
        target_id=access.pk,
        person=person,
        basis=Basis.BREAK_GLASS,
        reason=f"Emergency access: {access.get_reason_code_display()}. {reason}",
    )
    recipients = [
        profile.practitioner.user.email
        for organisation in holders
        for profile in _privacy_officers(organisation)
        if profile.practitioner.user is not None and profile.practitioner.user.email
    ]
    if recipients:
        transaction.on_commit(lambda: _email_privacy_officers(access, sorted(set(recipients))))
    return BreakGlassStarted(access=access, alerted=holders)


def _email_privacy_officers(access: BreakGlass, recipients: list[str]) -> None:
    until = timezone.localtime(access.expires_at)
    # The e-mail names no patient: the record is opened in joinedup, where it is audited.
    # A mail failure must never undo or block emergency access: the alert is in the queue.
    try:
        _send_alert_mail(access, recipients, until)
    except Exception:
        logger.exception("Could not e-mail the break-glass alert for %s", access.pk)


def _send_alert_mail(access: BreakGlass, recipients: list[str], until: datetime) -> None:
    profile = access.role_profile
    send_mail(
        subject="joinedup: emergency access to a record needs your review",
        message=(
            f"{access.user.get_full_name()} ({profile}) used emergency access (break-glass) to "
            f"a record your organisation holds, until {until:%H:%M on %d %B %Y}.\n\n"
            f"Reason: {access.get_reason_code_display()}.\n\n"
            "Sign in to joinedup and open Privacy alerts to review it and record an outcome."
        ),
        from_email=None,
        recipient_list=recipients,
        fail_silently=False,
    )


@transaction.atomic
def end_break_glass(*, actor: Actor, access: BreakGlass) -> BreakGlass:
    """End one's own emergency access before it expires."""
    locked = BreakGlass.objects.select_for_update().get(pk=access.pk)
    if locked.user_id != (actor.user.pk if actor.user else None):
        raise NotFound
    if not locked.is_active():
        return locked
    locked.ended_at = timezone.now()
    locked.save(update_fields=["ended_at", "updated_at"])
    record_event(
        actor=actor,
        action="break_glass.end",
        target_type="BreakGlass",
        target_id=locked.pk,
        person=locked.person,
        basis=Basis.BREAK_GLASS,
        reason="Emergency access ended early by the person who started it.",
    )
    return locked


def _require_governance(actor: Actor) -> Organisation:
    if actor.role_profile is None or not may_govern_information(actor):
        raise NotAllowed("Only your organisation's privacy officer can do this.")
    return actor.role_profile.organisation


@transaction.atomic
def review_break_glass(
    *, actor: Actor, alert: PrivacyAlert, outcome: str, notes: str
) -> BreakGlassReview:
    """A privacy officer records the outcome of a break-glass access their organisation was
    alerted to. Closes the alert."""
    organisation = _require_governance(actor)
    assert actor.user is not None  # noqa: S101
    locked = PrivacyAlert.objects.select_for_update().select_related("break_glass").get(pk=alert.pk)
    if locked.organisation_id != organisation.pk:
        raise NotFound
    if locked.review_id is not None:
        raise DomainRuleBroken("This access has already been reviewed.")
    if outcome not in ReviewOutcome.values:
        raise DomainRuleBroken("Choose an outcome.", field="outcome")
    if not notes.strip():
        raise DomainRuleBroken("Record what you found and any follow-up.", field="notes")
    review = BreakGlassReview.objects.create(
        break_glass=locked.break_glass,
        organisation=organisation,
        reviewed_by=actor.user,
        outcome=outcome,
        notes=notes.strip(),
        created_by=actor.user,
    )
    locked.review = review
    locked.save(update_fields=["review", "updated_at"])
    record_event(
        actor=actor,
        action="break_glass.review",
        target_type="BreakGlass",
        target_id=locked.break_glass_id,
        person=locked.break_glass.person,
        basis="information_governance",
        reason=f"Reviewed: {review.get_outcome_display()}",
    )
    return review


# --- Sharing agreements ----------------------------------------------------------------------


def _agreement_event(
    actor: Actor, agreement: SharingAgreement, kind: AgreementEventKind, details: str = ""
) -> None:
    AgreementEvent.objects.create(
        agreement=agreement,
        kind=kind,
        by=actor.user,
        organisation=actor.role_profile.organisation if actor.role_profile else None,
        details=details,
    )
    record_event(
        actor=actor,
        action=f"agreement.{kind}",
        target_type="SharingAgreement",
        target_id=agreement.pk,
        basis="information_governance",
        reason=f"{agreement.title}: {AgreementEventKind(kind).label}. {details}".strip()[:300],
        categories=[],
    )


def _require_party(actor: Actor, agreement: SharingAgreement) -> Organisation:
    organisation = _require_governance(actor)
    if not agreement.parties.filter(organisation=organisation).exists():
        raise NotFound
    return organisation


@dataclass(frozen=True)
class AgreementTerms:
    """What an agreement says: the fields an information-governance lead drafts."""

    title: str
    purpose: str
    purpose_description: str
    categories: Sequence[str]
    gdpr_article_6: str
    gdpr_article_9: str
    common_law_basis: str
    rights_requests: str
    security_terms: str
    retention_terms: str
    starts_on: date
    review_on: date
    ends_on: date | None = None


def _checked_terms(terms: AgreementTerms) -> list[InformationCategory]:
    if not terms.title.strip():
        raise DomainRuleBroken("Give the agreement a title.", field="title")
    if terms.purpose not in Purpose.values:
        raise DomainRuleBroken("Choose the purpose.", field="purpose")
    for field, text in (
        ("purpose_description", terms.purpose_description),
        ("rights_requests", terms.rights_requests),
        ("security_terms", terms.security_terms),
        ("retention_terms", terms.retention_terms),
    ):
        if not text.strip():
            raise DomainRuleBroken("Fill this in: every agreement must say it.", field=field)
    labels = list(InformationCategory.objects.filter(pk__in=list(terms.categories)))
    if not labels or len(labels) != len(set(terms.categories)):
        raise DomainRuleBroken("Choose the categories of information shared.", field="categories")
    if terms.ends_on is not None and terms.ends_on <= terms.starts_on:
        raise DomainRuleBroken("The end date must be after the start date.", field="ends_on")
    if terms.review_on < terms.starts_on:
        raise DomainRuleBroken("The review date must not be before the start.", field="review_on")
    if terms.purpose == Purpose.DIRECT_CARE and terms.gdpr_article_6 == GdprArticle6.CONSENT:
        raise DomainRuleBroken(
            "Consent is not the lawful basis for direct care: use Article 6(1)(e) public task "
            "(or 6(1)(f) for an independent provider). The person's consent and objections "
            "are recorded separately and still honoured.",
            field="gdpr_article_6",
        )
    if terms.purpose in Purpose.beyond_direct_care() and terms.common_law_basis == (
        "implied_consent"
    ):
        raise DomainRuleBroken(
            "Implied consent covers direct care only. For planning or research, rely on "
            "explicit consent, a legal duty or the public interest.",
            field="common_law_basis",
        )
    return labels


def _apply_terms(agreement: SharingAgreement, terms: AgreementTerms) -> None:
    agreement.title = terms.title.strip()
    agreement.purpose = terms.purpose
    agreement.purpose_description = terms.purpose_description.strip()
    agreement.gdpr_article_6 = terms.gdpr_article_6
    agreement.gdpr_article_9 = terms.gdpr_article_9
    agreement.common_law_basis = terms.common_law_basis
    agreement.rights_requests = terms.rights_requests.strip()
    agreement.security_terms = terms.security_terms.strip()
    agreement.retention_terms = terms.retention_terms.strip()
    agreement.starts_on = terms.starts_on
    agreement.review_on = terms.review_on
    agreement.ends_on = terms.ends_on


@transaction.atomic
def draft_agreement(
    *, actor: Actor, terms: AgreementTerms, partners: Iterable[Organisation]
) -> SharingAgreement:
    """A privacy officer drafts an agreement between their organisation and partners. Nothing
    flows until every party has signed."""
    organisation = _require_governance(actor)
    labels = _checked_terms(terms)
    others = {partner.pk: partner for partner in partners if partner.pk != organisation.pk}
    if not others:
        raise DomainRuleBroken("Choose at least one partner organisation.", field="partners")
    agreement = SharingAgreement(created_by=actor.user, status=AgreementStatus.DRAFT)
    _apply_terms(agreement, terms)
    agreement.save()
    agreement.categories.set(labels)
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=agreement, organisation_id=pk) for pk in [organisation.pk, *others]
    )
    _agreement_event(
        actor, agreement, AgreementEventKind.DRAFTED, f"Parties: {len(others) + 1} organisations."
    )
    return agreement


@transaction.atomic
def change_draft_agreement(
    *, actor: Actor, agreement: SharingAgreement, terms: AgreementTerms, lock_version: int
) -> SharingAgreement:
    """Change a draft. Signatures already given are cleared: they signed different terms."""
    _require_party(actor, agreement)
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status != AgreementStatus.DRAFT:
        raise DomainRuleBroken("Only a draft can be changed. Vary its categories instead.")
    if locked.lock_version != lock_version:
        from joinedup.core.errors import EditConflict

        raise EditConflict
    labels = _checked_terms(terms)
    _apply_terms(locked, terms)
    locked.lock_version += 1
    locked.save()
    locked.categories.set(labels)
    cleared = locked.parties.filter(signed_at__isnull=False).update(
        signed_at=None, signed_by=None, signatory_name="", signatory_role=""
    )
    _agreement_event(
        actor,
        locked,
        AgreementEventKind.CHANGED,
        "Signatures cleared." if cleared else "",
    )
    return locked


@transaction.atomic
def sign_agreement(
    *, actor: Actor, agreement: SharingAgreement, signatory_role: str
) -> SharingAgreement:
    """Sign for the actor's organisation. When the last party signs the agreement comes into
    force (from its start date)."""
    organisation = _require_party(actor, agreement)
    assert actor.user is not None  # noqa: S101
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status != AgreementStatus.DRAFT:
        raise DomainRuleBroken("Only a draft waiting for signatures can be signed.")
    if not signatory_role.strip():
        raise DomainRuleBroken(
            "Say in what capacity you sign (for example Caldicott guardian).",
            field="signatory_role",
        )
    party = locked.parties.get(organisation=organisation)
    if party.signed_at is not None:
        raise DomainRuleBroken("Your organisation has already signed.")
    party.signed_by = actor.user
    party.signatory_name = actor.user.get_full_name() or actor.user.username
    party.signatory_role = signatory_role.strip()[:200]
    party.signed_at = timezone.now()
    party.save()
    _agreement_event(actor, locked, AgreementEventKind.SIGNED, f"For {organisation.name}.")
    if not locked.parties.filter(signed_at__isnull=True).exists():
        locked.status = AgreementStatus.ACTIVE
        locked.lock_version += 1
        locked.save(update_fields=["status", "lock_version", "updated_at"])
        _agreement_event(actor, locked, AgreementEventKind.ACTIVATED, "Every party has signed.")
    return locked


@transaction.atomic
def suspend_agreement(
    *, actor: Actor, agreement: SharingAgreement, reason: str
) -> SharingAgreement:
    """Any party's privacy officer may suspend an agreement; sharing under it stops on the next
    request."""
    _require_party(actor, agreement)
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.effective_status() != AgreementStatus.ACTIVE:
        raise DomainRuleBroken("Only an agreement in force can be suspended.")
    if not reason.strip():
        raise DomainRuleBroken("Say why it is suspended.", field="reason")
    locked.status = AgreementStatus.SUSPENDED
    locked.status_reason = reason.strip()[:300]
    locked.lock_version += 1
    locked.save(update_fields=["status", "status_reason", "lock_version", "updated_at"])
    _agreement_event(actor, locked, AgreementEventKind.SUSPENDED, reason.strip())
    return locked


@transaction.atomic
def resume_agreement(*, actor: Actor, agreement: SharingAgreement, reason: str) -> SharingAgreement:
    _require_party(actor, agreement)
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.effective_status() != AgreementStatus.SUSPENDED:
        raise DomainRuleBroken(
            "Only a suspended agreement that has not reached its end date can be resumed."
        )
    if not reason.strip():
        raise DomainRuleBroken("Say what was put right.", field="reason")
    locked.status = AgreementStatus.ACTIVE
    locked.status_reason = ""
    locked.lock_version += 1
    locked.save(update_fields=["status", "status_reason", "lock_version", "updated_at"])
    _agreement_event(actor, locked, AgreementEventKind.RESUMED, reason.strip())
    return locked


@transaction.atomic
def review_agreement(
    *,
    actor: Actor,
    agreement: SharingAgreement,
    notes: str,
    next_review_on: date,
    categories: Sequence[str] | None = None,
) -> SharingAgreement:
    """Record a review: what was found, the next review date and, if the parties agreed it, a
    change to the categories shared (a category added starts flowing on the next request; one
    removed stops)."""
    _require_party(actor, agreement)
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status == AgreementStatus.DRAFT:
        raise DomainRuleBroken("A draft is changed, not reviewed.")
    if not notes.strip():
        raise DomainRuleBroken("Record what the review found.", field="notes")
    if next_review_on <= timezone.localdate():
        raise DomainRuleBroken("The next review must be in the future.", field="next_review_on")
    details = notes.strip()
    if categories is not None:
        labels = list(InformationCategory.objects.filter(pk__in=list(categories)))
        if not labels or len(labels) != len(set(categories)):
            raise DomainRuleBroken(
                "Choose the categories of information shared.", field="categories"
            )
        before = set(locked.categories.values_list("pk", flat=True))
        after = {label.pk for label in labels}
        if before != after:
            locked.categories.set(labels)
            added, removed = sorted(after - before), sorted(before - after)
            details += (
                f" Categories added: {', '.join(added) or 'none'};"
                f" removed: {', '.join(removed) or 'none'}."
            )
    locked.review_on = next_review_on
    locked.lock_version += 1
    locked.save(update_fields=["review_on", "lock_version", "updated_at"])
    _agreement_event(actor, locked, AgreementEventKind.REVIEWED, details)
    return locked


@transaction.atomic
def end_agreement(*, actor: Actor, agreement: SharingAgreement, reason: str) -> SharingAgreement:
    """End an agreement today: it expires and nothing more flows under it."""
    _require_party(actor, agreement)
    locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.effective_status() in (AgreementStatus.DRAFT, AgreementStatus.EXPIRED):
        raise DomainRuleBroken(
            "Only an agreement in force or suspended can be ended; an expired one has ended."
        )
    if not reason.strip():
        raise DomainRuleBroken("Say why it is ended.", field="reason")
    today = timezone.localdate()
    locked.status = AgreementStatus.EXPIRED
    locked.ends_on = today
    locked.status_reason = reason.strip()[:300]
    locked.lock_version += 1
    locked.save(update_fields=["status", "ends_on", "status_reason", "lock_version", "updated_at"])
    _agreement_event(actor, locked, AgreementEventKind.ENDED, reason.strip())
    return locked
