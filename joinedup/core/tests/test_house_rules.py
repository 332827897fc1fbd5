"""House rules from STYLE.md that a tool can check: person data is reached only through the
scoped selectors and services, never by a view, API or command querying the models itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
PERSON_MODELS = (
    "Person",
    "AboutMe",
    "Relationship",
    "LastingPowerOfAttorney",
    "PossibleDuplicate",
    "CareTeamMember",
    "CareTeamChange",
    "AuditEvent",
    "RecordEntry",
    "ConsentDecision",
    "Disclosure",
    "BreakGlass",
    "PrivacyAlert",
    "CarePlan",
    "Goal",
    "PlanAction",
    "PlanNeed",
    "Decision",
    "InformedChoice",
    "PlanReview",
)
DIRECT_QUERY = re.compile(r"\b(" + "|".join(PERSON_MODELS) + r")\.objects\b")
# The interfaces: they must ask selectors and services (which ask the access policy).
INTERFACE_FILES = ("views.py", "api.py", "forms.py")


def _interface_files() -> list[Path]:
    files = [path for name in INTERFACE_FILES for path in PACKAGE.rglob(name)]
    # Apps that split their pages or forms into packages (sharing/views/, sharing/forms/).
    files += [
        path
        for folder in ("views", "forms")
        for path in PACKAGE.glob(f"*/{folder}/*.py")
        if path.name != "__init__.py"
    ]
    commands = [
        path
        for path in PACKAGE.glob("*/management/commands/*.py")
        if path.parent.parent.parent.name != "demo"  # the region generator writes in bulk
    ]
    return sorted(path for path in files + commands if "tests" not in path.parts)


def test_there_are_interface_files_to_check() -> None:
    assert _interface_files(), "the rule below would pass vacuously"


@pytest.mark.parametrize(
    "path", _interface_files(), ids=lambda path: str(path.relative_to(PACKAGE))
)
def test_interfaces_never_query_person_data_directly(path: Path) -> None:
    offending = [
        f"{path.name}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if DIRECT_QUERY.search(line)
    ]
    assert not offending, "Use a selector or service instead:\n" + "\n".join(offending)


def test_the_rule_catches_a_direct_query() -> None:
    assert DIRECT_QUERY.search("people = Person.objects.filter(family_name='Price')")
    assert not DIRECT_QUERY.search("people = people_visible_to(actor)")
