"""`joinedup escalate-referrals`: a referral past its response deadline is escalated once (the
referrer and the service's manager told); the next run escalates none."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from joinedup.conftest import Region
from joinedup.directory.models import Service
from joinedup.notifications.models import Notification, NotificationKind
from joinedup.referrals.models import Referral
from joinedup.referrals.services import draft_referral, send_referral


def _run() -> str:
    out = StringIO()
    call_command("escalate_referrals", stdout=out)
    return out.getvalue().strip()


def _overdue(region: Region) -> Referral:
    nurse = region.actor("nurse")
    service = Service.objects.get(name="Adult social care assessment")
    service.manager = region.role_profile("social_worker")
    service.save(update_fields=["manager"])
    referral = send_referral(
        actor=nurse,
        referral=draft_referral(
            actor=nurse, person=region.margaret, service=service, reason="Needs help washing."
        ),
    )
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.now() - timedelta(hours=1))
    return referral


def test_an_overdue_referral_is_escalated_once(region: Region) -> None:
    _run()  # anything the demo region left overdue
    referral = _overdue(region)
    assert _run() == "Escalated 1 overdue referral(s)."
    referral.refresh_from_db()
    assert referral.escalated_at is not None
    told = Notification.objects.filter(
        kind=NotificationKind.REFERRAL_OVERDUE, link__contains=str(referral.pk)
    )
    assert {n.role_profile_id for n in told} >= {
        region.role_profile("social_worker").pk,
        region.role_profile("nurse").pk,
    }
    assert _run() == "Escalated 0 overdue referral(s)."


def test_with_every_it_keeps_running(region: Region) -> None:
    _run()
    _overdue(region)
    out = StringIO()
    with (
        mock.patch("time.sleep", side_effect=[None, KeyboardInterrupt]) as sleep,
        pytest.raises(KeyboardInterrupt),
    ):
        call_command("escalate_referrals", every=60, stdout=out)
    # Quiet when there is nothing to escalate, unless asked to be verbose.
    assert out.getvalue().strip() == "Escalated 1 overdue referral(s)."
    assert sleep.call_args_list == [mock.call(60), mock.call(60)]
