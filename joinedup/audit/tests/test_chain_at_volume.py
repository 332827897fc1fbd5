"""Checking the hash chain reads plain rows in large batches (and on PostgreSQL lets the database
hash each event where it lies). These tests hold that fast path to the same answers as checking
event by event: one changed event deep in a long chain is still named, batch edges hide nothing,
and awkward text hashes exactly as it was sealed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection

from joinedup.audit import chain, services
from joinedup.audit.chain import canonical, canonical_of, verify_chain
from joinedup.audit.models import AuditEvent, AuditSeal
from joinedup.audit.services import record_event, record_events_in_bulk, seal_pending_events
from joinedup.conftest import Region

AWKWARD = (
    'She said "no", then left\\ the ward.',
    "".join(chr(code) for code in range(1, 32)) + "\x7f",
    "Zoë's café — £5 😀 \u2028 line\u2029 end",
    "",
)


def _long_chain(region: Region, count: int) -> list[int]:
    """`count` sealed events (the nurse viewing Margaret's record), oldest first, as event ids."""
    record_events_in_bulk(
        actor=region.actor("nurse"),
        action="person.view",
        target_type="Person",
        people=[region.margaret] * count,
        reason="Home visit",
    )
    seal_pending_events()
    return list(AuditSeal.objects.order_by("position").values_list("event_id", flat=True))


def test_one_changed_event_deep_in_a_long_chain_is_named(region: Region) -> None:
    events = _long_chain(region, 600)
    changed = events[len(events) // 2]
    AuditEvent.objects.filter(pk=changed).update(reason="Nothing to see here")

    verdict = verify_chain(batch=128)

    assert not verdict.ok
    assert verdict.problem.startswith(f"audit event {changed} ")
    assert "was changed after it was sealed" in verdict.problem
    assert verdict.checked == events.index(changed)  # everything before it was checked and held


@pytest.mark.parametrize("batch", [1, 2, 7, 10, 11, 50_000])
def test_every_batch_size_checks_the_whole_chain(region: Region, batch: int) -> None:
    events = _long_chain(region, 20)

    verdict = verify_chain(batch=batch)

    assert verdict.ok
    assert verdict.checked == len(events)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_change_either_side_of_a_batch_edge_is_named(region: Region, offset: int) -> None:
    events = _long_chain(region, 30)
    changed = events[10 + offset]  # batches of 10: positions 10 and 11 sit either side of an edge
    AuditEvent.objects.filter(pk=changed).update(target_type="Something else")

    verdict = verify_chain(batch=10)

    assert not verdict.ok
    assert f"audit event {changed} " in verdict.problem


def test_an_event_removed_at_a_batch_edge_leaves_a_gap(region: Region) -> None:
    events = _long_chain(region, 30)
    removed = events[10]  # position 11: the first of the second batch of 10
    AuditSeal.objects.filter(event_id=removed).delete()
    AuditEvent.objects.filter(pk=removed).delete()

    verdict = verify_chain(batch=10)

    assert not verdict.ok
    assert "position 11 is missing" in verdict.problem


def test_an_event_removed_deep_in_a_batch_leaves_a_gap(region: Region) -> None:
    events = _long_chain(region, 300)
    removed = events[149]  # position 150, in the middle of the one batch
    AuditSeal.objects.filter(event_id=removed).delete()
    AuditEvent.objects.filter(pk=removed).delete()

    verdict = verify_chain(batch=50_000)

    assert not verdict.ok
    assert "position 150 is missing" in verdict.problem
    assert verdict.checked == 149


@pytest.mark.parametrize(
    ("count", "first", "batch"),
    [(30, 9, 10), (300, 99, 50_000)],
    ids=["across a batch edge", "deep in a batch"],
)
def test_two_events_swapped_are_detected(
    region: Region, count: int, first: int, batch: int
) -> None:
    events = _long_chain(region, count)
    one, other = (AuditSeal.objects.get(event_id=e) for e in events[first : first + 2])
    AuditSeal.objects.filter(pk=one.pk).update(position=-1)
    AuditSeal.objects.filter(pk=other.pk).update(position=one.position)
    AuditSeal.objects.filter(pk=one.pk).update(position=other.position)

    verdict = verify_chain(batch=batch)

    assert not verdict.ok
    assert f"audit event {other.event_id} (position {first + 1}) does not follow" in verdict.problem
    assert verdict.checked == first


def _awkward_events(region: Region) -> list[AuditEvent]:
    nurse, outsider = region.actor("nurse"), region.actor("outsider")
    events = [
        record_event(
            actor=nurse,
            action="person.view",
            target_type="Person",
            target_id=text,
            person=region.margaret,
            reason=text,
            categories=[text, 'a", "b', "general"],
        )
        for text in AWKWARD
    ]
    events.append(record_event(actor=outsider, action="search", target_type="Person"))
    events.append(
        record_event(actor=nurse, action="person.view", target_type="Person", categories=[])
    )
    # A time sealed in another zone, on a whole second (no microseconds to print).
    odd_time = record_event(actor=nurse, action="person.view", target_type="Person")
    AuditEvent.objects.filter(pk=odd_time.pk).update(
        occurred_at=datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=1)))
    )
    events.append(odd_time)
    return [AuditEvent.objects.get(pk=event.pk) for event in events]


