"""How well referrals are answered, per receiving service and per organisation (issue 5 item
9): referrals received, accepted, rejected by reason, the median and 90th-percentile time to
respond (sent → accepted or rejected) and to complete (sent → completed), and how many are
overdue now.

Counts are computed in SQL, grouped by service. The times are computed in SQL as durations and
their percentiles in Python over one organisation's durations: fine at demo scale (a few
thousand referrals a year per organisation); on PostgreSQL alone, percentile_cont could do it
in the database, and gives the same answers (linear interpolation between nearest ranks).

Measures describe organisations, not people: any signed-in staff member may read any
organisation's, and reading them is not audited."""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.expressions import CombinedExpression
from django.utils import timezone

from joinedup.core.errors import NotFound
from joinedup.directory.models import Organisation, Service
from joinedup.referrals.models import (
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    RejectionReason,
)

S = ReferralStatus


@dataclass(frozen=True)
class Durations:
    """How long something took, over `count` referrals; None when there are none."""

    count: int
    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, values: Iterable[timedelta]) -> Durations:
        ordered = sorted(values)
        return cls(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9))


@dataclass(frozen=True)
class Measures:
    received: int
    accepted: int
    rejected: int
    rejected_by_reason: dict[str, int]  # by RejectionReason code, in the reasons' order
    overdue_now: int
    to_respond: Durations
    to_complete: Durations


@dataclass(frozen=True)
class ServiceMeasures:
    service: Service
    measures: Measures


@dataclass(frozen=True)
class OrganisationMeasures:
    organisation: Organisation
    measures: Measures  # every service of the organisation together
    services: list[ServiceMeasures]
    computed_at: datetime


def percentile(ordered: Sequence[timedelta], fraction: float) -> timedelta | None:
    """The value below which `fraction` of the sorted durations lie, interpolating linearly
    between the two nearest ranks (PostgreSQL's percentile_cont). None for no durations."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * fraction
    below, above = math.floor(rank), math.ceil(rank)
    return ordered[below] + (ordered[above] - ordered[below]) * (rank - below)


def organisation_by_reference(reference: str) -> Organisation:
    """An organisation by its id or its ODS code, or NotFound. Directory data; not audited."""
    text = reference.strip()
    try:
        found = Organisation.objects.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        found = Organisation.objects.filter(ods_code=text.upper()).first() if text else None
    if found is None:
        raise NotFound
    return found


def referral_measures_for(
    organisation: Organisation, *, now: datetime | None = None
) -> OrganisationMeasures:
    """The measures of each of the organisation's services, and of the organisation as a
    whole, for referrals it received (sent to it, whatever became of them since). Five
    queries. Names no one: any staff member may ask; not audited."""
    moment = now or timezone.now()
    services = list(Service.objects.filter(organisation=organisation).order_by("name", "id"))
    sent = Referral.objects.filter(receiving_organisation=organisation, requested_at__isnull=False)
    counts = {
        row["service_id"]: row
        for row in sent.values("service_id").annotate(
            received=Count("id"),
            overdue=Count("id", filter=Q(status=S.REQUESTED, respond_by__lt=moment)),
        )
    }
    answers = _answers(organisation)
    to_respond = _durations(
        sent.filter(responded_at__isnull=False).values_list(
            "service_id", _between("requested_at", "responded_at")
        )
    )
    to_complete = _durations(
        ReferralStatusChange.objects.filter(
            status=S.COMPLETED,
            referral__receiving_organisation=organisation,
            referral__requested_at__isnull=False,
        ).values_list("referral__service_id", _between("referral__requested_at", "at"))
    )
    per_service = [
        ServiceMeasures(
            service=service,
            measures=_measures(
                _counts_of(counts.get(service.pk)),
                answers[service.pk],
                to_respond[service.pk],
                to_complete[service.pk],
            ),
        )
        for service in services
    ]
    whole = _measures(
        {
            "received": sum(row["received"] for row in counts.values()),
            "overdue": sum(row["overdue"] for row in counts.values()),
        },
        sum(answers.values(), Counter()),
        [value for values in to_respond.values() for value in values],
        [value for values in to_complete.values() for value in values],
    )
    return OrganisationMeasures(
        organisation=organisation, measures=whole, services=per_service, computed_at=moment
    )


def _counts_of(row: Mapping[str, object] | None) -> dict[str, int]:
    if row is None:
        return {}
    return {"received": int(str(row["received"])), "overdue": int(str(row["overdue"]))}


def _between(start: str, end: str) -> ExpressionWrapper[CombinedExpression]:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _answers(organisation: Organisation) -> defaultdict[uuid.UUID, Counter[str]]:
    """Per service: how many referrals were ever accepted ("accepted"), and how many were
    rejected for each reason ("rejected:<code>"), from the immutable history."""
    rows = (
        ReferralStatusChange.objects.filter(
            referral__receiving_organisation=organisation, status__in=(S.ACCEPTED, S.REJECTED)
        )
        .values("referral__service_id", "status", "reason_code")
        .annotate(referrals=Count("referral_id", distinct=True))
    )
    answers: defaultdict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    for row in rows:
        key = "accepted" if row["status"] == S.ACCEPTED else f"rejected:{row['reason_code']}"
        answers[row["referral__service_id"]][key] += row["referrals"]
    return answers


def _durations(
    rows: Iterable[tuple[uuid.UUID, timedelta]],
) -> defaultdict[uuid.UUID, list[timedelta]]:
    by_service: defaultdict[uuid.UUID, list[timedelta]] = defaultdict(list)
    for service_id, duration in rows:
        by_service[service_id].append(duration)
    return by_service


def _measures(
    counts: dict[str, int],
    answers: Counter[str],
    to_respond: list[timedelta],
    to_complete: list[timedelta],
) -> Measures:
    by_reason = {
        code: answers[f"rejected:{code}"]
        for code in [*RejectionReason.values, ""]
        if answers[f"rejected:{code}"]
    }
    return Measures(
        received=counts.get("received", 0),
        accepted=answers["accepted"],
        rejected=sum(by_reason.values()),
        rejected_by_reason=by_reason,
        overdue_now=counts.get("overdue", 0),
        to_respond=Durations.of(to_respond),
        to_complete=Durations.of(to_complete),
    )


def reason_label(code: str) -> str:
    """The words for a rejection reason's code."""
    return str(dict(RejectionReason.choices).get(code, "No reason given"))
