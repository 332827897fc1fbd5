"""Who may be given a care-plan action: the action types table (action_types.toml) checked
against a practitioner's profession, verified registration and signed-off competencies, so care
is never delegated to someone unqualified."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from joinedup.directory.models import Practitioner, Profession, Regulator

ACTION_TYPES_FILE = Path(__file__).with_name("action_types.toml")


@dataclass(frozen=True)
class ActionType:
    code: str
    label: str
    professions: frozenset[str]
    registered: bool
    competencies: frozenset[str]


class ActionTypesError(ValueError):
    """The action types table names a profession the directory does not know."""


@cache
def action_types() -> dict[str, ActionType]:
    raw = tomllib.loads(ACTION_TYPES_FILE.read_text(encoding="utf-8"))
    known = set(Profession.values)
    types: dict[str, ActionType] = {}
    for code, entry in raw.get("types", {}).items():
        professions = frozenset(entry.get("professions", []))
        unknown = professions - known
        if unknown:
            raise ActionTypesError(f"{code}: unknown professions {sorted(unknown)}")
        types[code] = ActionType(
            code=code,
            label=str(entry["label"]),
            professions=professions,
            registered=bool(entry.get("registered", False)),
            competencies=frozenset(c.lower() for c in entry.get("competencies", [])),
        )
    return types


@dataclass(frozen=True)
class Fit:
    ok: bool
    reason: str


def fits(practitioner: Practitioner, action_type: str) -> Fit:
    """Whether this practitioner may be given an action of this type, and why (or why not)."""
    kind = action_types().get(action_type)
    if kind is None:
        return Fit(False, "Choose a type of action from the list.")
    held = {c.strip().lower() for c in practitioner.competencies or []}
    signed_off = sorted(held & kind.competencies)
    if signed_off:
        return Fit(True, f"Signed off for {signed_off[0]}.")
    profession = practitioner.get_profession_display().lower()
    if practitioner.profession not in kind.professions:
        return Fit(
            False,
            f"{practitioner.given_name} {practitioner.family_name} is a {profession}, and "
            f"\u201c{kind.label.lower()}\u201d needs "
            + _who_may(kind)
            + ". Choose someone qualified, or assign it to their organisation to allocate.",
        )
    if kind.registered and not _registration_verified(practitioner):
        return Fit(
            False,
            f"\u201c{kind.label}\u201d needs a verified professional registration, and "
            f"{practitioner.given_name} {practitioner.family_name}'s is not verified.",
        )
    return Fit(
        True, f"A {profession}" + (" with a verified registration." if kind.registered else ".")
    )


def _registration_verified(practitioner: Practitioner) -> bool:
    return (
        practitioner.regulator != Regulator.NONE
        and bool(practitioner.registration_number)
        and practitioner.registration_verified_at is not None
    )


def _who_may(kind: ActionType) -> str:
    labels = dict(Profession.choices)
    names = sorted(str(labels[p]).lower() for p in kind.professions)
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    qualifier = " with a verified registration" if kind.registered else ""
    extra = (
        f", or someone signed off for {' or '.join(sorted(kind.competencies))}"
        if kind.competencies
        else ""
    )
    return f"a {who}{qualifier}{extra}"
