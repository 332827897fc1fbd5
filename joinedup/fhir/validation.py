"""Checking a FHIR resource someone sent us, before anything reads it.

`validate` answers a list of issues, never raises, whatever it is given. It constructs the
resource with the fhir.resources R4B models (the structure: element names, types, cardinality,
choice types, date formats) and then adds what those models leave out: the code bindings and
reference target types in bindings.toml, and the Modulus 11 check of every NHS number. Each
issue (fhir/issues.py) names the element at fault as a FHIRPath-like expression
("Patient.identifier[0].value") and says what is wrong in plain English. docs/fhir.md,
"Validation", lists the checks."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from joinedup.core.identifiers import InvalidIdentifier, normalise_nhs_number
from joinedup.fhir.issues import Issue, error, from_model_error, kind_of, quoted, with_article
from joinedup.fhir.mapping import NHS_NUMBER_SYSTEM, Json
from joinedup.fhir.outcomes import fhir_response

__all__ = ["InvalidResource", "Issue", "errors_in", "invalid_response", "outcome", "validate"]

# Real resources nest a few dozen levels at most; far deeper input is junk, and the models
# would recurse until Python gives up.
MAX_DEPTH = 64
# Enough for anyone to fix what they sent; a resource broken everywhere gets a summary.
MAX_ISSUES = 50

_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_ABSTRACT = frozenset({"Resource", "DomainResource"})
_ID = r"[A-Za-z0-9\-.]{1,64}"
_LITERAL_REFERENCE = re.compile(
    rf"^(?:https?://\S+/)?(?P<type>[A-Z][A-Za-z]+)/{_ID}(?:/_history/{_ID})?$"
)
_URN_UUID = re.compile(r"^urn:uuid:[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_URN_OID = re.compile(r"^urn:oid:[0-2](?:\.(?:0|[1-9][0-9]*))+$")


class InvalidResource(Exception):
    """Raised by views that parse a body, carrying every issue found."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(issue.diagnostics for issue in issues))
        self.issues = issues


