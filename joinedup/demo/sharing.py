"""The demo region's sharing arrangements: three information-sharing agreements in force and
entries in the featured people's records that show them at work.

- The place-wide direct care agreement (every organisation) covers general and social care.
- The health partners' agreement (the NHS trusts and every GP practice) adds mental health.
- The adult safeguarding agreement (the council, the NHS trusts and GP practices) covers
  safeguarding.

So a mental health entry the community nurse writes for Margaret reaches her GP and the
hospital, but not the council's social worker, until a privacy officer adds mental health to
the place-wide agreement. Her GP's sexual health entry is sealed for GPs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from joinedup.directory.models import Organisation
from joinedup.people.models import Person
from joinedup.records.models import RecordEntry, SealedFor, Section
from joinedup.sharing.models import (
    AgreementEvent,
    AgreementEventKind,
    AgreementParty,
    AgreementStatus,
    CommonLawBasis,
    GdprArticle6,
    GdprArticle9,
    InformationCategory,
    Purpose,
    SharingAgreement,
)

if TYPE_CHECKING:
    from joinedup.demo.region import RegionBuilder

PLACE_AGREEMENT = "Calderbridge place direct care agreement"
HEALTH_AGREEMENT = "Calderbridge health partners agreement"
SAFEGUARDING_AGREEMENT = "Calderbridge adult safeguarding agreement"

_RIGHTS = (
    "The organisation that wrote an item answers requests about it within one month. A "
    "request received by another party is passed to it within two working days."
)
_SECURITY = (
    "Access only through joinedup with a second factor, by staff with a legitimate "
    "relationship; every access is audited and shown to the person."
)
_RETENTION = (
    "Each party keeps what it wrote under its own retention schedule (adult health records "
    "8 years after care ends; adult social care 8 years after care ends)."
)

# (featured NHS number, persona key writing it, section, category, title, details, sealed for)
_ENTRIES: tuple[tuple[str, str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "9990001111",
        "nurse",
        Section.PROBLEMS,
        "general",
        "Venous leg ulcer, left leg",
        "Dressings twice a week (Tuesday and Friday). Healing slowly; reassess in 4 weeks.",
        (),
    ),
    (
        "9990001111",
        "nurse",
        Section.PROBLEMS,
        "mental_health",
        "Low mood since her fall",
        "Peggy says she has felt low and lonely since her fall in October. PHQ-9 score 12. "
        "With her agreement, referred to the older people's community mental health team.",
        (),
    ),
    (
        "9990001111",
        "social_worker",
        Section.SERVICES,
        "social_care",
        "Care Act assessment completed",
        "Eligible needs: washing, dressing and meal preparation. Support plan agreed with "
        "Peggy and Sarah: home care twice a day.",
        (),
    ),
    (
        "9990001111",
        "social_worker",
        Section.SAFEGUARDING,
        "safeguarding",
        "Safeguarding enquiry closed",
        "Concern about a caller asking for money at the door. Enquiry (s42) closed: Peggy "
        "has a door chain and a trusted-trader list; Sarah is aware.",
        (),
    ),
    (
        "9990001111",
        "gp",
        Section.PROBLEMS,
        "sexual_health",
        "Sexual health history",
        "Sealed at Peggy's request: only her GP sees this.",
        ("gp",),
    ),
    (
        "9990002045",
        "care_home_manager",
        Section.INDIVIDUAL_REQUIREMENTS,
        "general",
        "Settles best with music",
        "Arthur settles in the evening with Glenn Miller records.",
        (),
    ),
)


def _agreement(
    title: str,
    description: str,
    categories: Sequence[str],
    parties: Iterable[Organisation],
    builder: RegionBuilder,
) -> SharingAgreement:
    from joinedup.demo.region import TODAY

    agreement = SharingAgreement.objects.create(
        id=builder._uuid(),
        title=title,
        purpose=Purpose.DIRECT_CARE,
        purpose_description=description,
        gdpr_article_6=GdprArticle6.PUBLIC_TASK,
        gdpr_article_9=GdprArticle9.HEALTH_OR_SOCIAL_CARE,
        common_law_basis=CommonLawBasis.IMPLIED_CONSENT,
        rights_requests=_RIGHTS,
        security_terms=_SECURITY,
        retention_terms=_RETENTION,
        starts_on=TODAY - timedelta(days=365),
        review_on=TODAY + timedelta(days=120),
        status=AgreementStatus.ACTIVE,
    )
    agreement.categories.set(InformationCategory.objects.filter(pk__in=list(categories)))
    signed_at = timezone.now() - timedelta(days=370)
    AgreementParty.objects.bulk_create(
        AgreementParty(
            agreement=agreement,
            organisation=organisation,
            signatory_name="Caldicott guardian",
            signatory_role=f"Caldicott guardian, {organisation.name}",
            signed_at=signed_at,
        )
        for organisation in {org.pk: org for org in parties}.values()
    )
    AgreementEvent.objects.bulk_create(
        [
            AgreementEvent(
                agreement=agreement,
                kind=AgreementEventKind.ACTIVATED,
                occurred_at=signed_at,
                details="Signed by every party when the region was generated.",
            )
        ]
    )
    return agreement


def seed_sharing(builder: RegionBuilder) -> None:
    InformationCategory.ensure_defaults()
    orgs = builder.orgs
    everyone = list(Organisation.objects.all())
    trusts = [orgs["acute_trust"], orgs["community_trust"], orgs["mental_health_trust"]]
    _agreement(
        PLACE_AGREEMENT,
        "Sharing what each partner records so that everyone caring for a person in "
        "Calderbridge knows what they need to.",
        ["general", "social_care"],
        everyone,
        builder,
    )
    _agreement(
        HEALTH_AGREEMENT,
        "Sharing health information, including mental health, between the NHS trusts and "
        "GP practices for the people they care for.",
        ["general", "mental_health", "social_care"],
        [*trusts, *builder.gp_practices],
        builder,
    )
    _agreement(
        SAFEGUARDING_AGREEMENT,
        "Sharing safeguarding concerns and enquiries between the council and NHS partners "
        "so that adults at risk are protected.",
        ["safeguarding"],
        [orgs["council"], *trusts, *builder.gp_practices],
        builder,
    )
    people = {
        person.nhs_number: person
        for person in Person.objects.filter(nhs_number__in={row[0] for row in _ENTRIES})
    }
    recorded = timezone.now() - timedelta(days=20)
    for index, (nhs, persona, section, category, title, details, sealed_for) in enumerate(_ENTRIES):
        profile = builder.persona_profiles[persona]
        entry = RecordEntry.objects.create(
            id=builder._uuid(),
            person=people[nhs],
            section=section,
            title=title,
            details=details,
            category_id=category,
            author_organisation_id=profile.organisation_id,
            author_role=profile,
            recorded_at=recorded + timedelta(hours=index),
            sealed=bool(sealed_for),
        )
        SealedFor.objects.bulk_create(SealedFor(entry=entry, job_role=r) for r in sealed_for)
