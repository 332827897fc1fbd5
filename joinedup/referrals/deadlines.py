"""When a referral must be answered: the receiving service's response target, counted in
working days for routine referrals (weekends and the configured bank holidays do not count)
and in hours for urgent ones."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from joinedup.directory.models import Service
from joinedup.referrals.models import Urgency


def _is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in settings.JOINEDUP_BANK_HOLIDAYS


def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days after `start`, at the same time of day. A referral sent at a weekend
    or on a bank holiday starts counting from the next working day."""
    moment = start
    counted = 0
    while counted < days:
        moment += timedelta(days=1)
        if _is_working_day(timezone.localtime(moment).date()):
            counted += 1
    return moment


def respond_by(service: Service, urgency: str, sent_at: datetime) -> datetime:
    """The deadline for the receiving service's first answer (accept or reject)."""
    if urgency == Urgency.URGENT:
        return sent_at + timedelta(hours=service.response_target_urgent_hours)
    return add_working_days(sent_at, service.response_target_routine_days)