def errors_in(issues: list[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity in ("fatal", "error")]


def outcome(issues: list[Issue]) -> Json:
    """One OperationOutcome holding every issue."""
    return {"resourceType": "OperationOutcome", "issue": [issue.as_fhir() for issue in issues]}


def invalid_response(issues: list[Issue]) -> HttpResponse:
    """400 for a resource that is not valid (everything `validate` finds), 422 when every error
    is a broken business rule (`business-rule`: valid FHIR that joinedup's workflow refuses)."""
    errors = errors_in(issues)
    business = bool(errors) and all(issue.code == "business-rule" for issue in errors)
    return fhir_response(outcome(issues), status=422 if business else 400)


# -- the tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bindings:
    codes: Mapping[str, frozenset[str]]
    references: Mapping[str, tuple[str, ...]]
    # The same rows by parent element ("Task" → {"status": …}), so that the walk looks at an
    # object's keys only when some row is about them.
    codes_under: Mapping[str, Mapping[str, frozenset[str]]]
    references_under: Mapping[str, Mapping[str, tuple[str, ...]]]


def _under(rows: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    parents: dict[str, dict[str, Any]] = {}
    for element, value in rows.items():
        parent, name = element.rsplit(".", 1)
        parents.setdefault(parent, {})[name] = value
    return parents


@lru_cache(maxsize=1)
def bindings() -> Bindings:
    with (Path(__file__).parent / "bindings.toml").open("rb") as file:
        table = tomllib.load(file)
    codes = {element: frozenset(codes) for element, codes in table["codes"].items()}
    references = {element: tuple(types) for element, types in table["references"].items()}
    return Bindings(codes, references, _under(codes), _under(references))


def is_resource_type(name: str) -> bool:
    """Whether `name` is a FHIR resource (not a data type, not an abstract base)."""
    if not _TYPE_NAME.match(name) or name in _ABSTRACT:
        return False
    try:
        model = get_fhir_model_class(name)
    except ValueError:
        return False
    return issubclass(model, Resource)


# -- validate -------------------------------------------------------------------------------


def validate(
    resource: object, expected_type: str | None = None, *, in_bundle: bool = False
) -> list[Issue]:
    """Every problem with `resource` (parsed JSON), or [] when it is fine.

    `expected_type`: the resource type the address takes (Task for PUT /Task/{id}).
    `in_bundle`: the resource came in a Bundle, where references may be `urn:uuid:` full URLs
    of other entries (inside a Bundle being validated, they always may)."""
    where = expected_type or "Resource"
    if not isinstance(resource, dict):
        return [
            error(
                "structure",
                f"Send one FHIR resource as a JSON object ({{…}}), not {kind_of(resource)}.",
                where,
            )
        ]
    problem = _resource_type_problem(resource.get("resourceType"), expected_type)
    if problem:
        return [problem]
    resource_type = str(resource["resourceType"])
    if _depth(resource) > MAX_DEPTH:
        return [
            error(
                "structure",
                f"The {resource_type} is nested more than {MAX_DEPTH} levels deep, which no "
                "real resource is. Check how it was put together.",
                resource_type,
            )
        ]
    walked = _Walk(resource, in_bundle=in_bundle or resource_type == "Bundle")
    walked.run()
    issues = walked.issues if walked.unreadable else _structure(resource) + walked.issues
    return _capped(issues)


def _resource_type_problem(given: object, expected: str | None) -> Issue | None:
    where = f"{expected}.resourceType" if expected else "resourceType"
    if given is None or given == "":
        wanted = f'"{expected}"' if expected else 'the kind of resource, such as "Patient"'
        return error("required", f"Give resourceType: {wanted}.", where)
    if not isinstance(given, str):
        return error("structure", 'resourceType must be text, such as "Task".', where)
    if not is_resource_type(given):
        return error("not-supported", f"There is no FHIR resource called {quoted(given)}.", where)
    if expected and given != expected:
        return error(
            "invalid",
            f"This address takes {with_article(expected)} resource, but this is {with_article(given)}.",
            where,
        )
    return None


def _depth(value: object) -> int:
    """How deep the JSON nests, counting each object and list, without recursing."""
    deepest = 0
    stack: list[tuple[dict[Any, Any] | list[Any], int]] = []
    if isinstance(value, dict | list):
        stack.append((value, 1))
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _capped(issues: list[Issue]) -> list[Issue]:
    if len(issues) <= MAX_ISSUES:
        return issues
    more = len(issues) - MAX_ISSUES + 1
    return [
        *issues[: MAX_ISSUES - 1],
        error("too-costly", f"There are {more} more problems, not listed here."),
    ]


# -- the fhir.resources models ----------------------------------------------------------------


def _structure(resource: Json) -> list[Issue]:
    resource_type = str(resource["resourceType"])
    try:
        get_fhir_model_class(resource_type).model_validate(resource)
    except ValidationError as invalid:
        return [from_model_error(detail, resource_type) for detail in invalid.errors()]
    except (RecursionError, MemoryError):
        return [error("too-costly", f"The {resource_type} is too complex to check.", None)]
    except Exception:
        # The library can trip over input it was never meant to see; the sender still gets
        # an answer about their resource rather than a server error.
        return [
            error(
                "structure",
                f"The {resource_type} could not be read as FHIR R4. Check it against the "
                "specification.",
                resource_type,
            )
        ]
    return []


# -- what the models leave out -------------------------------------------------------------


def _element(path: str, name: str) -> str:
    """The element path without indices; a repeat of the same element inside itself
    (Consent.provision.provision) is the same element for the tables."""
    if path.rsplit(".", 1)[-1] == name:
        return path
    return f"{path}.{name}"


class _Walk:
    """One pass over the resource checking codes, references and NHS numbers everywhere,
    contained resources and Bundle entries included."""

    def __init__(self, resource: Json, *, in_bundle: bool):
        self.root = resource
        self.in_bundle = in_bundle
        self.tables = bindings()
        self.issues: list[Issue] = []
        # A contained or entry resource of no known type stops the models being used at all.
        self.unreadable = False

    def run(self) -> None:
        resource_type = str(self.root["resourceType"])
        for node, expression, element, owner in self._nodes(
            self.root, resource_type, resource_type, self.root
        ):
            self._check(node, expression, element, owner)

    def _nodes(
        self, node: Json, expression: str, element: str, owner: Json
    ) -> Iterator[tuple[Json, str, str, Json]]:
        """Every object in the resource, with its expression, its element path and the
        resource whose contained resources a local reference (#id) inside it means."""
        yield node, expression, element, owner
        for name, value in node.items():
            if not isinstance(name, str):
                continue
            items = enumerate(value) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                if not isinstance(item, dict):
                    continue
                where = f"{expression}.{name}" + ("" if index is None else f"[{index}]")
                inner, inner_owner = _element(element, name), owner
                if "resourceType" in item:
                    nested = self._nested_type(item.get("resourceType"), where)
                    if nested is None:
                        continue
                    # Contained resources share their container's; an entry's are its own.
                    inner, inner_owner = nested, owner if name == "contained" else item
                yield from self._nodes(item, where, inner, inner_owner)

    def _nested_type(self, given: object, where: str) -> str | None:
        if isinstance(given, str) and is_resource_type(given):
            return given
        self.unreadable = True
        self.issues.append(
            error(
                "not-supported",
                f"There is no FHIR resource called {quoted(given)}.",
                f"{where}.resourceType",
            )
        )
        return None

    def _check(self, node: Json, expression: str, element: str, owner: Json) -> None:
        if node.get("system") == NHS_NUMBER_SYSTEM and "value" in node:
            self._nhs_number(node["value"], f"{expression}.value")
        for name, codes in self.tables.codes_under.get(element, {}).items():
            value = node.get(name)
            if isinstance(value, str) and value not in codes:
                self.issues.append(_code_issue(value, codes, f"{expression}.{name}"))
        for name, targets in self.tables.references_under.get(element, {}).items():
            if name in node:
                self._references(node[name], targets, f"{expression}.{name}", owner)

    def _nhs_number(self, value: object, expression: str) -> None:
        if not isinstance(value, str):
            return  # the models say it must be text
        problem = nhs_number_problem(value)
        if problem:
            self.issues.append(error("value", problem, expression))

    def _references(
        self, value: object, targets: tuple[str, ...], expression: str, owner: Json
    ) -> None:
        items = enumerate(value) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            if isinstance(item, dict):
                where = expression if index is None else f"{expression}[{index}]"
                self.issues.extend(self._reference(item, targets, where, owner))

    def _reference(
        self, reference: Json, targets: tuple[str, ...], where: str, owner: Json
    ) -> list[Issue]:
        issues: list[Issue] = []
        declared = reference.get("type")
        if isinstance(declared, str) and declared not in targets:
            issues.append(_target_issue(declared, targets, where, f"{where}.type"))
        literal = reference.get("reference")
        if isinstance(literal, str):
            problem = self._literal(literal, targets, where, owner)
            if problem:
                issues.append(problem)
        return issues

    def _literal(
        self, literal: str, targets: tuple[str, ...], where: str, owner: Json
    ) -> Issue | None:
        expression = f"{where}.reference"
        if literal.startswith("#"):
            return self._local(literal[1:], owner, targets, where, expression)
        if literal.startswith("urn:"):
            return self._urn(literal, expression)
        if self.in_bundle and "?" in literal:
            # A conditional reference in a transaction: Patient?identifier=…
            return self._typed(literal.split("?", 1)[0], targets, where, expression)
        match = _LITERAL_REFERENCE.match(literal)
        if match is None:
            return error(
                "value",
                f"{quoted(literal)} is not a reference that can be followed: write Type/id "
                f"(for example {targets[0]}/123) or a full URL ending in Type/id.",
                expression,
            )
        return self._typed(match["type"], targets, where, expression)

    def _typed(
        self, resource_type: str, targets: tuple[str, ...], where: str, expression: str
    ) -> Issue | None:
        if resource_type in targets:
            return None
        if not is_resource_type(resource_type):
            return error(
                "value",
                f"{where} refers to {quoted(resource_type)}, but there is no FHIR resource "
                "called that.",
                expression,
            )
        return _target_issue(resource_type, targets, where, expression)

    def _local(
        self, local_id: str, owner: Json, targets: tuple[str, ...], where: str, expression: str
    ) -> Issue | None:
        found = str(owner["resourceType"]) if not local_id else _contained(owner).get(local_id)
        if found is None:
            return error(
                "value",
                f"{where} refers to #{local_id}, but no contained resource has that id.",
                expression,
            )
        return None if found in targets else _target_issue(found, targets, where, expression)

    def _urn(self, literal: str, expression: str) -> Issue | None:
        if not (_URN_UUID.match(literal) or _URN_OID.match(literal)):
            return error(
                "value",
                f"{quoted(literal)} is not a valid urn:uuid: or urn:oid: reference.",
                expression,
            )
        if self.in_bundle:
            return None
        return error(
            "value",
            f"{quoted(literal)} only means something inside a Bundle. Outside one, refer to "
            "the record as Type/id.",
            expression,
        )


def _contained(owner: Json) -> dict[str, str]:
    """The types of a resource's contained resources, by id."""
    contained = owner.get("contained")
    return {
        item["id"]: str(item.get("resourceType"))
        for item in (contained if isinstance(contained, list) else [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def _code_issue(value: str, codes: frozenset[str], expression: str) -> Issue:
    allowed = ", ".join(sorted(codes))
    return error(
        "code-invalid",
        f"{quoted(value)} is not a code {expression} may hold. Use one of: {allowed}.",
        expression,
    )


def _target_issue(found: str, targets: tuple[str, ...], where: str, expression: str) -> Issue:
    if len(targets) == 1:
        wanted = with_article(targets[0])
    else:
        wanted = with_article(", ".join(targets[:-1]) + f" or {targets[-1]}")
    return error("value", f"{where} must refer to {wanted}, not {with_article(found)}.", expression)


def nhs_number_problem(value: str) -> str | None:
    """What is wrong with an NHS number as FHIR carries it (ten digits, nothing else), in
    words for the sender; None when it is valid. The check digit is core.identifiers'."""
    if not value.isascii() or not value.isdigit() or len(value) != 10:
        return (
            f"{quoted(value)} is not an NHS number: in FHIR an NHS number is written as 10 "
            "digits with no spaces."
        )
    try:
        normalise_nhs_number(value)
    except InvalidIdentifier:
        if len(set(value)) == 1:
            return f"{quoted(value)} is not a real NHS number: it is one digit 10 times."
        return (
            f"{quoted(value)} is not a valid NHS number: its last digit does not match the "
            "Modulus 11 check of the first nine. Check it for a mistyped digit."
        )
    return None
