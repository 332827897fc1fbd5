"""On PostgreSQL the database itself keeps the audit trail append-only: UPDATE, DELETE and TRUNCATE
of audit events and seals are refused, to joinedup and to anyone with a database login alike. A
superuser can still skip triggers; then the hash chain names the edited event, and the anchor shows
a cut tail.

The test suite's connections set joinedup.audit_maintenance (joinedup/settings/test.py) so that
flushes between live-server tests work; each test here turns it off for its own transaction."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import ProgrammingError, connection, transaction

from joinedup.audit.chain import verify_chain
from joinedup.audit.models import AuditEvent, AuditSeal
from joinedup.audit.services import record_event, seal_pending_events
from joinedup.conftest import Region
from joinedup.people.selectors import get_person_for

REFUSED = "the audit trail is append-only"


@pytest.fixture(autouse=True)
def _as_in_production(db: None) -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip(
            "The append-only triggers exist only on PostgreSQL; "
            "set DATABASE_URL=postgres://... to run these tests."
        )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL joinedup.audit_maintenance = 'off'")
    yield


def _sql(statement: str, params: Sequence[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _refused(statement: str, params: Sequence[Any] | None = None) -> str:
    """Run the statement in a savepoint, expecting the database to refuse it; the test's
    transaction carries on afterwards. Returns the database's message. (The trigger's RAISE is
    SQLSTATE P0001, which psycopg 3 reports as a ProgrammingError.)"""
    with pytest.raises(ProgrammingError, match=REFUSED) as refusal, transaction.atomic():
        _sql(statement, params)
    return str(refusal.value)


def _reads(region: Region, count: int) -> list[AuditEvent]:
    """The nurse opens Margaret's record `count` times: one audit event each."""
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for _ in range(count):
        get_person_for(region.actor("nurse"), region.margaret.pk)
    return list(AuditEvent.objects.filter(id__gt=before).order_by("id"))


def _skipping_triggers() -> None:
    # What a database superuser can do: replica mode skips ordinary triggers (and foreign keys).
    _sql("SET LOCAL session_replication_role = replica")


def _triggers_back_on() -> None:
    _sql("SET LOCAL session_replication_role = origin")


def _anchor() -> str:
    out = io.StringIO()
    call_command("anchor_audit", stdout=out)
    return out.getvalue().strip()


def _verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def test_editing_an_audit_event_is_refused(region: Region) -> None:
    [event] = _reads(region, 1)
    reason = event.reason

    message = _refused(
        "UPDATE audit_auditevent SET reason = 'nothing to see here' WHERE id = %s", [event.pk]
    )
    assert "UPDATE on audit_auditevent" in message
    with pytest.raises(ProgrammingError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="nothing to see here")

    event.refresh_from_db()
    assert event.reason == reason


def test_deleting_an_audit_event_is_refused(region: Region) -> None:
    [event] = _reads(region, 1)

    message = _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert "DELETE on audit_auditevent" in message
    with pytest.raises(ProgrammingError, match=REFUSED), transaction.atomic():
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_emptying_the_audit_tables_is_refused(region: Region) -> None:
    _reads(region, 2)
    seal_pending_events()
    events, seals = AuditEvent.objects.count(), AuditSeal.objects.count()
    # Django's foreign keys are checked at commit; PostgreSQL will not TRUNCATE a table with
    # checks still pending, so run them now and let the triggers be what refuses.
    _sql("SET CONSTRAINTS ALL IMMEDIATE")

    _refused("TRUNCATE audit_auditseal")
    _refused("TRUNCATE audit_auditevent CASCADE")
    _refused("TRUNCATE audit_auditseal, audit_auditevent")

    assert (AuditEvent.objects.count(), AuditSeal.objects.count()) == (events, seals)


def test_editing_or_removing_a_seal_is_refused(region: Region) -> None:
    _reads(region, 2)
    seal_pending_events()
    seal = AuditSeal.objects.order_by("-position").first()
    assert seal is not None

    message = _refused(
        "UPDATE audit_auditseal SET digest = %s WHERE event_id = %s", ["f" * 64, seal.event_id]
    )
    assert "UPDATE on audit_auditseal" in message
    message = _refused("DELETE FROM audit_auditseal WHERE event_id = %s", [seal.event_id])
    assert "DELETE on audit_auditseal" in message

    assert AuditSeal.objects.get(pk=seal.pk).digest == seal.digest
    assert verify_chain().ok


def test_recording_and_sealing_still_work(region: Region) -> None:
    event = record_event(
        actor=region.actor("outsider"),
        action="person.view",
        target_type="Person",
        target_id=region.margaret.pk,
        person=region.margaret,
        allowed=False,
        reason="No basis",
    )
    _reads(region, 2)

    assert seal_pending_events() >= 3
    assert AuditSeal.objects.filter(event=event).exists()
    assert "The audit trail is intact" in _verify()


def test_the_maintenance_setting_lets_changes_through(region: Region) -> None:
    # What the test suite's flushes rely on; the row really changes, it is not silently skipped.
    [kept, removed] = _reads(region, 2)
    _sql("SET LOCAL joinedup.audit_maintenance = 'on'")

    AuditEvent.objects.filter(pk=kept.pk).update(reason="changed in maintenance")
    removed.delete()

    kept.refresh_from_db()
    assert kept.reason == "changed in maintenance"
    assert not AuditEvent.objects.filter(pk=removed.pk).exists()


def test_a_superuser_skipping_triggers_is_caught_by_the_chain(region: Region) -> None:
    events = _reads(region, 4)
    seal_pending_events()
    edited = events[1]
    assert "The audit trail is intact" in _verify()

    _skipping_triggers()
    _sql("UPDATE audit_auditevent SET reason = 'nothing to see here' WHERE id = %s", [edited.pk])
    _triggers_back_on()

    edited.refresh_from_db()
    assert edited.reason == "nothing to see here"  # the edit went through...
    with pytest.raises(CommandError, match=rf"audit event {edited.pk} .* was changed after"):
        _verify()  # ...and the chain names it


def test_a_superuser_cutting_the_tail_is_caught_by_the_anchor(region: Region) -> None:
    events = _reads(region, 3)
    seal_pending_events()
    anchor = _anchor()
    cut = [event.pk for event in events[-2:]]

    _skipping_triggers()
    _sql("DELETE FROM audit_auditseal WHERE event_id = ANY(%s)", [cut])
    _sql("DELETE FROM audit_auditevent WHERE id = ANY(%s)", [cut])
    _triggers_back_on()

    assert not AuditEvent.objects.filter(pk__in=cut).exists()
    assert "The audit trail is intact" in _verify()  # consistent as far as it goes...
    with pytest.raises(CommandError, match="cut off the end"):
        _verify("--anchor", anchor)  # ...but shorter than the anchored head