def test_awkward_text_seals_and_checks_the_same_as_one_event_at_a_time(region: Region) -> None:
    events = _awkward_events(region)
    seal_pending_events(batch=3)

    for event in events:
        seal = AuditSeal.objects.get(event=event)
        assert seal.digest == chain.chain_digest(seal.previous_digest, event)
    assert verify_chain(batch=4).ok


def test_a_plain_row_gives_the_same_canonical_text_as_the_event(region: Region) -> None:
    events = _awkward_events(region)
    fields = list(chain.CHAINED_FIELDS)

    for event in events:
        row = AuditEvent.objects.filter(pk=event.pk).values_list(*fields).get()
        assert canonical_of(row) == canonical(event)
    assert '"occurred_at":"2026-03-29T00:30:00.000000+00:00"' in canonical(events[-1])


def test_postgresql_renders_each_event_exactly_as_python_does(region: Region) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Only PostgreSQL hashes events itself; set DATABASE_URL=postgres://...")
    events = _awkward_events(region)

    with connection.cursor() as cursor:
        for event in events:
            cursor.execute(
                f"SELECT {chain._PG_CANONICAL} FROM {AuditEvent._meta.db_table} e "  # noqa: S608
                "WHERE e.id = %s",
                [event.pk],
            )
            assert cursor.fetchone() == (canonical(event),)
    seal_pending_events()
    # ...so the database's own check holds for every one, with no event left for Python to redo.
    assert all(holds for *_, holds in chain._links(batch=4))
    assert verify_chain(batch=4).ok


def test_categories_postgresql_cannot_render_are_checked_by_python(region: Region) -> None:
    # Not written by joinedup, but if a list ever held a number, the check must still hold.
    event = record_event(actor=region.actor("nurse"), action="person.view", target_type="Person")
    AuditEvent.objects.filter(pk=event.pk).update(categories=[1, "general"])
    seal_pending_events()

    assert verify_chain().ok

    AuditEvent.objects.filter(pk=event.pk).update(categories=["1", "general", "extra"])
    verdict = verify_chain()
    assert not verdict.ok
    assert f"audit event {event.pk} " in verdict.problem


def test_an_event_committed_late_behind_the_sealer_is_still_sealed(
    region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each batch of the sealer starts after the last event it sealed; an event from a slower
    # transaction that commits with a lower id in the meantime must not be left behind.
    for _ in range(4):
        record_event(actor=region.actor("nurse"), action="person.view", target_type="Person")
    insert = services._insert_seals
    late: list[AuditEvent] = []

    def insert_then_commit_a_late_event(
        seals: Sequence[tuple[int, int, str, str, str | None]],
    ) -> None:
        insert(seals)
        if not late:
            late.append(
                AuditEvent.objects.create(
                    id=0,
                    actor_label="Late writer",
                    action="person.view",
                    target_type="Person",
                    outcome="allowed",
                )
            )

    monkeypatch.setattr(services, "_insert_seals", insert_then_commit_a_late_event)
    sealed = seal_pending_events(batch=2)

    assert AuditSeal.objects.filter(event=late[0]).exists()
    assert not AuditEvent.objects.filter(seal__isnull=True).exists()
    assert sealed == AuditSeal.objects.count()
    assert verify_chain().ok
