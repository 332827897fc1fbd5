"""The demo region's referrals, transfer of care and handovers (demo/referrals.py)."""

from __future__ import annotations

from joinedup.conftest import Region
from joinedup.directory.models import Service
from joinedup.handovers.models import Handover
from joinedup.referrals.models import Referral, ReferralKind, ReferralStatus

S = ReferralStatus


def test_every_service_has_a_manager_from_its_organisation(region: Region) -> None:
    services = list(Service.objects.select_related("manager"))
    assert services
    for service in services:
        assert service.manager is not None, service.name
        assert service.manager.organisation_id == service.organisation_id


def test_referrals_in_every_state(region: Region) -> None:
    referrals = list(Referral.objects.filter(kind=ReferralKind.REFERRAL))
    assert {r.status for r in referrals} >= set(S.values)
    requested = [r for r in referrals if r.status == S.REQUESTED]
    assert any(r.is_overdue() for r in requested) and any(not r.is_overdue() for r in requested)
    rejected = next(r for r in referrals if r.status == S.REJECTED)
    assert rejected.changes.get(status=S.REJECTED).reason
    completed = next(r for r in referrals if r.status == S.COMPLETED)
    assert completed.outcome_summary


def test_the_featured_people_have_no_referrals(region: Region) -> None:
    featured = [region.margaret, region.arthur, region.fatima]
    assert not Referral.objects.filter(person__in=featured).exists()


def test_a_hospital_discharge_waits_for_hollybank(region: Region) -> None:
    transfer = Referral.objects.get(kind=ReferralKind.TRANSFER)
    assert transfer.requester == region.role_profile("discharge")
    assert transfer.service.name == "Residential and nursing care"
    assert transfer.status == S.REQUESTED
    assert transfer.transfer_document.follow_up


def test_handovers_wait_for_and_from_the_nurse(region: Region) -> None:
    nadia = region.role_profile("nurse")
    waiting = Handover.objects.filter(acknowledged_at__isnull=True)
    assert waiting.filter(to_role=nadia).exists()
    assert waiting.filter(from_role=nadia).exists()
