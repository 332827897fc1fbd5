"""The audit trail's hash chain: sealed events cannot be changed, removed, reordered or cut off
the end without `joinedup verify-audit` saying so and naming where."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from joinedup.audit.chain import Head, current_head, verify_chain
from joinedup.audit.models import AuditEvent, AuditSeal
from joinedup.audit.services import record_event, seal_pending_events
from joinedup.conftest import Region
from joinedup.people.selectors import get_person_for


def _reads(region: Region, count: int) -> list[AuditEvent]:
    """The nurse opens Margaret's record `count` times: one audit event each."""
    before = AuditEvent.objects.count()
    for _ in range(count):
        get_person_for(region.actor("nurse"), region.margaret.pk)
    return list(AuditEvent.objects.order_by("id")[before:])


def _verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def _remove(event: AuditEvent) -> None:
    # What someone with the database's keys could do, bypassing joinedup.
    AuditSeal.objects.filter(event=event).delete()
    event.delete()


def test_sealed_events_verify_and_newer_ones_are_counted_as_waiting(region: Region) -> None:
    _reads(region, 3)
    sealed = seal_pending_events()
    assert sealed >= 3
    assert seal_pending_events() == 0  # nothing twice

    _reads(region, 2)

    report = _verify()
    assert f"{sealed:,} sealed event(s) checked" in report
    assert "2 newer event(s) not sealed yet" in report
    assert seal_pending_events() == 2
    assert list(AuditSeal.objects.values_list("position", flat=True)) == list(range(1, sealed + 3))


def test_sealing_in_small_batches_builds_the_same_chain(region: Region) -> None:
    _reads(region, 5)
    seal_pending_events(batch=2)
    assert verify_chain().ok


def test_a_changed_event_is_named(region: Region) -> None:
    events = _reads(region, 4)
    seal_pending_events()
    AuditEvent.objects.filter(pk=events[1].pk).update(reason="nothing to see here")

    with pytest.raises(CommandError, match=rf"audit event {events[1].pk} .* was changed after"):
        _verify()


def test_a_removed_event_is_detected(region: Region) -> None:
    events = _reads(region, 4)
    seal_pending_events()
    _remove(events[1])

    with pytest.raises(CommandError, match="an event was removed"):
        _verify()


def test_reordered_events_are_detected(region: Region) -> None:
    events = _reads(region, 4)
    seal_pending_events()
    first, second = (AuditSeal.objects.get(event=e) for e in events[1:3])
    # Swap their places in the chain, keeping each seal's own digest.
    AuditSeal.objects.filter(pk=first.pk).update(position=-1)
    AuditSeal.objects.filter(pk=second.pk).update(position=first.position)
    AuditSeal.objects.filter(pk=first.pk).update(position=second.position)

    verdict = verify_chain()
    assert not verdict.ok
    assert f"audit event {second.event_id}" in verdict.problem


def test_a_cut_tail_passes_alone_but_fails_against_the_anchor(region: Region) -> None:
    events = _reads(region, 3)
    seal_pending_events()
    out = io.StringIO()
    call_command("anchor_audit", stdout=out)
    anchor = out.getvalue().strip()
    assert Head.from_anchor(anchor) == current_head()
    assert "up to and including the anchor" in _verify("--anchor", anchor)

    _remove(events[-1])

    assert verify_chain().ok  # consistent as far as it goes...
    with pytest.raises(CommandError, match="cut off the end"):
        _verify("--anchor", anchor)  # ...but shorter than the anchored head


def test_a_rewritten_chain_does_not_match_the_anchor(region: Region) -> None:
    _reads(region, 2)
    seal_pending_events()
    head = current_head()
    forged = Head(head.position, "f" * 64)

    verdict = verify_chain(anchor=forged)

    assert not verdict.ok
    assert "does not match the anchor" in verdict.problem


def test_a_malformed_anchor_is_explained(db: None) -> None:
    with pytest.raises(CommandError, match="as printed by `joinedup anchor-audit`"):
        _verify("--anchor", "not-an-anchor")


def test_an_empty_trail_is_intact(db: None) -> None:
    AuditSeal.objects.all().delete()
    assert verify_chain().ok
    assert current_head() == Head(0, "0" * 64)


def test_denied_reads_are_chained_like_any_other(region: Region) -> None:
    record_event(
        actor=region.actor("outsider"),
        action="person.view",
        target_type="Person",
        target_id=region.margaret.pk,
        person=region.margaret,
        allowed=False,
        reason="No basis",
    )
    seal_pending_events()
    denied = AuditEvent.objects.filter(outcome="denied").latest("id")
    assert AuditSeal.objects.filter(event=denied).exists()
    assert verify_chain().ok
