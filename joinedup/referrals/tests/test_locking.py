"""Changes to referrals take turns only where they must, on PostgreSQL (SQLite writes one
transaction at a time anyway, so these are skipped there).

While Sam (social worker at the council) is part-way through a change to one referral to the
council's adult social care assessment, a colleague changing another referral to the same
service goes ahead at once; changing the same referral, or accepting another referral of the
same person (both may add someone to her care team), waits its turn. "Waits" is seen as the
second connection giving up after a short lock timeout."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection, transaction

from joinedup.conftest import Region
from joinedup.directory.models import Service
from joinedup.people.models import Person
from joinedup.referrals.models import Referral, ReferralStatus
from joinedup.referrals.services import (
    ItemChoice,
    draft_referral,
    respond_to_referral,
    send_referral,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite has none"
    ),
]

S = ReferralStatus
ASSESSMENT = "Adult social care assessment"
WAIT = "1s"  # how long the second connection waits for a lock before giving up


def _sent(region: Region, person: Person) -> Referral:
    """Nadia's referral of the person to the council's assessment service, sent."""
    draft = draft_referral(
        actor=region.actor("nurse"),
        person=person,
        service=Service.objects.get(name=ASSESSMENT),
        reason="Struggling with washing and dressing since a fall.",
        items=[ItemChoice("communication")],
    )
    return send_referral(actor=region.actor("nurse"), referral=draft)


def _accepted(region: Region, person: Person) -> Referral:
    return respond_to_referral(
        actor=region.actor("social_worker"), referral=_sent(region, person), status=S.ACCEPTED
    )


def _meanwhile(work: Callable[[], object]) -> BaseException | None:
    """Run `work` in its own transaction on a second connection, giving up on any lock after
    WAIT; what went wrong, or None if it went through."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{WAIT}'")
                work()
        except BaseException as error:  # handed back to the test, which says what it was
            failed.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the second connection never finished"
    return failed[0] if failed else None


def _waited(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError) and "lock timeout" in str(error)


def test_changes_to_two_referrals_of_one_service_do_not_wait_for_each_other(
    region: Region,
) -> None:
    first = _accepted(region, region.margaret)
    second = _accepted(region, region.margaret)
    assert first.service_id == second.service_id
    with transaction.atomic():
        respond_to_referral(
            actor=region.actor("social_worker"), referral=first, status="in_progress"
        )
        error = _meanwhile(
            lambda: respond_to_referral(
                actor=region.actor("social_worker"),
                referral=second,
                status=S.ON_HOLD,
                reason="Margaret is in hospital for a few days.",
            )
        )
    assert error is None, f"the change to the other referral waited: {error}"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.IN_PROGRESS, S.ON_HOLD)


def test_accepting_referrals_of_two_people_to_one_service_do_not_wait_for_each_other(
    region: Region,
) -> None:
    margarets, fatimas = _sent(region, region.margaret), _sent(region, region.fatima)
    with transaction.atomic():
        respond_to_referral(
            actor=region.actor("social_worker"), referral=margarets, status="accepted"
        )
        error = _meanwhile(
            lambda: respond_to_referral(
                actor=region.actor("social_worker"), referral=fatimas, status=S.ACCEPTED
            )
        )
    assert error is None, f"accepting Fatima's referral waited for Margaret's: {error}"
    assert Referral.objects.get(pk=fatimas.pk).status == S.ACCEPTED


def test_two_changes_to_one_referral_take_turns(region: Region) -> None:
    referral = _accepted(region, region.margaret)
    with transaction.atomic():
        respond_to_referral(
            actor=region.actor("social_worker"), referral=referral, status=S.IN_PROGRESS
        )
        error = _meanwhile(
            lambda: respond_to_referral(
                actor=region.actor("social_worker"),
                referral=referral,
                status=S.ON_HOLD,
                reason="Margaret is in hospital for a few days.",
            )
        )
    assert _waited(error), f"the second change to the same referral did not wait: {error}"
    referral.refresh_from_db()
    assert referral.status == S.IN_PROGRESS
    assert referral.changes.count() == 4


def test_accepting_two_referrals_of_one_person_takes_turns_at_her_care_team(
    region: Region,
) -> None:
    first, second = _sent(region, region.margaret), _sent(region, region.margaret)
    with transaction.atomic():
        respond_to_referral(actor=region.actor("social_worker"), referral=first, status="accepted")
        error = _meanwhile(
            lambda: respond_to_referral(
                actor=region.actor("social_worker"), referral=second, status=S.ACCEPTED
            )
        )
    assert _waited(error), f"the second acceptance did not wait for the first: {error}"
    assert Referral.objects.get(pk=second.pk).status == S.REQUESTED
