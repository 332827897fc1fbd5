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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection

from joinedup.audit.models import AuditEvent, AuditSeal

GENESIS = "0" * 64
ANCHOR_PREFIX = "joinedup-audit-anchor:v1"
CHAINED_FIELDS = (
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
    return canonical_of(tuple(getattr(event, name) for name in CHAINED_FIELDS))


def canonical_of(values: Sequence[Any]) -> str:
    """`canonical` for an event read as a plain row: its values in `CHAINED_FIELDS` order, as Django
    gives them (`values_list`), so that checking and sealing need no model instances."""
    content: dict[str, object] = {}
    for name, value in zip(CHAINED_FIELDS, values, strict=True):
        if name == "occurred_at":
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        elif name == "categories":
            value = [str(item) for item in value]
        elif value is not None:
            value = str(value)
        content[name] = value
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_digest(previous: str, event: AuditEvent) -> str:
    return digest_of(previous, canonical(event))


def digest_of(previous: str, canonical_text: str) -> str:
    return hashlib.sha256(f"{previous}\n{canonical_text}".encode()).hexdigest()


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


# A seal as checked: position, event id, previous digest, digest, and whether the digest holds
# for the event's content now (None when only the Python canonical form can say).
_Link = tuple[int, int, str, str, bool | None]


def _links(batch: int) -> Iterator[_Link]:
    # Plain rows in position order, a batch at a time (keyset, not OFFSET), so a chain of
    # millions is checked fast and in bounded memory.
    after = 0
    while True:
        page = _pg_page(after, batch) if connection.vendor == "postgresql" else _page(after, batch)
        if not page:
            return
        yield from page
        after = page[-1][0]


def _page(after: int, batch: int) -> list[_Link]:
    rows = (
        AuditSeal.objects.filter(position__gt=after)
        .order_by("position")
        .values_list(
            "position",
            "event_id",
            "previous_digest",
            "digest",
            *(f"event__{name}" for name in CHAINED_FIELDS),
        )[:batch]
    )
    return [
        (row[0], row[1], row[2], row[3], digest_of(row[2], canonical_of(row[4:])) == row[3])
        for row in rows
    ]


def _json_text(column: str) -> str:
    # PostgreSQL escapes a JSON string exactly as Python's json.dumps(ensure_ascii=False) does:
    # \" \\ \b \f \n \r \t, other control characters as \u00xx, everything else as it is.
    return f"to_json(e.{column})::text"


def _json_id(column: str) -> str:
    return f"coalesce('\"' || e.{column}::text || '\"', 'null')"


# `canonical` rendered by PostgreSQL itself, so the database hashes each event where it lies
# (in parallel workers) and sends back one flag instead of the whole row. It is always valid JSON
# for the event's content as stored, byte for byte `canonical`'s text for every event sealed by
# joinedup (test_chain_at_volume checks awkward text, nulls, times and lists); so a match here
# means `canonical` matches too, and a mismatch is checked again with `canonical` before the
# event is called changed.
_PG_CANONICAL = " || ".join(
    [
        "'{\"action\":'",
        _json_text("action"),
        "',\"actor_label\":'",
        _json_text("actor_label"),
        "',\"basis\":'",
        _json_text("basis"),
        "',\"categories\":'",
        # jsonb prints a list as ["a", "b"]. An unescaped quote, comma, space, quote only ever
        # sits between two strings (a quote inside one is escaped), so this gives ["a","b"].
        "replace(e.categories::text, '\", \"', '\",\"')",
        "',\"channel\":'",
        _json_text("channel"),
        "',\"id\":\"' || e.id::text || '\"'",
        "',\"occurred_at\":\"' || to_char(e.occurred_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00\"'",
        "',\"organisation_id\":'",
        _json_id("organisation_id"),
        "',\"outcome\":'",
        _json_text("outcome"),
        "',\"person_id\":'",
        _json_id("person_id"),
        "',\"purpose\":'",
        _json_text("purpose"),
        "',\"reason\":'",
        _json_text("reason"),
        "',\"role_profile_id\":'",
        _json_id("role_profile_id"),
        "',\"target_id\":'",
        _json_text("target_id"),
        "',\"target_type\":'",
        _json_text("target_type"),
        "',\"user_id\":'",
        _json_id("user_id"),
        "'}'",
    ]
)


# Built once from this module's constants and the models' table names; no outside text in it.
_PG_PAGE = (
    "SELECT s.position, s.event_id, s.previous_digest, s.digest, "  # noqa: S608 - see above
    "encode(sha256(convert_to(s.previous_digest || E'\\n' || "
    f"{_PG_CANONICAL}, 'UTF8')), 'hex') = s.digest "
    f"FROM {AuditSeal._meta.db_table} s JOIN {AuditEvent._meta.db_table} e "
    "ON e.id = s.event_id WHERE s.position > %s ORDER BY s.position LIMIT %s"
)


def _pg_page(after: int, batch: int) -> list[_Link]:
    with connection.cursor() as cursor:
        cursor.execute(_PG_PAGE, [after, batch])
        return list(cursor.fetchall())


def _holds(event_id: int, previous: str, digest: str) -> bool:
    # The last word on one event: its model instance through `canonical`, as when it was sealed.
    event = AuditEvent.objects.filter(pk=event_id).first()
    return event is not None and chain_digest(previous, event) == digest


def verify_chain(*, anchor: Head | None = None, batch: int = 50000) -> Verdict:
    """Check every seal from the first: positions without gaps, each seal pointing at the one
    before, and each digest matching the event's content now. With an anchor, also check that
    the chain still reaches the anchored head with the same digest (a cut tail fails here)."""
    previous = GENESIS
    expected_position = 1
    checked = 0
    reached_anchor = anchor is None or anchor.position == 0
    for position, event_id, previous_digest, digest, holds in _links(batch):
        where = f"audit event {event_id} (position {position})"
        if position != expected_position:
            return Verdict(
                False,
                checked,
                0,
                f"The chain has a gap before {where}: position {expected_position} is missing, "
                "so an event was removed.",
            )
        if previous_digest != previous:
            return Verdict(
                False,
                checked,
                0,
                f"{where} does not follow the event before it: events were removed or reordered.",
            )
        if not holds and not _holds(event_id, previous, digest):
            return Verdict(False, checked, 0, f"{where} was changed after it was sealed.")
        if anchor is not None and position == anchor.position:
            if digest != anchor.digest:
                return Verdict(
                    False,
                    checked,
                    0,
                    f"{where} does not match the anchor: the chain was rewritten.",
                )
            reached_anchor = True
        previous = digest
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
