"""The audit trail's hash chain: how an event is fingerprinted, and how the chain is checked.

Each sealed event has a position (1, 2, 3, …) and a digest:

    digest = SHA-256(previous digest + "\n" + the event's canonical JSON)

with sixty-four zeros before the first. Changing any field of a sealed event, removing one,
or swapping two changes a digest that later ones depend on, and `verify_chain` names the first
event where the chain no longer holds. A tail cut off the end leaves a shorter chain that is
still consistent, so the head (position and digest, from `joinedup anchor-audit`) is kept
somewhere else and checked with `verify-audit --anchor`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

from joinedup.audit.models import AuditEvent, AuditSeal

GENESIS = "0" * 64
ANCHOR_PREFIX = "joinedup-audit-anchor:v1"
_FIELDS = (
    "id",
    "occurred_at",
    "user_id",
    "actor_label",
    "role_profile_id",
    "organisation_id",
    "action",
    "target_type",
    "target_id",
    "person_id",
    "categories",
    "purpose",
    "basis",
    "outcome",
    "reason",
    "channel",
)


def canonical(event: AuditEvent) -> str:
    """The event's content as one JSON text that does not depend on the database: keys sorted,
    times in UTC to the microsecond, identifiers as strings."""
    content: dict[str, object] = {}
    for name in _FIELDS:
        value = getattr(event, name)
        if name == "occurred_at":
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        elif name == "categories":
            value = [str(item) for item in value]
        elif value is not None:
            value = str(value)
        content[name] = value
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_digest(previous: str, event: AuditEvent) -> str:
    return hashlib.sha256(f"{previous}\n{canonical(event)}".encode()).hexdigest()


@dataclass(frozen=True)
class Head:
    """The end of the chain: how many events are sealed and the last digest."""

    position: int
    digest: str

    def anchor(self) -> str:
        return f"{ANCHOR_PREFIX}:{self.position}:{self.digest}"

    @classmethod
    def from_anchor(cls, text: str) -> Head:
        prefix, _, rest = text.strip().rpartition(":")
        head, _, position = prefix.rpartition(":")
        if head != ANCHOR_PREFIX or not position.isdigit() or len(rest) != 64:
            raise ValueError(
                f"An anchor looks like {ANCHOR_PREFIX}:<count>:<64 hex digits>, "
                "as printed by `joinedup anchor-audit`."
            )
        return cls(position=int(position), digest=rest)


def current_head() -> Head:
    last = AuditSeal.objects.order_by("-position").first()
    return Head(0, GENESIS) if last is None else Head(last.position, last.digest)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    unsealed: int
    problem: str = ""


def _seals(batch: int) -> Iterator[AuditSeal]:
    # Position order, a batch at a time, so a chain of millions is checked in bounded memory.
    after = 0
    while True:
        page = list(
            AuditSeal.objects.filter(position__gt=after)
            .select_related("event")
            .order_by("position")[:batch]
        )
        if not page:
            return
        yield from page
        after = page[-1].position


def verify_chain(*, anchor: Head | None = None, batch: int = 2000) -> Verdict:
    """Check every seal from the first: positions without gaps, each seal pointing at the one
    before, and each digest matching the event's content now. With an anchor, also check that
    the chain still reaches the anchored head with the same digest (a cut tail fails here)."""
    previous = GENESIS
    expected_position = 1
    checked = 0
    reached_anchor = anchor is None or anchor.position == 0
    for seal in _seals(batch):
        event = seal.event
        where = f"audit event {seal.event_id} (position {seal.position})"
        if seal.position != expected_position:
            return Verdict(
                False,
                checked,
                0,
                f"The chain has a gap before {where}: position {expected_position} is missing, "
                "so an event was removed.",
            )
        if seal.previous_digest != previous:
            return Verdict(
                False,
                checked,
                0,
                f"{where} does not follow the event before it: events were removed or reordered.",
            )
        if chain_digest(previous, event) != seal.digest:
            return Verdict(False, checked, 0, f"{where} was changed after it was sealed.")
        if anchor is not None and seal.position == anchor.position:
            if seal.digest != anchor.digest:
                return Verdict(
                    False,
                    checked,
                    0,
                    f"{where} does not match the anchor: the chain was rewritten.",
                )
            reached_anchor = True
        previous = seal.digest
        expected_position += 1
        checked += 1
    if not reached_anchor:
        assert anchor is not None  # noqa: S101 - reached_anchor starts True without one
        return Verdict(
            False,
            checked,
            0,
            f"The chain ends at position {checked} but the anchor names position "
            f"{anchor.position}: events were cut off the end.",
        )
    unsealed = AuditEvent.objects.filter(seal__isnull=True).count()
    return Verdict(True, checked, unsealed)
